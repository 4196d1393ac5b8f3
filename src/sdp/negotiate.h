// Offer/answer for Podium, which is always the answerer (RFC 8829 §5.3): ICE-lite,
// DTLS passive, one transport for every section. The SFU says per offered m-section
// what it wants (`SectionPlan`); build_answer turns that into an answer or a short
// reason fit for an HTTP 400 body.
//
// What was negotiated is read from the answer itself: an accepted section
// (`!is_rejected()`) lists its codecs (payload type, name, clock rate, fmtp) in
// `codecs` and its header extension ids in `extmaps` (the offer's ids, RFC 8285 §6).
// Video sections also keep the offered rtx (RFC 4588) of each chosen codec, after all
// the codecs, so `codecs.front()` is the primary codec.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session_description.h"
#include "util/result.h"

namespace podium::sdp {

// Header extension URIs Podium keeps in answers.
namespace extension_uri {
inline constexpr std::string_view kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kRepairedRtpStreamId =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kTransportWideCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kVideoOrientation = "urn:3gpp:video-orientation";
inline constexpr std::string_view kPlayoutDelay =
    "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
}  // namespace extension_uri

struct SupportedCodec {
  std::string_view kind;  // "audio" or "video"
  std::string_view name;
  std::uint32_t clock_rate;
  std::uint16_t channels;  // 0: not checked
};

// opus/48000/2; VP8, VP9, H264 (packetization-mode=1), AV1, all /90000.
std::span<const SupportedCodec> supported_codecs();
// "nack", "nack pli", "ccm fir", "goog-remb", "transport-cc".
std::span<const std::string_view> supported_rtcp_feedback();
std::span<const std::string_view> supported_extensions();

// The value of `key` in an fmtp string "a=1;b=2" (keys compared case-insensitively).
std::optional<std::string> fmtp_parameter(std::string_view fmtp, std::string_view key);

// RFC 4588 §8.6: "rtx" repairs the payload type named by its apt= parameter.
bool is_rtx(const Codec& codec);
// The RTX payload type of `section` whose apt= is `payload_type`.
std::optional<std::uint8_t> rtx_payload_type_for(const MediaDescription& section,
                                                 std::uint8_t payload_type);

// Why an offered format `receiver` cannot receive a stream sent as `sent` (same name and
// clock rate assumed checked); nullopt if it can. RFC 6184 §8.1/§8.2.2 for H.264: same
// packetization-mode and profile (profile_idc with the constraint flags that define it,
// e.g. Constrained Baseline 42e0 = 4240 = 4de0; a Baseline receiver also takes
// Constrained Baseline), and the sent level no higher than the
// receiver's; RFC 9628 §6 for VP9: same profile-id (default 0); AV1 RTP §7.2: same
// profile (default 0).
std::optional<std::string> receive_mismatch(const Codec& receiver, const Codec& sent);

struct LocalSender {
  std::uint32_t ssrc = 0;
  std::string cname;
  std::string stream_id;  // RFC 8830: "-" or empty for no stream
  std::string track_id;
  // Announced in an FID group (RFC 4588 §8.7) when the section negotiated rtx; 0: none.
  std::uint32_t rtx_ssrc = 0;
};

struct SectionPlan {
  enum class Mode { kReceive, kSend, kInactive, kReject };
  Mode mode = Mode::kReject;
  std::optional<LocalSender> sender;  // required for kSend
  // Allowed codecs by name (case-insensitive, e.g. {"VP8"}), in preference order;
  // empty: everything in supported_codecs(). When names are given, a receiving section
  // keeps only the first offered format of each name (one H.264 profile, one VP9
  // profile-id): the publisher sends in exactly what was answered.
  std::vector<std::string> codec_names;
  // kSend: the codec of the stream Podium forwards, as its publisher negotiated it.
  // Only offered formats that can receive that stream are answered (see
  // receive_mismatch); their fmtp is the subscriber's, with Opus stereo added when the
  // stream is stereo.
  std::optional<Codec> forwarded_codec;
};

struct AnswerOptions {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_sha256;       // "AB:CD:..."
  std::vector<std::string> candidates;  // full "candidate:..." attribute values
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
};

// One plan per offered m-section, in offer order. The answer has the same sections in
// the same order (RFC 8829 §5.3.1); a section Podium cannot or will not use is
// rejected (port 0). Fails on an offer Podium cannot answer at all (no media, missing
// ICE credentials or fingerprint, setup:passive, no rtcp-mux, no common codec anywhere).
Result<SessionDescription> build_answer(const SessionDescription& offer,
                                        std::span<const SectionPlan> plans,
                                        const AnswerOptions& options);

}  // namespace podium::sdp
