#include "sfu/media_server.h"

#include <array>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "dtls/certificate.h"
#include "net/endpoint.h"
#include "net/tcp_listener.h"
#include "net/udp_socket.h"
#include "sfu/consumer.h"
#include "sfu/peer.h"
#include "sfu/relay.h"
#include "sfu/router.h"
#include "sfu/worker.h"
#include "srtp/srtp_session.h"
#include "util/log.h"

namespace podium::sfu {

struct MediaServer::Impl {
  MediaServerConfig config;
  MediaEvents events;
  std::optional<dtls::Certificate> certificate;
  std::unique_ptr<RelayHub> relays;  // with several workers; outlives them
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<SessionId> next_session{1};

  std::mutex mutex;  // guards the placement maps (control path only)
  std::unordered_map<std::string, int> conference_worker;  // the home worker
  std::unordered_map<std::string, int> conference_sessions;
  // Per conference: sessions on each worker, receive-only sessions on the home.
  std::unordered_map<std::string, std::map<int, int>> conference_workers;
  std::unordered_map<std::string, int> home_audience;
  std::vector<int> worker_sessions;  // all conferences
  struct Placed {
    int worker;
    std::string conference;
    bool audience;  // receive-only, counted in home_audience
  };
  std::unordered_map<SessionId, Placed> session_worker;
  std::unordered_map<std::string, InterpretationPlan> plans;  // by conference
  std::unordered_map<std::string, std::shared_ptr<MediaTap>> taps;  // by conference
  // What a router opened later on another worker must know, by conference (cleared
  // with the conference's last session, like the placement).
  std::unordered_map<std::string, std::string> stages;
  struct Permission {
    bool audio, video;
  };
  std::unordered_map<std::string, std::map<std::string, Permission>> permissions;
  int next_worker = 0;

  Worker* worker_of(const std::string& conference) {
    std::lock_guard lock(mutex);
    auto it = conference_worker.find(conference);
    return it == conference_worker.end() ? nullptr : workers[it->second].get();
  }

  // Every worker with a session of the conference (its routers), home first.
  std::vector<Worker*> workers_of(const std::string& conference) {
    std::vector<Worker*> out;
    std::lock_guard lock(mutex);
    auto home = conference_worker.find(conference);
    if (home == conference_worker.end()) return out;
    out.push_back(workers[home->second].get());
    if (auto it = conference_workers.find(conference); it != conference_workers.end())
      for (auto [index, count] : it->second)
        if (index != home->second && count > 0) out.push_back(workers[index].get());
    return out;
  }

  Worker* worker_of(SessionId id) {
    std::lock_guard lock(mutex);
    auto it = session_worker.find(id);
    return it == session_worker.end() ? nullptr : workers[it->second.worker].get();
  }
};

MediaServer::MediaServer(MediaServerConfig config, MediaEvents events)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->events = std::move(events);
}

MediaServer::~MediaServer() { stop(); }

void MediaServer::start() {
  srtp::initialize();
  auto certificate = dtls::Certificate::generate();
  if (!certificate) throw std::runtime_error("cannot create the DTLS certificate: " + certificate.error());
  impl_->certificate.emplace(std::move(*certificate));
  log::info("sfu", "DTLS certificate sha-256 {}", impl_->certificate->fingerprint_sha256());
  const auto& cfg = impl_->config;
  std::string announce = cfg.announce_address.empty() ? cfg.udp_address : cfg.announce_address;
  for (int i = 0; i < cfg.workers; ++i) {
    int port = cfg.udp_port + i;
    std::string host = cfg.udp_address.find(':') != std::string::npos ? "[" + cfg.udp_address + "]"
                                                                       : cfg.udp_address;
    auto endpoint = net::Endpoint::parse(fmt::format("{}:{}", host, port));
    if (!endpoint || port > 65535)
      throw std::runtime_error(fmt::format("udp: cannot use {}:{}", cfg.udp_address, port));
    auto socket = net::UdpSocket::bind(*endpoint, {.separate_sender = true});
    if (!socket)
      throw std::runtime_error(fmt::format("udp: cannot bind {}: {}", endpoint->to_string(), socket.error()));
    socket->set_gso(cfg.udp_gso);
    std::optional<net::TcpListener> tcp;
    if (cfg.tcp_enabled) {
      std::string tcp_address = cfg.tcp_address.empty() ? cfg.udp_address : cfg.tcp_address;
      int tcp_port = (cfg.tcp_port == 0 ? cfg.udp_port : cfg.tcp_port) + i;
      std::string tcp_host = tcp_address.find(':') != std::string::npos ? "[" + tcp_address + "]" : tcp_address;
      auto tcp_endpoint = net::Endpoint::parse(fmt::format("{}:{}", tcp_host, tcp_port));
      if (!tcp_endpoint || tcp_port > 65535)
        throw std::runtime_error(fmt::format("tcp: cannot use {}:{}", tcp_address, tcp_port));
      auto listener = net::TcpListener::bind(*tcp_endpoint);
      if (!listener) throw std::runtime_error(fmt::format("tcp: {}", listener.error()));
      tcp.emplace(std::move(*listener));
    }
    impl_->workers.push_back(std::make_unique<Worker>(i, std::move(*socket), std::move(tcp), announce,
                                                      *impl_->certificate, impl_->events));
  }
  impl_->worker_sessions.assign(impl_->workers.size(), 0);
  if (impl_->workers.size() > 1) {
    std::vector<Worker*> workers;
    for (auto& worker : impl_->workers) workers.push_back(worker.get());
    impl_->relays = std::make_unique<RelayHub>(std::move(workers));
    for (auto& worker : impl_->workers) worker->set_relay_hub(impl_->relays.get());
  }
  for (auto& worker : impl_->workers) worker->start();
}

