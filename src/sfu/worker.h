// A media worker: one thread, one event loop, one UDP socket and one ICE-TCP listener
// (RFC 6544 passive candidates) shared by all the transports of the conferences placed
// on it. Nothing here is touched from another thread except through EventLoop::post.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/event_loop.h"
#include "net/tcp_connection.h"
#include "net/tcp_listener.h"
#include "net/udp_socket.h"
#include "sfu/fanout_batch.h"
#include "sfu/media_server.h"
#include "webrtc/media_counters.h"
#include "webrtc/udp_demux.h"

namespace podium::dtls {
class Certificate;
}

namespace podium::sfu {

class Peer;
class RelayHub;
class Router;

class Worker {
 public:
  // At most this many ICE-TCP connections per worker: each holds ~320 KiB of buffers.
  static constexpr std::size_t kMaxTcpConnections = 1024;
  // A connection that sends nothing for this long is closed (browsers send a consent
  // check every ~5 s, RFC 7675 §5.1; one that never checks is not a peer).
  static constexpr Duration kTcpIdleTimeout = std::chrono::seconds(30);

  // `tcp` is optional: without it the worker offers only its UDP candidate.
  Worker(int index, net::UdpSocket socket, std::optional<net::TcpListener> tcp,
         std::string announce_address, const dtls::Certificate& certificate,
         const MediaEvents& events);
  ~Worker();

  void start();
  void stop();  // joins the thread

  net::EventLoop& loop() { return loop_; }
  const webrtc::MediaCounters& counters() const { return counters_; }
  int index() const { return index_; }
  // Active speaker metrics, readable from any thread.
  std::uint64_t active_speaker_changes() const { return active_speaker_changes_.load(std::memory_order_relaxed); }
  std::uint64_t conferences_with_active_speaker() const {
    return conferences_with_active_speaker_.load(std::memory_order_relaxed);
  }
  // Interpretation program mixing, readable from any thread: 20 ms frames mixed (one
  // per language per tick) and the time the ticks took, and the programs running now.
  std::uint64_t program_frames() const { return program_frames_.load(std::memory_order_relaxed); }
  std::uint64_t program_mix_nanoseconds() const { return program_mix_ns_.load(std::memory_order_relaxed); }
  std::uint64_t programs() const { return programs_.load(std::memory_order_relaxed); }

  // Loop thread only.
  void open_session(SessionId id, SessionOptions options);
  void negotiate(SessionId id, const NegotiateRequest& request,
                 const std::function<void(NegotiateResult)>& done);
  void close_session(SessionId id);
  // A transport ended by itself: remove the session after the current callback returns.
  void session_failed(SessionId id);

  // Used by peers.
  const dtls::Certificate& certificate() const { return certificate_; }
  net::UdpSocket& socket() { return socket_; }
  // The deferred fan-out of the batch being handled (sfu/fanout_batch.h): opened for a
  // receive batch or a relay drain while the socket sends GSO, closed at its end.
  FanoutBatch& fanout_batch() { return fanout_batch_; }
  void open_fanout_batch() {
    if (socket_.gso()) fanout_batch_.open();
  }
  webrtc::UdpDemux& demux() { return demux_; }
  webrtc::MediaCounters& counters() { return counters_; }
  // The UDP batch being handled waited longer than kBehind in the socket: the worker is
  // behind its load, and repairs (retransmissions) are shed so that it can catch up.
  // False outside the handling of a batch.
  static constexpr Duration kBehind{100'000};
  bool behind() const { return behind_; }
  // Puts a peer on the 20 ms tick's list (Peer::want_short_tick); it leaves by itself.
  void add_short_tick(SessionId id);
  // How many peers the last 20 ms tick kept on the list; readable from any thread.
  std::uint64_t short_tick_peers() const { return short_tick_peers_.load(std::memory_order_relaxed); }
  // Every host candidate of this worker, UDP first (the default candidate), then the
  // ICE-TCP passive one.
  const std::vector<std::string>& candidates() const { return candidates_; }
  // The relays between workers (sfu/relay.h); set before start() when there are several.
  void set_relay_hub(RelayHub* hub) { relay_hub_ = hub; }
  std::size_t tcp_connections() const { return connections_.size(); }
  std::string next_track_id();
  // The conference's router on this worker, or null (loop thread only).
  Router* router(const std::string& conference) {
    auto it = routers_.find(conference);
    return it == routers_.end() ? nullptr : it->second.get();
  }
  // A session's peer, or null (loop thread only).
  Peer* peer(SessionId id) {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : it->second.get();
  }

 private:
  struct TcpPeer {
    std::unique_ptr<net::TcpConnection> connection;  // stable address: paths point at it
    TimePoint last_receive;
  };

  void on_readable();
  void on_tick();
  void on_second();
  void on_tcp_acceptable();
  void on_tcp_readable(int fd);
  void close_tcp(int fd, std::string_view reason);
  void flush_tcp();
  void restart_ice_if_offered(Peer& peer, const std::string& sdp_offer);
  void update_active_speakers(TimePoint now);
  void on_mix_tick();

  int index_;
  net::EventLoop loop_;
  net::UdpSocket socket_;
  FanoutBatch fanout_batch_;
  std::optional<net::TcpListener> tcp_;
  std::unordered_map<int, TcpPeer> connections_;  // by fd
  std::vector<int> closing_;                      // reused by flush_tcp
  const dtls::Certificate& certificate_;
  const MediaEvents& events_;
  webrtc::MediaCounters counters_;
  bool behind_ = false;
  webrtc::UdpDemux demux_{counters_};
  std::vector<std::string> candidates_;
  std::map<std::string, std::unique_ptr<Router>> routers_;
  std::unordered_map<SessionId, std::unique_ptr<Peer>> peers_;
  std::vector<SessionId> short_tick_;  // the peers the 20 ms tick visits
  std::atomic<std::uint64_t> short_tick_peers_{0};
  std::uint64_t next_track_ = 0;
  std::atomic<std::uint64_t> active_speaker_changes_{0};
  std::atomic<std::uint64_t> conferences_with_active_speaker_{0};
  std::atomic<std::uint64_t> program_frames_{0};
  std::atomic<std::uint64_t> program_mix_ns_{0};
  std::atomic<std::uint64_t> programs_{0};
  RelayHub* relay_hub_ = nullptr;
  std::thread thread_;
};

}  // namespace podium::sfu
