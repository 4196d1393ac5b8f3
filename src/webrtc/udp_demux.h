// Demultiplexes what arrives on a worker to transports: the datagrams of its shared UDP
// socket and the RFC 4571 frames of its ICE-TCP connections (RFC 6544). The first byte
// says which protocol (RFC 7983); STUN finds its transport by the USERNAME's local ufrag
// (RFC 8445 §7.3), and a valid check binds the path it came on (a UDP 5-tuple or a TCP
// connection) to that transport so DTLS and SRTP from it find it.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/endpoint.h"
#include "net/tcp_connection.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::webrtc {

class Transport;
struct MediaCounters;

class UdpDemux {
 public:
  // A valid check may bind at most this many UDP addresses to one transport (a peer
  // roaming between networks needs a few); beyond it the oldest bindings are forgotten.
  static constexpr std::size_t kMaxAddressesPerTransport = 8;

  explicit UdpDemux(MediaCounters& counters) : counters_(counters) {}

  void add(Transport& transport);
  // Forgets the transport and every address and connection bound to it.
  void remove(Transport& transport);
  // After Transport::restart_ice_if_changed: checks now name the new local ufrag.
  void rekey(Transport& transport, const std::string& old_ufrag);

  void dispatch(MutableBytes datagram, const net::Endpoint& from, TimePoint now);
  // One frame from an ICE-TCP connection. Returns false when the connection should be
  // closed: before a valid check has bound it, anything but a check is garbage (RFC 6544
  // §7.1: the first thing on the connection is the peer's check), and after, a packet
  // that is no protocol we speak means the stream lost its framing.
  bool dispatch_tcp(MutableBytes packet, net::TcpConnection& connection, TimePoint now);
  // The worker closes `connection`: forget it, and tell its transport.
  void connection_closed(net::TcpConnection& connection);

  std::size_t bound_addresses() const { return by_address_.size(); }
  std::size_t bound_connections() const { return by_connection_.size(); }

 private:
  Transport* transport_for_check(Bytes packet);
  void bind_address(const net::Endpoint& from, Transport& transport);

  MediaCounters& counters_;
  std::unordered_map<std::string, Transport*> by_ufrag_;
  std::unordered_map<net::Endpoint, Transport*, net::EndpointHash> by_address_;
  std::unordered_map<Transport*, std::vector<net::Endpoint>> addresses_of_;  // oldest first
  std::unordered_map<const net::TcpConnection*, Transport*> by_connection_;
};

}  // namespace podium::webrtc
