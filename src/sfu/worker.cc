#include "sfu/worker.h"

#include <pthread.h>

#include <atomic>

#include <fmt/format.h>

#include "dtls/certificate.h"
#include "ice/tcp_framing.h"
#include "sdp/session_description.h"
#include "sfu/peer.h"
#include "sfu/relay.h"
#include "sfu/router.h"
#include "util/log.h"

namespace podium::sfu {
namespace {

constexpr Duration kTickInterval{20'000};          // DTLS retransmission, NACKs, probing (who needs it)
constexpr Duration kSecond{1'000'000};             // ICE consent, idle RFC 4571 connections
constexpr Duration kMixInterval{20'000};           // one Opus frame of every interpretation program

std::atomic<std::uint64_t> g_track_counter{0};

}  // namespace

Worker::Worker(int index, net::UdpSocket socket, std::optional<net::TcpListener> tcp,
               std::string announce_address, const dtls::Certificate& certificate,
               const MediaEvents& events)
    : index_(index),
      socket_(std::move(socket)),
      tcp_(std::move(tcp)),
      certificate_(certificate),
      events_(events) {
  // Arrival timestamps for podium_forwarding_delay_seconds (UdpSocket::forwarding_delay).
  socket_.enable_arrival_timestamps();
  // RFC 8839 §5.1: one host candidate on the worker's port. Priority per RFC 8445 §5.1.2.1
  // with type preference 126 (host), local preference 65535, component 1.
  candidates_.push_back(fmt::format("candidate:{} 1 udp 2130706431 {} {} typ host", index_ + 1,
                                    announce_address, socket_.local_endpoint().port()));
  if (tcp_) {
    // RFC 6544 §4.2: local preference = 2^13 * direction-pref + other-pref, with
    // direction-pref 4 for a passive host candidate, so UDP (local preference 65535)
    // stays preferred. §4.5: "tcptype passive" and the listening port.
    constexpr std::uint32_t kLocalPreference = (1u << 13) * 4 + 8191;
    constexpr std::uint32_t kPriority = (126u << 24) | (kLocalPreference << 8) | (256 - 1);
    candidates_.push_back(fmt::format("candidate:{} 1 tcp {} {} {} typ host tcptype passive",
                                      index_ + 101, kPriority, announce_address,
                                      tcp_->local_endpoint().port()));
  }
}

Worker::~Worker() { stop(); }

void Worker::start() {
  loop_.watch_readable(socket_.fd(), [this] { on_readable(); });
  if (tcp_) loop_.watch_readable(tcp_->fd(), [this] { on_tcp_acceptable(); });
  loop_.add_periodic(kTickInterval, [this] { on_tick(); });
  loop_.add_periodic(kSecond, [this] { on_second(); });
  loop_.add_periodic(kMixInterval, [this] { on_mix_tick(); });
  // Whatever a callback queued leaves in one sendmmsg at the end of the iteration.
  loop_.on_iteration_end([this] {
    socket_.flush();
    flush_tcp();
    if (relay_hub_) relay_hub_->flush(index_);  // wakes the workers this iteration relayed to
  });
  thread_ = std::thread([this] {
    log::info("sfu", "worker {} serving media on udp {}{}", index_, socket_.local_endpoint().to_string(),
              tcp_ ? " and tcp " + tcp_->local_endpoint().to_string() : std::string());
    loop_.run();
  });
  // Named so that top, perf and the benchmarks can tell the media threads apart.
  pthread_setname_np(thread_.native_handle(), fmt::format("podium-w{}", index_).c_str());
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  loop_.stop();
  thread_.join();
  // The loop has ended: tear down on this thread, tracks before the peers that own them.
  auto now = loop_.now();
  for (auto& [id, peer] : peers_) peer->close_media(now);
  peers_.clear();
  routers_.clear();
  for (auto& [fd, peer] : connections_) loop_.unwatch(fd);
  connections_.clear();
  if (tcp_) loop_.unwatch(tcp_->fd());
}

std::string Worker::next_track_id() { return fmt::format("t{}", ++g_track_counter); }

void Worker::on_readable() {
  // A bounded number of batches per wake-up: under a sustained flood the socket never
  // drains, and an unbounded loop would starve posted control tasks (floor changes,
  // negotiations) and timers. epoll is level-triggered, so the rest is read next turn.
  constexpr int kMaxBatchesPerWakeup = 16;
  for (int i = 0; i < kMaxBatchesPerWakeup; ++i) {
    auto batch = socket_.receive_batch();
    if (batch.empty()) break;
    auto now = loop_.now();
    // Its first datagram waited longest.
    if (batch.front().received_ns != 0) {
      const std::int64_t waited_ns = net::realtime_ns() - batch.front().received_ns;
      behind_ = waited_ns > std::chrono::duration_cast<std::chrono::nanoseconds>(kBehind).count();
    }
    // Video bursts are fanned out subscriber by subscriber at the end of the batch, so
    // each subscriber's copies leave in one GSO send.
    open_fanout_batch();
    for (const auto& datagram : batch) {
      socket_.set_send_origin(datagram.received_ns);  // forwarding delay counts from arrival
      demux_.dispatch(datagram.data, datagram.from, now);
    }
    fanout_batch_.close();
    socket_.flush();
    socket_.set_send_origin(0);
  }
  behind_ = false;  // known only while a batch is handled (not for ICE-TCP, timers)
}

void Worker::on_tcp_acceptable() {
  while (auto connection = tcp_->accept()) {
    if (connections_.size() >= kMaxTcpConnections) {
      log::warn("sfu", "worker {}: refusing tcp connection from {}: {} open", index_,
                connection->remote().to_string(), connections_.size());
      continue;  // closed as it goes out of scope
    }
    int fd = connection->fd();
    TcpPeer peer{std::make_unique<net::TcpConnection>(std::move(*connection)), loop_.now()};
    if (!loop_.watch_readable(fd, [this, fd] { on_tcp_readable(fd); })) continue;
    log::debug("sfu", "worker {}: tcp connection from {}", index_, peer.connection->remote().to_string());
    connections_.emplace(fd, std::move(peer));
  }
}

void Worker::on_tcp_readable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  net::TcpConnection& connection = *it->second.connection;
  // One read per wake-up (level-triggered): other connections and the UDP socket get
  // their turn, and the read buffer bounds what one connection can hand us at once.
  auto status = connection.read();
  if (status == net::TcpConnection::ReadStatus::kClosed) {
    close_tcp(fd, "closed by peer");
    return;
  }
  if (status != net::TcpConnection::ReadStatus::kData) return;
  auto now = loop_.now();
  it->second.last_receive = now;
  for (;;) {
    // A WebRTC packet is never larger than a datagram; a longer frame is garbage.
    auto frame = ice::next_frame(connection.buffered(), net::UdpSocket::kDatagramCapacity);
    if (frame.status == ice::FrameScan::Status::kNeedMore) break;
    if (frame.status == ice::FrameScan::Status::kTooLarge) {
      counters_.drop(webrtc::DropReason::kMalformedRtp);
      close_tcp(fd, "frame too large");
      return;
    }
    if (!demux_.dispatch_tcp(frame.packet, connection, now)) {
      close_tcp(fd, "not ICE-TCP traffic for a known transport");
      return;
    }
    connection.consume(frame.consumed);
  }
}

void Worker::close_tcp(int fd, std::string_view reason) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  log::debug("sfu", "worker {}: tcp connection from {} closed ({})", index_,
             it->second.connection->remote().to_string(), reason);
  demux_.connection_closed(*it->second.connection);
  loop_.unwatch(fd);
  connections_.erase(it);
}

void Worker::flush_tcp() {
  closing_.clear();
  for (auto& [fd, peer] : connections_) {
    // What the kernel does not take now waits for the next iteration (at the latest the
    // next 20 ms tick); the write buffer's bound drops the rest.
    if (peer.connection->pending_write() > 0 && !peer.connection->flush()) closing_.push_back(fd);
  }
  for (int fd : closing_) close_tcp(fd, "send failed");
}

// Only the peers on the short-tick list: a worker with thousands of connected listeners
// would otherwise touch every one of them fifty times a second for nothing.
void Worker::on_tick() {
  auto now = loop_.now();
  std::size_t kept = 0;
  // By index: a peer's tick may add another peer to the list, which is then visited too.
  for (std::size_t i = 0; i < short_tick_.size(); ++i) {
    SessionId id = short_tick_[i];
    auto it = peers_.find(id);
    if (it == peers_.end()) continue;  // closed since
    Peer& peer = *it->second;
    peer.transport().on_tick(now);  // DTLS retransmission
    peer.on_tick(now);              // NACKs that fell due (loss recovery), probing
    if (peer.keep_short_tick()) short_tick_[kept++] = id;
  }
  short_tick_.resize(kept);
  short_tick_peers_.store(kept, std::memory_order_relaxed);
  update_active_speakers(now);
}

void Worker::add_short_tick(SessionId id) { short_tick_.push_back(id); }

// The detectors work in 100 ms slices; between slice boundaries this is a comparison per
// conference.
void Worker::update_active_speakers(TimePoint now) {
  std::uint64_t with_speaker = 0;
  for (auto& [conference, router] : routers_) {
    if (auto speaker = router->update_active_speaker(now)) {
      active_speaker_changes_.fetch_add(1, std::memory_order_relaxed);
      log::info("sfu", "conference {}: active speaker is now {}", conference, *speaker);
      if (events_.on_active_speaker) events_.on_active_speaker(conference, *speaker);
    }
    if (!router->active_speaker().empty()) ++with_speaker;
  }
  conferences_with_active_speaker_.store(with_speaker, std::memory_order_relaxed);
}

// The timer keeps its cadence (EventLoop::add_periodic), so the programs' 20 ms frames
// follow the wall clock; the input jitter buffers absorb the publishers' own clocks.
void Worker::on_mix_tick() {
  std::uint64_t programs = 0;
  for (auto& [conference, router] : routers_) {
    if (!router->mixing()) continue;
    auto start = std::chrono::steady_clock::now();
    router->mix(loop_.now());
    auto spent = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now() - start);
    program_mix_ns_.fetch_add(static_cast<std::uint64_t>(spent.count()), std::memory_order_relaxed);
    program_frames_.fetch_add(router->program_count(), std::memory_order_relaxed);
    programs += router->program_count();
  }
  programs_.store(programs, std::memory_order_relaxed);
}

