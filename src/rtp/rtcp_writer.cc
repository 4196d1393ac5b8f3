#include "rtp/rtcp_writer.h"

#include <bit>
#include <cstring>

namespace podium::rtp {
namespace {

constexpr std::size_t kMaxCount = 31;

// RFC 3550 §6.4.1 common header; `size` is a multiple of 4.
void write_header(std::uint8_t* out, std::uint8_t count, RtcpType type, std::size_t size) {
  out[0] = static_cast<std::uint8_t>(0x80 | count);
  out[1] = static_cast<std::uint8_t>(type);
  store_u16(out + 2, static_cast<std::uint16_t>(size / 4 - 1));
}

std::size_t write_feedback(std::uint8_t* out, std::size_t capacity, RtcpType type, std::uint8_t fmt,
                           std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                           std::size_t fci_size) {
  std::size_t size = kRtcpHeaderSize + 8 + fci_size;
  if (size > capacity) return 0;
  write_header(out, fmt, type, size);
  store_u32(out + 4, sender_ssrc);
  store_u32(out + 8, media_ssrc);
  return size;
}

// Calls emit(NackItem) per pair; shared by the writer and the counter.
template <typename F>
void pack_nack_items(std::span<const std::uint16_t> seqs, F&& emit) {
  bool open = false;
  NackItem item;
  for (std::uint16_t seq : seqs) {
    if (open) {
      auto distance = static_cast<std::uint16_t>(seq - item.pid);
      if (distance == 0) continue;
      if (distance <= 16) {
        item.blp |= static_cast<std::uint16_t>(1u << (distance - 1));
        continue;
      }
      emit(item);
    }
    item = NackItem{seq, 0};
    open = true;
  }
  if (open) emit(item);
}

}  // namespace

std::size_t write_sender_report(std::uint8_t* out, std::size_t capacity, std::uint32_t ssrc,
                                std::uint64_t ntp_timestamp, std::uint32_t rtp_timestamp,
                                std::uint32_t packet_count, std::uint32_t octet_count,
                                std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxCount) return 0;
  std::size_t size = kRtcpHeaderSize + 24 + blocks.size() * ReportBlock::kSize;
  if (size > capacity) return 0;
  write_header(out, static_cast<std::uint8_t>(blocks.size()), RtcpType::kSenderReport, size);
  store_u32(out + 4, ssrc);
  store_u64(out + 8, ntp_timestamp);
  store_u32(out + 16, rtp_timestamp);
  store_u32(out + 20, packet_count);
  store_u32(out + 24, octet_count);
  for (std::size_t i = 0; i < blocks.size(); ++i)
    blocks[i].write(out + 28 + i * ReportBlock::kSize);
  return size;
}

std::size_t write_receiver_report(std::uint8_t* out, std::size_t capacity, std::uint32_t ssrc,
                                  std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxCount) return 0;
  std::size_t size = kRtcpHeaderSize + 4 + blocks.size() * ReportBlock::kSize;
  if (size > capacity) return 0;
  write_header(out, static_cast<std::uint8_t>(blocks.size()), RtcpType::kReceiverReport, size);
  store_u32(out + 4, ssrc);
  for (std::size_t i = 0; i < blocks.size(); ++i) blocks[i].write(out + 8 + i * ReportBlock::kSize);
  return size;
}

std::size_t write_sdes_cname(std::uint8_t* out, std::size_t capacity, std::uint32_t ssrc,
                             std::string_view cname) {
  return write_sdes_cnames(out, capacity, std::span<const std::uint32_t>(&ssrc, 1), cname);
}

std::size_t write_sdes_cnames(std::uint8_t* out, std::size_t capacity,
                              std::span<const std::uint32_t> ssrcs, std::string_view cname) {
  if (ssrcs.empty() || ssrcs.size() > kMaxCount || cname.empty() || cname.size() > 255) return 0;
  // Each chunk: SSRC, type, length, text, then at least one null octet up to a 32-bit
  // boundary.
  std::size_t chunk = (4 + 2 + cname.size() + 1 + 3) & ~std::size_t{3};
  std::size_t size = kRtcpHeaderSize + chunk * ssrcs.size();
  if (size > capacity) return 0;
  write_header(out, static_cast<std::uint8_t>(ssrcs.size()), RtcpType::kSdes, size);
  std::uint8_t* p = out + kRtcpHeaderSize;
  for (std::uint32_t ssrc : ssrcs) {
    store_u32(p, ssrc);
    p[4] = kSdesCname;
    p[5] = static_cast<std::uint8_t>(cname.size());
    std::memcpy(p + 6, cname.data(), cname.size());
    std::memset(p + 6 + cname.size(), 0, chunk - 6 - cname.size());
    p += chunk;
  }
  return size;
}

