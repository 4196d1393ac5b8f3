// RtpPacket: a view over one received RTP packet (RFC 3550 §5.1), read and patched in
// place. It never owns or copies the buffer; clone the bytes if the packet must
// outlive the buffer (e.g. into a retransmission buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/header_extensions.h"
#include "util/bytes.h"

namespace podium::rtp {

inline constexpr std::size_t kRtpFixedHeaderSize = 12;
inline constexpr std::uint8_t kRtpVersion = 2;

class RtpPacket {
 public:
  // Validates the layout: version 2, CSRCs, extension block and padding all inside
  // the buffer, padding count neither 0 nor larger than what follows the header.
  static std::optional<RtpPacket> parse(MutableBytes packet);

  std::uint8_t version() const { return data_[0] >> 6; }
  bool has_padding() const { return (data_[0] & 0x20) != 0; }
  bool has_extension() const { return (data_[0] & 0x10) != 0; }
  std::uint8_t csrc_count() const { return data_[0] & 0x0F; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  std::uint8_t payload_type() const { return data_[1] & 0x7F; }
  std::uint16_t sequence_number() const { return load_u16(&data_[2]); }
  std::uint32_t timestamp() const { return load_u32(&data_[4]); }
  std::uint32_t ssrc() const { return load_u32(&data_[8]); }
  // i < csrc_count().
  std::uint32_t csrc(std::size_t i) const { return load_u32(&data_[kRtpFixedHeaderSize + 4 * i]); }

  // Fixed header, CSRCs and extension block.
  std::size_t header_size() const { return header_size_; }
  std::size_t padding_size() const { return padding_size_; }
  std::size_t payload_size() const { return data_.size() - header_size_ - padding_size_; }
  Bytes payload() const { return Bytes{data_}.subspan(header_size_, payload_size()); }
  MutableBytes mutable_payload() { return data_.subspan(header_size_, payload_size()); }
  Bytes data() const { return data_; }
  std::size_t size() const { return data_.size(); }

  // RFC 3550 §5.3.1 extension header; profile() is 0 and the block empty without one.
  std::uint16_t extension_profile() const { return extension_profile_; }
  ExtensionForm extension_form() const { return rtp::extension_form(extension_profile_); }
  // The extension elements, after the 4-byte extension header.
  Bytes extension_block() const { return Bytes{data_}.subspan(extension_offset_, extension_size_); }
  ExtensionReader extensions() const { return {extension_form(), extension_block()}; }
  // The first element with this id (RFC 8285); nullopt if absent, id 0, or the block
  // is not in an RFC 8285 form.
  std::optional<Bytes> extension(std::uint8_t id) const;

  // In-place rewrites for forwarding (RFC 3550 §5.1 field positions).
  void set_marker(bool marker);
  void set_payload_type(std::uint8_t payload_type);
  void set_sequence_number(std::uint16_t sequence_number) { store_u16(&data_[2], sequence_number); }
  void set_timestamp(std::uint32_t timestamp) { store_u32(&data_[4], timestamp); }
  void set_ssrc(std::uint32_t ssrc) { store_u32(&data_[8], ssrc); }

 private:
  explicit RtpPacket(MutableBytes data) : data_(data) {}

  MutableBytes data_;
  std::uint16_t header_size_ = 0;
  std::uint16_t extension_profile_ = 0;
  std::uint32_t extension_offset_ = 0;
  std::uint32_t extension_size_ = 0;
  std::uint8_t padding_size_ = 0;
};

}  // namespace podium::rtp
