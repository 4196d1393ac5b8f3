// What a negotiated m-section says about the RTP of one track.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "rtp/codec.h"

namespace podium::sfu {

enum class MediaKind { kAudio, kVideo };

inline const char* kind_name(MediaKind kind) { return kind == MediaKind::kAudio ? "audio" : "video"; }

struct RtpCodecParameters {
  int payload_type = -1;
  std::string name;  // as in the SDP, e.g. "VP8", "opus"
  rtp::Codec codec = rtp::Codec::kUnknown;
  int clock_rate = 90000;
  int channels = 1;
  std::string fmtp;
};

}  // namespace podium::sfu