std::size_t write_bye(std::uint8_t* out, std::size_t capacity, std::span<const std::uint32_t> ssrcs,
                      std::string_view reason) {
  if (ssrcs.size() > kMaxCount || reason.size() > 255) return 0;
  std::size_t reason_bytes = reason.empty() ? 0 : (1 + reason.size() + 3) & ~std::size_t{3};
  std::size_t size = kRtcpHeaderSize + 4 * ssrcs.size() + reason_bytes;
  if (size > capacity) return 0;
  write_header(out, static_cast<std::uint8_t>(ssrcs.size()), RtcpType::kBye, size);
  std::size_t offset = kRtcpHeaderSize;
  for (std::uint32_t ssrc : ssrcs) {
    store_u32(out + offset, ssrc);
    offset += 4;
  }
  if (!reason.empty()) {
    out[offset] = static_cast<std::uint8_t>(reason.size());
    std::memcpy(out + offset + 1, reason.data(), reason.size());
    offset += 1 + reason.size();
    std::memset(out + offset, 0, size - offset);
  }
  return size;
}

std::size_t write_pli(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                      std::uint32_t media_ssrc) {
  return write_feedback(out, capacity, RtcpType::kPayloadFeedback, kFmtPli, sender_ssrc, media_ssrc,
                        0);
}

std::size_t write_fir(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                      std::uint32_t media_ssrc, std::uint8_t sequence_number) {
  // RFC 5104 §4.3.1.2: the header's media source SSRC is not used and set to 0.
  std::size_t size =
      write_feedback(out, capacity, RtcpType::kPayloadFeedback, kFmtFir, sender_ssrc, 0, 8);
  if (size == 0) return 0;
  store_u32(out + 12, media_ssrc);
  out[16] = sequence_number;
  out[17] = out[18] = out[19] = 0;
  return size;
}

std::size_t nack_item_count(std::span<const std::uint16_t> sequence_numbers) {
  std::size_t count = 0;
  pack_nack_items(sequence_numbers, [&](const NackItem&) { ++count; });
  return count;
}

std::size_t write_nack(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                       std::uint32_t media_ssrc, std::span<const std::uint16_t> sequence_numbers) {
  std::size_t items = nack_item_count(sequence_numbers);
  // The 16-bit length field bounds the packet at 2^18 bytes.
  if (items == 0 || items > 0xFFFF - 2) return 0;
  std::size_t size = write_feedback(out, capacity, RtcpType::kRtpFeedback, kFmtNack, sender_ssrc,
                                    media_ssrc, 4 * items);
  if (size == 0) return 0;
  std::uint8_t* p = out + 12;
  pack_nack_items(sequence_numbers, [&](const NackItem& item) {
    store_u16(p, item.pid);
    store_u16(p + 2, item.blp);
    p += 4;
  });
  return size;
}

std::size_t write_remb(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                       std::uint64_t bitrate, std::span<const std::uint32_t> ssrcs) {
  if (ssrcs.size() > 255) return 0;
  // draft-alvestrand-rmcat-remb-03 §2.2: the media source SSRC is always 0.
  std::size_t size = write_feedback(out, capacity, RtcpType::kPayloadFeedback, kFmtAfb, sender_ssrc,
                                    0, 8 + 4 * ssrcs.size());
  if (size == 0) return 0;
  unsigned exponent = 0;
  int width = std::bit_width(bitrate);
  if (width > 18) exponent = static_cast<unsigned>(width - 18);
  auto mantissa = static_cast<std::uint32_t>(bitrate >> exponent);
  std::memcpy(out + 12, "REMB", 4);
  out[16] = static_cast<std::uint8_t>(ssrcs.size());
  out[17] = static_cast<std::uint8_t>((exponent << 2) | (mantissa >> 16));
  store_u16(out + 18, static_cast<std::uint16_t>(mantissa));
  for (std::size_t i = 0; i < ssrcs.size(); ++i) store_u32(out + 20 + 4 * i, ssrcs[i]);
  return size;
}

}  // namespace podium::rtp
