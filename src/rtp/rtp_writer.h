// Writing RTP headers into a caller's buffer: the SFU rewrites each forwarded packet's
// header for every subscriber, with that subscriber's SSRC, sequence numbers and
// negotiated extension ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/header_extensions.h"
#include "util/bytes.h"

namespace podium::rtp {

struct RtpHeaderFields {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::span<const std::uint32_t> csrcs{};  // at most 15
};

// Bytes write_rtp_header would write, or 0 if the header cannot be written (more
// than 15 CSRCs, an extension with id 0 or longer than 255 bytes, a block over the
// 16-bit length field).
//
// RFC 8285 §4.2: the one-byte form is chosen when every id is 1..14 and every
// element 1..16 bytes long; otherwise the two-byte form (§4.3), which allows ids up
// to 255 and 0..255 bytes. The block is zero-padded to 32 bits.
std::size_t rtp_header_size(const RtpHeaderFields& fields,
                            std::span<const ExtensionElement> extensions);

// Writes version 2, no padding bit, the fields and the extensions (X set only when
// there are extensions). Returns bytes written, 0 if it does not fit or is invalid.
std::size_t write_rtp_header(std::uint8_t* out, std::size_t capacity, const RtpHeaderFields& fields,
                             std::span<const ExtensionElement> extensions);

// RFC 3550 §5.1 padding for the packet in packet[0, end): sets the P bit, writes
// padding_size - 1 zeros and the count last, from `end - padding_size` on. `end`
// includes the padding; padding_size > 0.
void write_rtp_padding(std::uint8_t* packet, std::size_t end, std::uint8_t padding_size);

// Header, payload and optional padding (RFC 3550 §5.1: P bit, zeros, count last).
// `payload` must not overlap `out`. Returns bytes written or 0.
std::size_t write_rtp_packet(std::uint8_t* out, std::size_t capacity, const RtpHeaderFields& fields,
                             std::span<const ExtensionElement> extensions, Bytes payload,
                             std::uint8_t padding_size = 0);

}  // namespace podium::rtp
