#include "rtp/rtp_writer.h"

#include <cstring>

#include "rtp/rtp_packet.h"

namespace podium::rtp {
namespace {

constexpr std::size_t kMaxCsrcs = 15;

bool fits_one_byte_form(std::span<const ExtensionElement> extensions) {
  for (const auto& e : extensions) {
    if (e.id < 1 || e.id > 14 || e.data.empty() || e.data.size() > 16) return false;
  }
  return true;
}

// Size of the element area (before padding to 32 bits), or 0 if invalid.
std::size_t element_bytes(std::span<const ExtensionElement> extensions, bool one_byte) {
  std::size_t total = 0;
  for (const auto& e : extensions) {
    if (e.id == 0 || e.data.size() > 255) return 0;
    total += (one_byte ? 1 : 2) + e.data.size();
  }
  return total;
}

std::size_t padded_block_size(std::size_t elements) { return (elements + 3) & ~std::size_t{3}; }

}  // namespace

std::size_t rtp_header_size(const RtpHeaderFields& fields,
                            std::span<const ExtensionElement> extensions) {
  if (fields.csrcs.size() > kMaxCsrcs) return 0;
  std::size_t size = kRtpFixedHeaderSize + 4 * fields.csrcs.size();
  if (extensions.empty()) return size;
  std::size_t elements = element_bytes(extensions, fits_one_byte_form(extensions));
  if (elements == 0) return 0;
  std::size_t block = padded_block_size(elements);
  if (block / 4 > 0xFFFF) return 0;
  return size + 4 + block;
}

std::size_t write_rtp_header(std::uint8_t* out, std::size_t capacity, const RtpHeaderFields& fields,
                             std::span<const ExtensionElement> extensions) {
  std::size_t size = rtp_header_size(fields, extensions);
  if (size == 0 || size > capacity) return 0;

  out[0] = static_cast<std::uint8_t>((kRtpVersion << 6) | (extensions.empty() ? 0 : 0x10) |
                                     fields.csrcs.size());
  out[1] = static_cast<std::uint8_t>((fields.marker ? 0x80 : 0) | (fields.payload_type & 0x7F));
  store_u16(out + 2, fields.sequence_number);
  store_u32(out + 4, fields.timestamp);
  store_u32(out + 8, fields.ssrc);
  std::size_t offset = kRtpFixedHeaderSize;
  for (std::uint32_t csrc : fields.csrcs) {
    store_u32(out + offset, csrc);
    offset += 4;
  }
  if (extensions.empty()) return offset;

  bool one_byte = fits_one_byte_form(extensions);
  std::size_t block = size - offset - 4;
  store_u16(out + offset, one_byte ? kOneByteExtensionProfile : kTwoByteExtensionProfile);
  store_u16(out + offset + 2, static_cast<std::uint16_t>(block / 4));
  offset += 4;
  std::size_t end = offset + block;
  for (const auto& e : extensions) {
    if (one_byte) {
      // RFC 8285 §4.2: 4-bit id, 4-bit length minus one.
      out[offset++] = static_cast<std::uint8_t>((e.id << 4) | (e.data.size() - 1));
    } else {
      out[offset++] = e.id;
      out[offset++] = static_cast<std::uint8_t>(e.data.size());
    }
    if (!e.data.empty()) std::memcpy(out + offset, e.data.data(), e.data.size());
    offset += e.data.size();
  }
  std::memset(out + offset, 0, end - offset);
  return end;
}

std::size_t write_rtp_packet(std::uint8_t* out, std::size_t capacity, const RtpHeaderFields& fields,
                             std::span<const ExtensionElement> extensions, Bytes payload,
                             std::uint8_t padding_size) {
  std::size_t header = write_rtp_header(out, capacity, fields, extensions);
  if (header == 0) return 0;
  std::size_t total = header + payload.size() + padding_size;
  if (total > capacity) return 0;
  if (!payload.empty()) std::memcpy(out + header, payload.data(), payload.size());
  if (padding_size > 0) write_rtp_padding(out, total, padding_size);
  return total;
}

void write_rtp_padding(std::uint8_t* packet, std::size_t end, std::uint8_t padding_size) {
  packet[0] |= 0x20;
  std::memset(packet + end - padding_size, 0, padding_size - 1u);
  packet[end - 1] = padding_size;
}

}  // namespace podium::rtp
