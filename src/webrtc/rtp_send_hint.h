// What a sender of one SSRC keeps so its packets skip the SRTP session's lookup by SSRC
// (Transport::commit_rtp). Kept apart from transport.h so a consumer can hold one
// without including the transport.
#pragma once

#include "srtp/stream_hint.h"

namespace podium::webrtc {

using RtpSendHint = srtp::StreamHint;

}  // namespace podium::webrtc