void Worker::on_second() {
  auto now = loop_.now();
  closing_.clear();
  for (auto& [fd, peer] : connections_)
    if (now - peer.last_receive >= kTcpIdleTimeout) closing_.push_back(fd);
  for (int fd : closing_) close_tcp(fd, "idle for 30 s");
  // Every peer, once a second: ICE consent (RFC 7675 §5.1: 30 s without a check ends
  // it), and a place on the short-tick list for whatever came to need one.
  for (auto& [id, peer] : peers_) {
    peer->transport().on_tick(now);
    peer->want_short_tick();
  }
}

void Worker::open_session(SessionId id, SessionOptions options) {
  auto& router = routers_[options.conference];
  if (!router) {
    router = std::make_unique<Router>(options.conference);
    if (relay_hub_) router->attach_relays(*relay_hub_, index_, loop_.now());
  }
  router->peer_count++;
  log::info("sfu", "worker {}: session {} opened for {} in {}", index_, id, options.participant_id,
            options.conference);
  peers_[id] = std::make_unique<Peer>(id, std::move(options), *router, *this);
}

void Worker::negotiate(SessionId id, const NegotiateRequest& request,
                       const std::function<void(NegotiateResult)>& done) {
  auto it = peers_.find(id);
  if (it == peers_.end()) {
    NegotiateResult result;
    result.status = 404;
    result.error = "no such media session";
    done(std::move(result));
    return;
  }
  restart_ice_if_offered(*it->second, request.sdp_offer);
  auto result = it->second->negotiate(request, loop_.now());
  it->second->want_short_tick();  // a new published track has NACK timers
  if (!result.ok) log::info("sfu", "session {}: offer refused ({})", id, result.error);
  done(std::move(result));
}

