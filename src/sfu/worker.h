// A media worker: one thread, one event loop, one UDP socket shared by all the
// transports of the conferences placed on it. Nothing here is touched from another
// thread except through EventLoop::post.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "net/event_loop.h"
#include "net/udp_socket.h"
#include "sfu/media_server.h"
#include "webrtc/media_counters.h"
#include "webrtc/udp_demux.h"

namespace podium::dtls {
class Certificate;
}

namespace podium::sfu {

class Peer;
class Router;

class Worker {
 public:
  Worker(int index, net::UdpSocket socket, std::string announce_address,
         const dtls::Certificate& certificate, const MediaEvents& events);
  ~Worker();

  void start();
  void stop();  // joins the thread

  net::EventLoop& loop() { return loop_; }
  const webrtc::MediaCounters& counters() const { return counters_; }
  int index() const { return index_; }

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
  webrtc::UdpDemux& demux() { return demux_; }
  webrtc::MediaCounters& counters() { return counters_; }
  const std::string& candidate() const { return candidate_; }
  std::string next_track_id();

 private:
  void on_readable();
  void on_tick();
  void on_report_tick();

  int index_;
  net::EventLoop loop_;
  net::UdpSocket socket_;
  const dtls::Certificate& certificate_;
  const MediaEvents& events_;
  webrtc::MediaCounters counters_;
  webrtc::UdpDemux demux_{counters_};
  std::string candidate_;
  std::map<std::string, std::unique_ptr<Router>> routers_;
  std::unordered_map<SessionId, std::unique_ptr<Peer>> peers_;
  std::uint64_t next_track_ = 0;
  std::thread thread_;
};

}  // namespace podium::sfu
