#include "rtp/demux.h"

namespace podium::rtp {

bool looks_like_rtp(Bytes packet) {
  return !packet.empty() && packet[0] >= 128 && packet[0] <= 191;
}

bool is_rtcp_packet(Bytes packet) {
  // The smallest RTCP packet is a 4-byte header (an empty RR is 8).
  return packet.size() >= 4 && looks_like_rtp(packet) && packet[1] >= 192 && packet[1] <= 223;
}

}  // namespace podium::rtp