void Worker::restart_ice_if_offered(Peer& peer, const std::string& sdp_offer) {
  // RFC 8445 §9: new ice-ufrag/ice-pwd in an offer restart ICE. The transport needs its
  // new local credentials before the answer is built from them; a malformed offer is
  // left for Peer::negotiate to refuse.
  auto offer = sdp::parse(sdp_offer);
  if (!offer) return;
  for (const auto& section : offer->media) {
    if (section.port == 0) continue;
    auto ice = sdp::effective_ice(section, *offer);
    if (ice.ufrag.empty()) return;
    auto& transport = peer.transport();
    std::string old_ufrag = transport.local_ufrag();
    if (transport.restart_ice_if_changed(ice.ufrag, ice.pwd)) demux_.rekey(transport, old_ufrag);
    return;
  }
}

void Worker::close_session(SessionId id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  auto removed = it->second->close_media(loop_.now());
  Router& router = it->second->router();
  peers_.erase(it);
  if (--router.peer_count == 0) routers_.erase(router.conference());
  (void)removed;  // the caller asked for the close and knows its tracks
}

void Worker::session_failed(SessionId id) {
  // Called from inside the transport's own callback: finish the removal afterwards.
  loop_.post([this, id] {
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    auto removed = it->second->close_media(loop_.now());
    Router& router = it->second->router();
    peers_.erase(it);
    if (--router.peer_count == 0) routers_.erase(router.conference());
    if (events_.on_session_closed) events_.on_session_closed(id, std::move(removed));
  });
}

}  // namespace podium::sfu