void MediaServer::stop() {
  for (auto& worker : impl_->workers) worker->stop();
  impl_->workers.clear();
  impl_->relays.reset();
}

SessionId MediaServer::open_session(SessionOptions options) {
  if (impl_->workers.empty()) throw std::logic_error("MediaServer::open_session before start()");
  SessionId id = impl_->next_session++;
  int index;
  std::shared_ptr<MediaTap> tap;
  std::optional<InterpretationPlan> plan;
  std::optional<std::string> stage;
  std::map<std::string, Impl::Permission> permissions;
  {
    std::lock_guard lock(impl_->mutex);
    const std::string& conference = options.conference;
    if (auto found = impl_->plans.find(conference); found != impl_->plans.end())
      plan = found->second;
    // New conferences go round the workers; that worker is the conference's home.
    int count = static_cast<int>(impl_->workers.size());
    auto [it, inserted] = impl_->conference_worker.try_emplace(conference, 0);
    if (inserted) it->second = impl_->next_worker++ % count;
    int home = it->second;
    index = home;
    // Publishers stay home (the active speaker, program mixes and the recorder are
    // there); the audience spreads once the home holds enough of it (docs/config.md).
    bool audience = !options.may_publish && count > 1;
    if (audience && impl_->home_audience[conference] >= impl_->config.worker_sessions_before_spread) {
      for (int i = 0; i < count; ++i)
        if (impl_->worker_sessions[i] < impl_->worker_sessions[index]) index = i;
    }
    audience = audience && index == home;
    if (audience) impl_->home_audience[conference]++;
    if (index == home)
      if (auto found = impl_->taps.find(conference); found != impl_->taps.end()) tap = found->second;
    if (auto found = impl_->stages.find(conference); found != impl_->stages.end()) stage = found->second;
    if (auto found = impl_->permissions.find(conference); found != impl_->permissions.end())
      permissions = found->second;
    impl_->conference_sessions[conference]++;
    impl_->conference_workers[conference][index]++;
    impl_->worker_sessions[index]++;
    impl_->session_worker[id] = {index, conference, audience};
  }
  Worker* worker = impl_->workers[index].get();
  worker->loop().post([worker, id, options = std::move(options), tap = std::move(tap),
                       plan = std::move(plan), stage = std::move(stage),
                       permissions = std::move(permissions)]() mutable {
    std::string conference = options.conference;
    bool first = worker->router(conference) == nullptr;
    worker->open_session(id, std::move(options));
    Router* router = worker->router(conference);
    if (!router) return;
    auto now = worker->loop().now();
    // A conference's router comes and goes with its sessions (one per worker it is on);
    // what the conference decided so far stays here and reaches each new router.
    if (first) {
      for (const auto& [participant, allowed] : permissions)
        router->set_send_permission(participant, allowed.audio, allowed.video, now);
      if (stage) router->set_stage_participant(std::move(*stage), now);
      if (plan) router->set_interpretation(std::move(*plan), now);
    }
    if (tap) router->set_tap(tap, now);
  });
  return id;
}

void MediaServer::negotiate(SessionId session, NegotiateRequest request,
                            std::function<void(NegotiateResult)> done) {
  Worker* worker = impl_->worker_of(session);
  if (!worker) {
    NegotiateResult result;
    result.status = 404;
    result.error = "no such media session";
    done(std::move(result));
    return;
  }
  worker->loop().post([worker, session, request = std::move(request), done = std::move(done)] {
    worker->negotiate(session, request, done);
  });
}

