// Classifying a packet that arrived on an RTP port, before any parsing.
#pragma once

#include "util/bytes.h"

namespace podium::rtp {

// RFC 7983 §7: a first byte in 128..191 is RTP or RTCP (version 2).
bool looks_like_rtp(Bytes packet);

// RFC 5761 §4: with RTP and RTCP multiplexed on one port, the second byte of RTCP
// (the packet type, 200..207 in use) lands in 192..223, a range RTP payload types
// 64..95 would occupy with the marker bit set; those payload types are therefore
// never negotiated.
bool is_rtcp_packet(Bytes packet);

}  // namespace podium::rtp
