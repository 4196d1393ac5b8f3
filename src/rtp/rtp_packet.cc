#include "rtp/rtp_packet.h"

namespace podium::rtp {

std::optional<RtpPacket> RtpPacket::parse(MutableBytes packet) {
  if (packet.size() < kRtpFixedHeaderSize) return std::nullopt;
  if ((packet[0] >> 6) != kRtpVersion) return std::nullopt;
  RtpPacket rtp(packet);

  // RFC 3550 §5.1: CSRC list follows the fixed header.
  std::size_t offset = kRtpFixedHeaderSize + 4u * rtp.csrc_count();
  if (offset > packet.size()) return std::nullopt;

  // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
  if (rtp.has_extension()) {
    if (offset + 4 > packet.size()) return std::nullopt;
    std::uint16_t profile = load_u16(&packet[offset]);
    std::size_t block_size = std::size_t{load_u16(&packet[offset + 2])} * 4;
    offset += 4;
    if (offset + block_size > packet.size()) return std::nullopt;
    rtp.extension_profile_ = profile;
    rtp.extension_offset_ = static_cast<std::uint32_t>(offset);
    rtp.extension_size_ = static_cast<std::uint32_t>(block_size);
    offset += block_size;
  }
  // A header can reach 12 + 60 + 4 + 262140 bytes; a packet in a UDP datagram can't.
  if (offset > 0xFFFF) return std::nullopt;
  rtp.header_size_ = static_cast<std::uint16_t>(offset);

  // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
  if (rtp.has_padding()) {
    if (offset == packet.size()) return std::nullopt;
    std::uint8_t count = packet.back();
    if (count == 0 || count > packet.size() - offset) return std::nullopt;
    rtp.padding_size_ = count;
  }
  return rtp;
}

std::optional<Bytes> RtpPacket::extension(std::uint8_t id) const {
  if (id == 0) return std::nullopt;
  ExtensionReader reader = extensions();
  while (auto element = reader.next()) {
    if (element->id == id) return element->data;
  }
  return std::nullopt;
}

void RtpPacket::set_marker(bool marker) {
  data_[1] = static_cast<std::uint8_t>((data_[1] & 0x7F) | (marker ? 0x80 : 0));
}

void RtpPacket::set_payload_type(std::uint8_t payload_type) {
  data_[1] = static_cast<std::uint8_t>((data_[1] & 0x80) | (payload_type & 0x7F));
}

}  // namespace podium::rtp