void MediaServer::close_session(SessionId session) {
  Worker* worker = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->session_worker.find(session);
    if (it == impl_->session_worker.end()) return;
    const auto& placed = it->second;
    worker = impl_->workers[placed.worker].get();
    impl_->worker_sessions[placed.worker]--;
    if (placed.audience) impl_->home_audience[placed.conference]--;
    auto& on_workers = impl_->conference_workers[placed.conference];
    if (--on_workers[placed.worker] == 0) on_workers.erase(placed.worker);
    if (--impl_->conference_sessions[placed.conference] == 0) {
      impl_->conference_sessions.erase(placed.conference);
      impl_->conference_worker.erase(placed.conference);
      impl_->conference_workers.erase(placed.conference);
      impl_->home_audience.erase(placed.conference);
      impl_->stages.erase(placed.conference);
      impl_->permissions.erase(placed.conference);
    }
    impl_->session_worker.erase(it);
  }
  worker->loop().post([worker, session] { worker->close_session(session); });
}

void MediaServer::set_send_permission(const std::string& conference,
                                      const std::string& participant_id, bool audio, bool video) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->conference_worker.count(conference))
      impl_->permissions[conference][participant_id] = Impl::Permission{audio, video};
  }
  for (Worker* worker : impl_->workers_of(conference)) {
    worker->loop().post([worker, conference, participant_id, audio, video] {
      if (Router* router = worker->router(conference))
        router->set_send_permission(participant_id, audio, video, worker->loop().now());
    });
  }
}

void MediaServer::set_may_publish(SessionId session, bool may_publish) {
  if (Worker* worker = impl_->worker_of(session)) {
    worker->loop().post([worker, session, may_publish] {
      if (Peer* peer = worker->peer(session)) peer->set_may_publish(may_publish);
    });
  }
}

void MediaServer::set_stage(const std::string& conference, std::string participant_id) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->conference_worker.count(conference)) impl_->stages[conference] = participant_id;
  }
  for (Worker* worker : impl_->workers_of(conference)) {
    worker->loop().post([worker, conference, participant_id]() mutable {
      if (Router* router = worker->router(conference))
        router->set_stage_participant(std::move(participant_id), worker->loop().now());
    });
  }
}

void MediaServer::set_tap(const std::string& conference, std::shared_ptr<MediaTap> tap) {
  Worker* worker = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    if (tap) {
      impl_->taps[conference] = tap;
    } else {
      impl_->taps.erase(conference);
    }
    auto it = impl_->conference_worker.find(conference);
    if (it != impl_->conference_worker.end()) worker = impl_->workers[it->second].get();
  }
  if (!worker) return;
  worker->loop().post([worker, conference, tap = std::move(tap)]() mutable {
    if (Router* router = worker->router(conference))
      router->set_tap(std::move(tap), worker->loop().now());
  });
}

void MediaServer::set_interpretation(const std::string& conference, InterpretationPlan plan) {
  {
    std::lock_guard lock(impl_->mutex);
    if (plan.live.empty() && plan.interpreters.empty() && plan.floor_language.empty()) {
      impl_->plans.erase(conference);
    } else {
      impl_->plans[conference] = plan;
    }
  }
  for (Worker* worker : impl_->workers_of(conference)) {
    worker->loop().post([worker, conference, plan]() mutable {
      if (Router* router = worker->router(conference))
        router->set_interpretation(std::move(plan), worker->loop().now());
    });
  }
}

void MediaServer::set_preferred_layers(SessionId session, const std::string& mid, int spatial,
                                       int temporal) {
  if (Worker* worker = impl_->worker_of(session)) {
    worker->loop().post([worker, session, mid, spatial, temporal] {
      if (Peer* peer = worker->peer(session))
        if (Consumer* consumer = peer->consumer(mid))
          consumer->set_preferred_layers(spatial, temporal, worker->loop().now());
    });
  }
}

void MediaServer::set_rendered_height(SessionId session, const std::string& mid, int height) {
  if (Worker* worker = impl_->worker_of(session)) {
    worker->loop().post([worker, session, mid, height] {
      if (Peer* peer = worker->peer(session))
        if (Consumer* consumer = peer->consumer(mid)) consumer->set_rendered_height(height, worker->loop().now());
    });
  }
}

