#include "webrtc/udp_demux.h"

#include <algorithm>

#include "ice/stun_message.h"
#include "webrtc/media_counters.h"
#include "webrtc/transport.h"

namespace podium::webrtc {
namespace {

enum class Kind { kStun, kDtls, kSrtp, kUnknown };

// RFC 7983 §7: the first byte tells STUN, DTLS and RTP/RTCP apart.
Kind classify(Bytes packet) {
  if (packet.empty()) return Kind::kUnknown;
  std::uint8_t first = packet[0];
  if (first <= 3) return Kind::kStun;
  if (first >= 20 && first <= 63) return Kind::kDtls;
  if (first >= 128 && first <= 191) return Kind::kSrtp;
  return Kind::kUnknown;
}

}  // namespace

void UdpDemux::add(Transport& transport) { by_ufrag_[transport.local_ufrag()] = &transport; }

void UdpDemux::remove(Transport& transport) {
  by_ufrag_.erase(transport.local_ufrag());
  std::erase_if(by_address_, [&](const auto& entry) { return entry.second == &transport; });
  std::erase_if(by_connection_, [&](const auto& entry) { return entry.second == &transport; });
  addresses_of_.erase(&transport);
}

void UdpDemux::rekey(Transport& transport, const std::string& old_ufrag) {
  if (auto it = by_ufrag_.find(old_ufrag); it != by_ufrag_.end() && it->second == &transport)
    by_ufrag_.erase(it);
  by_ufrag_[transport.local_ufrag()] = &transport;
}

Transport* UdpDemux::transport_for_check(Bytes packet) {
  // USERNAME is "<our ufrag>:<their ufrag>" on a check sent to us.
  auto username = ice::stun_username(packet);
  if (!username) return nullptr;
  auto colon = username->find(':');
  auto it = by_ufrag_.find(std::string(username->substr(0, colon)));
  return it == by_ufrag_.end() ? nullptr : it->second;
}

void UdpDemux::bind_address(const net::Endpoint& from, Transport& transport) {
  auto [it, inserted] = by_address_.try_emplace(from, &transport);
  if (!inserted && it->second == &transport) return;
  if (!inserted) {
    // The address moved to another transport (a new session from the same client port).
    auto& old = addresses_of_[it->second];
    std::erase(old, from);
    it->second = &transport;
  }
  auto& list = addresses_of_[&transport];
  list.push_back(from);
  if (list.size() > kMaxAddressesPerTransport) {
    by_address_.erase(list.front());
    list.erase(list.begin());
  }
}

void UdpDemux::dispatch(MutableBytes datagram, const net::Endpoint& from, TimePoint now) {
  counters_.datagrams_in.add();
  counters_.bytes_in.add(datagram.size());
  Kind kind = classify(datagram);
  if (kind == Kind::kUnknown) {
    counters_.drop(DropReason::kUnknownFirstByte);
    return;
  }
  if (kind == Kind::kStun) {
    Transport* transport = transport_for_check(datagram);
    if (!transport) {
      counters_.drop(DropReason::kStunRejected);
      return;
    }
    if (transport->receive_stun(datagram, from, now)) bind_address(from, *transport);
    return;
  }
  auto it = by_address_.find(from);
  if (it == by_address_.end()) {
    counters_.drop(DropReason::kUnknownTuple);
    return;
  }
  if (kind == Kind::kDtls)
    it->second->receive_dtls(datagram, from, now);
  else
    it->second->receive_srtp(datagram, from, now);
}

bool UdpDemux::dispatch_tcp(MutableBytes packet, net::TcpConnection& connection, TimePoint now) {
  counters_.datagrams_in.add();
  counters_.bytes_in.add(packet.size());
  Kind kind = classify(packet);
  auto bound = by_connection_.find(&connection);
  Path path = Path::over_tcp(connection);
  if (kind == Kind::kStun) {
    Transport* transport = transport_for_check(packet);
    if (!transport) {
      counters_.drop(DropReason::kStunRejected);
      return bound != by_connection_.end();
    }
    // One TCP connection is one candidate pair of one transport (RFC 6544 §3).
    if (bound != by_connection_.end() && bound->second != transport) {
      counters_.drop(DropReason::kStunRejected);
      return false;
    }
    bool valid = transport->receive_stun(packet, path, now);
    if (valid) by_connection_[&connection] = transport;
    return valid || bound != by_connection_.end();
  }
  if (bound == by_connection_.end()) {
    counters_.drop(kind == Kind::kUnknown ? DropReason::kUnknownFirstByte : DropReason::kUnknownTuple);
    return false;
  }
  switch (kind) {
    case Kind::kDtls:
      bound->second->receive_dtls(packet, path, now);
      return true;
    case Kind::kSrtp:
      bound->second->receive_srtp(packet, path, now);
      return true;
    default:
      counters_.drop(DropReason::kUnknownFirstByte);
      return false;
  }
}

void UdpDemux::connection_closed(net::TcpConnection& connection) {
  auto it = by_connection_.find(&connection);
  if (it == by_connection_.end()) return;
  it->second->connection_closed(connection);
  by_connection_.erase(it);
}

}  // namespace podium::webrtc
