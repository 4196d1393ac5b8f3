// The codecs the SFU forwards, and what it needs to know about their payloads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "util/bytes.h"

namespace podium::rtp {

enum class Codec : std::uint8_t { kOpus, kVp8, kVp9, kH264, kAv1, kUnknown };

// From an SDP encoding name (a=rtpmap), case-insensitive: "opus", "VP8", "VP9",
// "H264", "AV1" (and the older "AV1X").
Codec codec_from_name(std::string_view name);
std::string_view codec_name(Codec codec);

// Whether this RTP payload starts a frame a decoder can begin from, so a subscriber
// can be switched to the stream here. Audio has no keyframes: false for Opus.
bool is_keyframe(Codec codec, Bytes payload);

// The picture height a keyframe's first packet announces, when the codec's payload
// carries it there: VP8 (RFC 6386 §9.1: after the 3-byte frame tag and the start code
// 9d 01 2a, 14-bit width then 14-bit height, little-endian, 2 scaling bits each).
// nullopt for other codecs, other packets and truncated payloads.
std::optional<int> keyframe_height(Codec codec, Bytes payload);

// RFC 6184 §5.2-5.8: an IDR slice (5) or SPS (7), alone, inside a STAP-A (24), or at
// the start of an FU-A (28).
bool is_h264_keyframe(Bytes payload);

}  // namespace podium::rtp