std::string MediaServer::metrics_text() const {
  using webrtc::Counter;
  auto sum = [&](auto member) {
    std::uint64_t total = 0;
    for (auto& w : impl_->workers) total += (w->counters().*member).get();
    return total;
  };
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  using C = webrtc::MediaCounters;
  metric("podium_transports", "gauge", "WebRTC transports (ICE+DTLS+SRTP) open", sum(&C::transports));
  metric("podium_transports_connected", "gauge", "Transports with DTLS connected", sum(&C::transports_connected));
  metric("podium_producers", "gauge", "Incoming tracks", sum(&C::producers));
  metric("podium_consumers", "gauge", "Outgoing tracks", sum(&C::consumers));
  metric("podium_datagrams_received_total", "counter", "UDP datagrams received", sum(&C::datagrams_in));
  metric("podium_bytes_received_total", "counter", "UDP bytes received", sum(&C::bytes_in));
  metric("podium_rtp_packets_received_total", "counter", "RTP packets accepted from publishers", sum(&C::rtp_packets_in));
  metric("podium_rtp_bytes_received_total", "counter", "RTP bytes accepted from publishers", sum(&C::rtp_bytes_in));
  metric("podium_rtp_packets_sent_total", "counter", "RTP packets forwarded to subscribers", sum(&C::rtp_packets_out));
  metric("podium_rtp_bytes_sent_total", "counter", "RTP bytes forwarded to subscribers", sum(&C::rtp_bytes_out));
  metric("podium_rtcp_packets_received_total", "counter", "RTCP compound packets received", sum(&C::rtcp_packets_in));
  metric("podium_rtcp_packets_sent_total", "counter", "RTCP compound packets sent", sum(&C::rtcp_packets_out));
  metric("podium_keyframe_requests_total", "counter", "PLIs sent to publishers", sum(&C::keyframe_requests));
  metric("podium_nacks_received_total", "counter", "Generic NACKs received from subscribers", sum(&C::nacks_received));
  metric("podium_nacks_sent_total", "counter", "Generic NACKs sent to publishers", sum(&C::nacks_sent));
  metric("podium_retransmissions_sent_total", "counter", "Packets resent to subscribers after a NACK", sum(&C::retransmissions_sent));
  metric("podium_retransmissions_shed_total", "counter", "NACKed packets not resent because the worker was behind its load", sum(&C::retransmissions_shed));
  metric("podium_rtx_packets_received_total", "counter", "RTX packets received from publishers", sum(&C::rtx_packets_in));
  metric("podium_upstream_packets_repaired_total", "counter", "Packets missed from publishers that arrived after a NACK", sum(&C::upstream_repaired));
  metric("podium_upstream_repair_microseconds_total", "counter", "Sum of those packets' delays from detected loss to arrival", sum(&C::upstream_repair_micros));
  metric("podium_nack_given_up_total", "counter", "Packets missed from publishers given up on (a keyframe is requested)", sum(&C::nack_given_up));
  metric("podium_playout_delay_changes_total", "counter", "Changes of the min playout delay asked of subscribers' video while a publisher's path needs repairs", sum(&C::playout_delay_changes));
  metric("podium_transport_cc_feedback_sent_total", "counter", "Transport-cc feedback packets sent to publishers", sum(&C::transport_cc_feedback_sent));
  metric("podium_transport_cc_feedback_received_total", "counter", "Transport-cc feedback packets received from subscribers", sum(&C::transport_cc_feedback_received));
  metric("podium_remb_received_total", "counter", "REMB packets received from subscribers", sum(&C::remb_received));
  // A summary's _sum and _count: their ratio is the mean estimate per subscriber.
  metric("podium_subscriber_estimated_bitrate_bps_sum", "gauge", "Sum of the subscribers' estimated available bitrates (bps)", sum(&C::estimated_bitrate_sum));
  metric("podium_subscriber_estimated_bitrate_bps_count", "gauge", "Subscribers with a bandwidth estimate", sum(&C::estimated_bitrate_subscribers));
  metric("podium_probe_clusters_total", "counter", "Bandwidth probe clusters sent to subscribers held below their preferred simulcast stream", sum(&C::probe_clusters));
  metric("podium_probe_packets_total", "counter", "RTX packets (copies of recent packets or padding) sent to probe bandwidth", sum(&C::probe_packets));
  metric("podium_probe_bytes_total", "counter", "Bytes of those packets", sum(&C::probe_bytes));
  metric("podium_probe_raised_total", "counter", "Probe clusters that lifted a subscriber's bandwidth estimate", sum(&C::probe_raised));
  {
    // Prometheus histogram over every worker: see UdpSocket::forwarding_delay().
    using net::DelayHistogram;
    std::array<std::uint64_t, DelayHistogram::kBuckets> buckets{};
    std::uint64_t count = 0, sum_micros = 0;
    for (auto& w : impl_->workers) {
      const DelayHistogram& h = w->socket().forwarding_delay();
      for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += h.bucket(i);
      count += h.count();
      sum_micros += h.sum_micros();
    }
    const char* name = "podium_forwarding_delay_seconds";
    out += fmt::format("# HELP {} Server-side forwarding delay: from the kernel's arrival timestamp of a publisher's packet to the send of each copy\n# TYPE {} histogram\n", name, name);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      cumulative += buckets[i];
      std::string le = i < DelayHistogram::kBoundsMicros.size()
                           ? fmt::format("{}", static_cast<double>(DelayHistogram::kBoundsMicros[i]) / 1e6)
                           : std::string("+Inf");
      out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, le, cumulative);
    }
    out += fmt::format("{}_sum {:.6f}\n{}_count {}\n", name, static_cast<double>(sum_micros) / 1e6, name, count);
  }
  std::uint64_t gso_messages = 0, gso_datagrams = 0;
  for (auto& w : impl_->workers) {
    gso_messages += w->socket().gso_messages();
    gso_datagrams += w->socket().gso_datagrams();
  }
  metric("podium_udp_gso_sends_total", "counter", "UDP GSO messages sent: runs of datagrams to one peer handed to the kernel as one", gso_messages);
  metric("podium_udp_gso_datagrams_total", "counter", "Datagrams those GSO messages carried", gso_datagrams);
  std::uint64_t speaker_changes = 0, with_speaker = 0;
  for (auto& w : impl_->workers) {
    speaker_changes += w->active_speaker_changes();
    with_speaker += w->conferences_with_active_speaker();
  }
  metric("podium_active_speaker_changes_total", "counter", "Times a conference's dominant speaker changed", speaker_changes);
  metric("podium_conferences_with_active_speaker", "gauge", "Conferences where someone holds the floor", with_speaker);
  std::uint64_t short_tick = 0;
  for (auto& w : impl_->workers) short_tick += w->short_tick_peers();
  metric("podium_peers_on_short_tick", "gauge", "Media sessions the 20 ms tick visits: handshaking, publishing or probing (the rest are visited once a second)", short_tick);
  const RelayHub* relays = impl_->relays.get();
  metric("podium_relay_packets_total", "counter", "RTP packets relayed to another worker of the same conference (one per packet per worker)", relays ? relays->packets() : 0);
  metric("podium_relay_dropped_total", "counter", "Relayed packets dropped because the receiving worker fell behind (ring full)", relays ? relays->dropped() : 0);
  metric("podium_relay_producers", "gauge", "Relay producers: tracks of another worker a worker stands in for", relays ? relays->relay_producers() : 0);
  std::uint64_t program_frames = 0, program_ns = 0, programs = 0;
  for (auto& w : impl_->workers) {
    program_frames += w->program_frames();
    program_ns += w->program_mix_nanoseconds();
    programs += w->programs();
  }
  metric("podium_interpretation_programs", "gauge", "Interpretation program mixes running (one per booth language someone listens to)", programs);
  metric("podium_interpretation_program_frames_total", "counter", "20 ms program frames mixed and encoded", program_frames);
  out += fmt::format("# HELP podium_interpretation_mix_seconds_total Worker time spent decoding, mixing and encoding programs\n"
                     "# TYPE podium_interpretation_mix_seconds_total counter\n"
                     "podium_interpretation_mix_seconds_total {:.6f}\n", static_cast<double>(program_ns) / 1e9);
  out += "# HELP podium_program_mix_frames_total 20 ms program frames mixed, by language (only while someone listens)\n"
         "# TYPE podium_program_mix_frames_total counter\n";
  for (const auto& [language, frames] : program_frames_by_language())
    out += fmt::format("podium_program_mix_frames_total{{lang=\"{}\"}} {}\n", language, frames);
  out += "# HELP podium_packets_dropped_total Datagrams or packets dropped, by reason\n"
         "# TYPE podium_packets_dropped_total counter\n";
  for (int r = 0; r < static_cast<int>(webrtc::DropReason::kCount); ++r) {
    std::uint64_t total = 0;
    for (auto& w : impl_->workers) total += w->counters().dropped[r].get();
    out += fmt::format("podium_packets_dropped_total{{reason=\"{}\"}} {}\n",
                       webrtc::drop_reason_name(static_cast<webrtc::DropReason>(r)), total);
  }
  return out;
}

}  // namespace podium::sfu
