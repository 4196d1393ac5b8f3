// Demultiplexes the datagrams of one shared UDP socket to transports: the first byte
// says which protocol (RFC 7983); STUN finds its transport by the USERNAME's local ufrag
// (RFC 8445 §7.3), and a valid check binds the sender's 5-tuple to that transport so
// DTLS and SRTP from it find it by address.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/endpoint.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::webrtc {

class Transport;
struct MediaCounters;

class UdpDemux {
 public:
  explicit UdpDemux(MediaCounters& counters) : counters_(counters) {}

  void add(Transport& transport);
  // Forgets the transport and every address bound to it.
  void remove(Transport& transport);

  void dispatch(MutableBytes datagram, const net::Endpoint& from, TimePoint now);

  std::size_t bound_addresses() const { return by_address_.size(); }

 private:
  MediaCounters& counters_;
  std::unordered_map<std::string, Transport*> by_ufrag_;
  std::unordered_map<net::Endpoint, Transport*, net::EndpointHash> by_address_;
};

}  // namespace podium::webrtc
