// RTP header extensions (RFC 8285): the element format inside the extension block,
// the extensions a WebRTC SFU uses, and the negotiated id <-> extension mapping.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "util/bytes.h"
#include "util/clock.h"

namespace podium::rtp {

// RFC 8285 §4.2 and §4.3: the "defined by profile" field of the RFC 3550 §5.3.1
// extension header selects the element format.
inline constexpr std::uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr std::uint16_t kTwoByteExtensionProfile = 0x1000;  // low 4 bits: appbits
inline constexpr std::uint16_t kTwoByteExtensionProfileMask = 0xFFF0;

enum class ExtensionForm : std::uint8_t {
  kOneByte,
  kTwoByte,
  kGeneric,  // an RFC 3550 profile-specific block without RFC 8285 elements
};

ExtensionForm extension_form(std::uint16_t profile);

struct ExtensionElement {
  std::uint8_t id = 0;
  Bytes data;
};

// Walks the elements of an extension block (the bytes after the 4-byte extension
// header). Stops at the end, at a malformed element, and, in the one-byte form, at
// ID 15 (RFC 8285 §4.2). A generic block yields nothing.
class ExtensionReader {
 public:
  ExtensionReader(ExtensionForm form, Bytes block) : form_(form), block_(block) {}
  std::optional<ExtensionElement> next();

 private:
  ExtensionForm form_;
  Bytes block_;
  std::size_t offset_ = 0;
};

namespace uri {
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
}  // namespace uri

enum class ExtensionKind : std::uint8_t {
  kUnknown = 0,
  kMid,
  kRtpStreamId,
  kRepairedRtpStreamId,
  kAudioLevel,
  kAbsSendTime,
  kTransportWideCc,
  kVideoOrientation,
  kPlayoutDelay,
};
inline constexpr std::size_t kExtensionKindCount = 9;

ExtensionKind extension_kind(std::string_view uri);
// The URI of a known kind; empty for kUnknown.
std::string_view extension_uri(ExtensionKind kind);

// The sending half of an ExtensionMap: each kind's id, 9 bytes. What a forwarding path
// keeps per outgoing stream (the map's id-to-kind half is 256 bytes it never reads).
class ExtensionIds {
 public:
  // 0 when the kind is not negotiated (0 is never a valid id).
  std::uint8_t id(ExtensionKind kind) const { return ids_[static_cast<std::size_t>(kind)]; }

 private:
  friend class ExtensionMap;
  std::array<std::uint8_t, kExtensionKindCount> ids_{};
};

// The extensions negotiated for one transceiver (a=extmap, RFC 8285 §5). Fixed
// size, no allocation: looked up for every packet.
class ExtensionMap {
 public:
  // Maps id (1..255) to kind, replacing whatever either was mapped to before.
  // Returns false for id 0 or kind kUnknown.
  bool set(std::uint8_t id, ExtensionKind kind);
  // Convenience for an a=extmap line; unknown URIs are ignored (returns false).
  bool set(std::uint8_t id, std::string_view uri) { return set(id, extension_kind(uri)); }
  void erase(std::uint8_t id);
  void clear();

  ExtensionKind kind(std::uint8_t id) const { return kinds_[id]; }
  // 0 when the kind is not negotiated (0 is never a valid id).
  std::uint8_t id(ExtensionKind kind) const { return ids_.id(kind); }
  const ExtensionIds& ids() const { return ids_; }

 private:
  std::array<ExtensionKind, 256> kinds_{};
  ExtensionIds ids_;
};

// Values of the extensions the SFU reads. Each returns nullopt on a wrong length.

struct AudioLevel {
  bool voice_activity = false;
  std::uint8_t level = 127;  // -dBov, 0 loudest .. 127 silence
};
// RFC 6464 §3: V bit, then the level in -dBov.
std::optional<AudioLevel> parse_audio_level(Bytes data);
// abs-send-time: 6.18 fixed-point seconds, 24 bits.
std::optional<std::uint32_t> parse_abs_send_time(Bytes data);
// The abs-send-time value of `now` (any clock: receivers use only its differences).
std::array<std::uint8_t, 3> abs_send_time(TimePoint now);
// transport-wide-cc draft §2: 16-bit transport-wide sequence number.
std::optional<std::uint16_t> parse_transport_sequence_number(Bytes data);
// playout-delay (webrtc.org experiments): the range within which the receiver
// should render, from capture, as two 12-bit counts of 10 ms: MIN then MAX, 3 bytes.
// Min = max = 0 asks for rendering as soon as possible; a receiver keeps the last
// range it was sent, so a sender only needs to send it around a change.
struct PlayoutDelay {
  std::uint16_t min_10ms = 0;
  std::uint16_t max_10ms = 0;
  static constexpr std::uint16_t kMaxValue = 0x0FFF;  // 40.95 s
  friend bool operator==(const PlayoutDelay&, const PlayoutDelay&) = default;
};
std::optional<PlayoutDelay> parse_playout_delay(Bytes data);
// Writes the 3 bytes; values above kMaxValue are clamped.
void write_playout_delay(PlayoutDelay delay, std::uint8_t out[3]);
// MID (RFC 8843 §15) and RtpStreamId / RepairedRtpStreamId (RFC 8852) carry SDES
// item text, at least one byte (the one-byte form limits them to 16).
std::optional<std::string_view> parse_sdes_text(Bytes data);

}  // namespace podium::rtp
