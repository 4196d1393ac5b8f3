#include "rtp/codec.h"

#include <cctype>

#include "rtp/payload_descriptors.h"

namespace podium::rtp {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

constexpr std::uint8_t kNalIdr = 5;
constexpr std::uint8_t kNalSps = 7;
constexpr std::uint8_t kNalStapA = 24;
constexpr std::uint8_t kNalFuA = 28;

bool is_h264_key_nal(std::uint8_t type) { return type == kNalIdr || type == kNalSps; }

// RFC 7741 §4.3: in the first partition's first packet (S=1, PID=0) the VP8 payload
// header's P bit (lowest bit of the first byte) is 0 for a key frame.
bool is_vp8_keyframe(Bytes payload) {
  auto d = parse_vp8_descriptor(payload);
  if (!d || !d->start_of_partition || d->partition_id != 0) return false;
  if (d->size >= payload.size()) return false;
  return (payload[d->size] & 0x01) == 0;
}

// RFC 9628 §4.2: a picture that is not inter-predicted (P=0), at its first packet
// (B=1), on the base spatial layer: upper layers of a key picture depend on it.
bool is_vp9_keyframe(Bytes payload) {
  auto d = parse_vp9_descriptor(payload);
  if (!d) return false;
  return !d->inter_picture_predicted && d->start_of_frame && d->spatial_id == 0;
}

// AV1 RTP payload format §4.4: the aggregation header's N bit marks the first packet
// of a coded video sequence; Z=1 would mean it continues an OBU instead. A sender that
// does not set N still starts a key frame with a sequence header OBU (AV1 §7.5), so a
// first OBU element of type OBU_SEQUENCE_HEADER (1) counts too.
bool is_av1_keyframe(Bytes payload) {
  if (payload.empty()) return false;
  const std::uint8_t header = payload[0];
  if (header & 0x80) return false;  // Z
  if (header & 0x08) return true;   // N
  // §4.4: with W=1 the single element has no length field; otherwise the first element
  // starts with its LEB128 length.
  std::size_t offset = 1;
  if (((header >> 4) & 0x03) != 1) {
    std::uint64_t length = 0;
    for (int i = 0;; ++i) {
      if (offset >= payload.size() || i == 8) return false;
      std::uint8_t byte = payload[offset++];
      length |= static_cast<std::uint64_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) break;
    }
    if (length == 0 || length > payload.size() - offset) return false;
  }
  if (offset >= payload.size()) return false;
  const std::uint8_t obu_header = payload[offset];
  return (obu_header & 0x80) == 0 && ((obu_header >> 3) & 0x0F) == 1;
}

}  // namespace

Codec codec_from_name(std::string_view name) {
  if (equals_ignoring_case(name, "opus")) return Codec::kOpus;
  if (equals_ignoring_case(name, "VP8")) return Codec::kVp8;
  if (equals_ignoring_case(name, "VP9")) return Codec::kVp9;
  if (equals_ignoring_case(name, "H264")) return Codec::kH264;
  if (equals_ignoring_case(name, "AV1") || equals_ignoring_case(name, "AV1X")) return Codec::kAv1;
  return Codec::kUnknown;
}

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::kOpus:
      return "opus";
    case Codec::kVp8:
      return "VP8";
    case Codec::kVp9:
      return "VP9";
    case Codec::kH264:
      return "H264";
    case Codec::kAv1:
      return "AV1";
    case Codec::kUnknown:
      break;
  }
  return "unknown";
}

bool is_h264_keyframe(Bytes payload) {
  if (payload.empty()) return false;
  std::uint8_t type = payload[0] & 0x1F;
  if (type >= 1 && type <= 23) return is_h264_key_nal(type);
  if (type == kNalStapA) {
    // RFC 6184 §5.7.1: after the STAP-A NAL header, 16-bit size + NAL unit, repeated.
    std::size_t offset = 1;
    while (offset + 2 <= payload.size()) {
      std::size_t size = load_u16(&payload[offset]);
      offset += 2;
      if (size == 0 || offset + size > payload.size()) return false;
      if (is_h264_key_nal(payload[offset] & 0x1F)) return true;
      offset += size;
    }
    return false;
  }
  if (type == kNalFuA) {
    // RFC 6184 §5.8: FU header S bit, then the fragmented NAL's type.
    if (payload.size() < 2) return false;
    return (payload[1] & 0x80) != 0 && is_h264_key_nal(payload[1] & 0x1F);
  }
  return false;
}

std::optional<int> keyframe_height(Codec codec, Bytes payload) {
  if (codec != Codec::kVp8) return std::nullopt;
  auto d = parse_vp8_descriptor(payload);
  if (!d || !d->start_of_partition || d->partition_id != 0) return std::nullopt;
  if (payload.size() < d->size + 10) return std::nullopt;
  const std::uint8_t* frame = payload.data() + d->size;
  if ((frame[0] & 0x01) != 0) return std::nullopt;  // an interframe
  if (frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a) return std::nullopt;
  int height = (frame[8] | frame[9] << 8) & 0x3FFF;
  return height > 0 ? std::optional<int>(height) : std::nullopt;
}

bool is_keyframe(Codec codec, Bytes payload) {
  switch (codec) {
    case Codec::kVp8:
      return is_vp8_keyframe(payload);
    case Codec::kVp9:
      return is_vp9_keyframe(payload);
    case Codec::kH264:
      return is_h264_keyframe(payload);
    case Codec::kAv1:
      return is_av1_keyframe(payload);
    case Codec::kOpus:
    case Codec::kUnknown:
      break;
  }
  return false;
}

}  // namespace podium::rtp
