#include "rtp/header_extensions.h"

#include <algorithm>

namespace podium::rtp {

ExtensionForm extension_form(std::uint16_t profile) {
  if (profile == kOneByteExtensionProfile) return ExtensionForm::kOneByte;
  if ((profile & kTwoByteExtensionProfileMask) == kTwoByteExtensionProfile) {
    return ExtensionForm::kTwoByte;
  }
  return ExtensionForm::kGeneric;
}

std::optional<ExtensionElement> ExtensionReader::next() {
  while (offset_ < block_.size()) {
    std::uint8_t first = block_[offset_];
    if (form_ == ExtensionForm::kOneByte) {
      std::uint8_t id = first >> 4;
      // RFC 8285 §4.2: a zero byte is padding, and may appear between elements.
      if (id == 0) {
        ++offset_;
        continue;
      }
      // RFC 8285 §4.2: ID 15 is reserved; processing of the block stops there.
      if (id == 15) break;
      std::size_t length = (first & 0x0F) + 1u;
      if (offset_ + 1 + length > block_.size()) break;
      ExtensionElement element{id, block_.subspan(offset_ + 1, length)};
      offset_ += 1 + length;
      return element;
    }
    if (form_ == ExtensionForm::kTwoByte) {
      // RFC 8285 §4.3: ID 0 is a single padding byte.
      if (first == 0) {
        ++offset_;
        continue;
      }
      if (offset_ + 2 > block_.size()) break;
      std::size_t length = block_[offset_ + 1];
      if (offset_ + 2 + length > block_.size()) break;
      ExtensionElement element{first, block_.subspan(offset_ + 2, length)};
      offset_ += 2 + length;
      return element;
    }
    break;
  }
  offset_ = block_.size();
  return std::nullopt;
}

namespace {

constexpr std::array<std::string_view, kExtensionKindCount> kUris = {
    std::string_view{}, uri::kMid,         uri::kRtpStreamId,     uri::kRepairedRtpStreamId,
    uri::kAudioLevel,   uri::kAbsSendTime, uri::kTransportWideCc, uri::kVideoOrientation,
    uri::kPlayoutDelay,
};

}  // namespace

ExtensionKind extension_kind(std::string_view uri) {
  for (std::size_t i = 1; i < kUris.size(); ++i) {
    if (kUris[i] == uri) return static_cast<ExtensionKind>(i);
  }
  return ExtensionKind::kUnknown;
}

std::string_view extension_uri(ExtensionKind kind) {
  auto index = static_cast<std::size_t>(kind);
  return index < kUris.size() ? kUris[index] : std::string_view{};
}

bool ExtensionMap::set(std::uint8_t id, ExtensionKind kind) {
  if (id == 0 || kind == ExtensionKind::kUnknown) return false;
  auto index = static_cast<std::size_t>(kind);
  if (index >= kExtensionKindCount) return false;
  erase(id);
  auto& ids = ids_.ids_;
  if (ids[index] != 0) kinds_[ids[index]] = ExtensionKind::kUnknown;
  kinds_[id] = kind;
  ids[index] = id;
  return true;
}

void ExtensionMap::erase(std::uint8_t id) {
  ExtensionKind old = kinds_[id];
  if (old == ExtensionKind::kUnknown) return;
  ids_.ids_[static_cast<std::size_t>(old)] = 0;
  kinds_[id] = ExtensionKind::kUnknown;
}

void ExtensionMap::clear() {
  kinds_.fill(ExtensionKind::kUnknown);
  ids_ = ExtensionIds{};
}

std::optional<AudioLevel> parse_audio_level(Bytes data) {
  // The value is the first byte; senders may pad the element, so do not insist on
  // a length of exactly one.
  if (data.empty()) return std::nullopt;
  return AudioLevel{(data[0] & 0x80) != 0, static_cast<std::uint8_t>(data[0] & 0x7F)};
}

std::optional<std::uint32_t> parse_abs_send_time(Bytes data) {
  if (data.size() != 3) return std::nullopt;
  return load_u24(data.data());
}

std::array<std::uint8_t, 3> abs_send_time(TimePoint now) {
  auto micros = static_cast<std::uint64_t>(now.time_since_epoch().count());
  std::array<std::uint8_t, 3> out;
  store_u24(out.data(), static_cast<std::uint32_t>(((micros << 18) / 1'000'000) & 0xFFFFFF));
  return out;
}

std::optional<std::uint16_t> parse_transport_sequence_number(Bytes data) {
  if (data.size() != 2) return std::nullopt;
  return load_u16(data.data());
}

std::optional<PlayoutDelay> parse_playout_delay(Bytes data) {
  if (data.size() != 3) return std::nullopt;
  std::uint32_t value = load_u24(data.data());
  return PlayoutDelay{static_cast<std::uint16_t>(value >> 12), static_cast<std::uint16_t>(value & 0x0FFF)};
}

void write_playout_delay(PlayoutDelay delay, std::uint8_t out[3]) {
  std::uint32_t min = std::min(delay.min_10ms, PlayoutDelay::kMaxValue);
  std::uint32_t max = std::min(delay.max_10ms, PlayoutDelay::kMaxValue);
  std::uint32_t value = min << 12 | max;
  out[0] = static_cast<std::uint8_t>(value >> 16);
  out[1] = static_cast<std::uint8_t>(value >> 8);
  out[2] = static_cast<std::uint8_t>(value);
}

std::optional<std::string_view> parse_sdes_text(Bytes data) {
  if (data.empty()) return std::nullopt;
  return as_string_view(data);
}

}  // namespace podium::rtp
