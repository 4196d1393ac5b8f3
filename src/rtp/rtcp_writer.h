// RTCP writers. Each fills a caller's buffer with one packet and returns its size, or
// 0 if it does not fit or the input cannot be encoded. Packets written one after
// another form a compound (RFC 3550 §6.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtp/rtcp_packet.h"

namespace podium::rtp {

// RFC 3550 §6.4.1; at most 31 report blocks.
std::size_t write_sender_report(std::uint8_t* out, std::size_t capacity, std::uint32_t ssrc,
                                std::uint64_t ntp_timestamp, std::uint32_t rtp_timestamp,
                                std::uint32_t packet_count, std::uint32_t octet_count,
                                std::span<const ReportBlock> blocks);

// RFC 3550 §6.4.2; at most 31 report blocks (none is valid: an empty RR).
std::size_t write_receiver_report(std::uint8_t* out, std::size_t capacity, std::uint32_t ssrc,
                                  std::span<const ReportBlock> blocks);

// RFC 3550 §6.5.1: one chunk with a CNAME item; cname 1..255 bytes.
std::size_t write_sdes_cname(std::uint8_t* out, std::size_t capacity, std::uint32_t ssrc,
                             std::string_view cname);

// RFC 3550 §6.5: one chunk per SSRC (1..31), each with the same CNAME item: the SDES
// packet of a compound that carries reports from several of our SSRCs (RFC 8108 §5.3).
std::size_t write_sdes_cnames(std::uint8_t* out, std::size_t capacity,
                              std::span<const std::uint32_t> ssrcs, std::string_view cname);

// RFC 3550 §6.6: 0..31 SSRCs and an optional reason up to 255 bytes.
std::size_t write_bye(std::uint8_t* out, std::size_t capacity, std::span<const std::uint32_t> ssrcs,
                      std::string_view reason = {});

// RFC 4585 §6.3.1.
std::size_t write_pli(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                      std::uint32_t media_ssrc);

// RFC 5104 §4.3.1: one entry for media_ssrc with the request's sequence number (the
// sender increments it per new request, not per repetition).
std::size_t write_fir(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                      std::uint32_t media_ssrc, std::uint8_t sequence_number);

// RFC 4585 §6.2.1: packs lost sequence numbers, given in increasing order modulo
// 2^16, into (PID, BLP) pairs: each pair covers PID and the 16 numbers after it.
// Duplicates are skipped; an out-of-order number starts a new pair. Empty -> 0.
std::size_t write_nack(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                       std::uint32_t media_ssrc, std::span<const std::uint16_t> sequence_numbers);

// Number of (PID, BLP) pairs write_nack would produce, to size a buffer.
std::size_t nack_item_count(std::span<const std::uint16_t> sequence_numbers);

// draft-alvestrand-rmcat-remb-03 §2.2; bitrate in bits per second (rounded down to
// what an 18-bit mantissa can express), at most 255 SSRCs.
std::size_t write_remb(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                       std::uint64_t bitrate, std::span<const std::uint32_t> ssrcs);

}  // namespace podium::rtp
