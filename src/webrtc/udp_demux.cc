#include "webrtc/udp_demux.h"

#include <algorithm>

#include "ice/stun_message.h"
#include "webrtc/media_counters.h"
#include "webrtc/transport.h"

namespace podium::webrtc {

void UdpDemux::add(Transport& transport) { by_ufrag_[transport.local_ufrag()] = &transport; }

void UdpDemux::remove(Transport& transport) {
  by_ufrag_.erase(transport.local_ufrag());
  std::erase_if(by_address_, [&](const auto& entry) { return entry.second == &transport; });
}

void UdpDemux::dispatch(MutableBytes datagram, const net::Endpoint& from, TimePoint now) {
  counters_.datagrams_in.add();
  counters_.bytes_in.add(datagram.size());
  if (datagram.empty()) {
    counters_.drop(DropReason::kUnknownFirstByte);
    return;
  }
  std::uint8_t first = datagram[0];
  if (first <= 3) {
    // STUN. USERNAME is "<our ufrag>:<their ufrag>" on a check sent to us.
    auto username = ice::stun_username(datagram);
    if (!username) {
      counters_.drop(DropReason::kStunRejected);
      return;
    }
    auto colon = username->find(':');
    auto it = by_ufrag_.find(std::string(username->substr(0, colon)));
    if (it == by_ufrag_.end()) {
      counters_.drop(DropReason::kStunRejected);
      return;
    }
    Transport* transport = it->second;
    if (transport->receive_stun(datagram, from, now)) by_address_[from] = transport;
    return;
  }
  bool dtls = first >= 20 && first <= 63;
  bool rtp = first >= 128 && first <= 191;
  if (!dtls && !rtp) {
    counters_.drop(DropReason::kUnknownFirstByte);
    return;
  }
  auto it = by_address_.find(from);
  if (it == by_address_.end()) {
    counters_.drop(DropReason::kUnknownTuple);
    return;
  }
  if (dtls)
    it->second->receive_dtls(datagram, from, now);
  else
    it->second->receive_srtp(datagram, from, now);
}

}  // namespace podium::webrtc
