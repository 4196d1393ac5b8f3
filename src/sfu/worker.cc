#include "sfu/worker.h"

#include <pthread.h>

#include <atomic>

#include <fmt/format.h>

#include "dtls/certificate.h"
#include "sfu/peer.h"
#include "sfu/router.h"
#include "util/log.h"

namespace podium::sfu {
namespace {

constexpr Duration kTickInterval{20'000};        // DTLS retransmission and consent checks
constexpr Duration kReportInterval{1'000'000};   // RTCP SR/RR (RFC 3550 §6.2, ~1 s for media)

std::atomic<std::uint64_t> g_track_counter{0};

}  // namespace

Worker::Worker(int index, net::UdpSocket socket, std::string announce_address,
               const dtls::Certificate& certificate, const MediaEvents& events)
    : index_(index), socket_(std::move(socket)), certificate_(certificate), events_(events) {
  // RFC 8839 §5.1: one host candidate on the worker's port. Priority per RFC 8445 §5.1.2.1
  // with type preference 126 (host), local preference 65535, component 1.
  candidate_ = fmt::format("candidate:{} 1 udp 2130706431 {} {} typ host", index_ + 1,
                           announce_address, socket_.local_endpoint().port());
}

Worker::~Worker() { stop(); }

void Worker::start() {
  loop_.watch_readable(socket_.fd(), [this] { on_readable(); });
  loop_.add_periodic(kTickInterval, [this] { on_tick(); });
  loop_.add_periodic(kReportInterval, [this] { on_report_tick(); });
  // Whatever a callback queued leaves in one sendmmsg at the end of the iteration.
  loop_.on_iteration_end([this] { socket_.flush(); });
  thread_ = std::thread([this] {
    log::info("sfu", "worker {} serving media on udp {}", index_, socket_.local_endpoint().to_string());
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
}

std::string Worker::next_track_id() { return fmt::format("t{}", ++g_track_counter); }

void Worker::on_readable() {
  for (;;) {
    auto batch = socket_.receive_batch();
    if (batch.empty()) break;
    auto now = loop_.now();
    for (const auto& datagram : batch) demux_.dispatch(datagram.data, datagram.from, now);
    socket_.flush();
  }
}

void Worker::on_tick() {
  auto now = loop_.now();
  for (auto& [id, peer] : peers_) peer->transport().on_tick(now);
}

void Worker::on_report_tick() {
  auto now = loop_.now();
  for (auto& [id, peer] : peers_) peer->send_reports(now);
}

void Worker::open_session(SessionId id, SessionOptions options) {
  auto& router = routers_[options.conference];
  if (!router) router = std::make_unique<Router>(options.conference);
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
  auto result = it->second->negotiate(request, loop_.now());
  if (!result.ok) log::info("sfu", "session {}: offer refused ({})", id, result.error);
  done(std::move(result));
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
