#include "rtp/rtcp_packet.h"

#include <bit>
#include <limits>

namespace podium::rtp {

ReportBlock ReportBlock::read(const std::uint8_t* p) {
  ReportBlock block;
  block.ssrc = load_u32(p);
  block.fraction_lost = p[4];
  // RFC 3550 §6.4.1: cumulative number of packets lost is a signed 24-bit integer
  // (duplicates can make it negative).
  std::int32_t lost = static_cast<std::int32_t>(load_u24(p + 5));
  if (lost & 0x800000) lost -= 0x1000000;
  block.cumulative_lost = lost;
  block.extended_highest_sequence = load_u32(p + 8);
  block.jitter = load_u32(p + 12);
  block.last_sr = load_u32(p + 16);
  block.delay_since_last_sr = load_u32(p + 20);
  return block;
}

void ReportBlock::write(std::uint8_t* p) const {
  std::int32_t lost = cumulative_lost;
  if (lost > 0x7FFFFF) lost = 0x7FFFFF;
  if (lost < -0x800000) lost = -0x800000;
  store_u32(p, ssrc);
  p[4] = fraction_lost;
  store_u24(p + 5, static_cast<std::uint32_t>(lost) & 0xFFFFFF);
  store_u32(p + 8, extended_highest_sequence);
  store_u32(p + 12, jitter);
  store_u32(p + 16, last_sr);
  store_u32(p + 20, delay_since_last_sr);
}

std::optional<RtcpPacket> RtcpPacket::parse(Bytes buffer) {
  if (buffer.size() < kRtcpHeaderSize) return std::nullopt;
  if ((buffer[0] >> 6) != 2) return std::nullopt;
  // RFC 3550 §6.4.1: length in 32-bit words minus one, header included.
  std::size_t size = (std::size_t{load_u16(&buffer[2])} + 1) * 4;
  if (size > buffer.size()) return std::nullopt;
  Bytes data = buffer.first(size);
  std::size_t body_size = size - kRtcpHeaderSize;
  if (data[0] & 0x20) {
    // RFC 3550 §6.4.1: the last octet of the padding counts the padding octets.
    std::uint8_t padding = data[size - 1];
    if (padding == 0 || padding > body_size) return std::nullopt;
    body_size -= padding;
  }
  return RtcpPacket(data, data.subspan(kRtcpHeaderSize, body_size));
}

std::optional<RtcpPacket> RtcpCompoundReader::next() {
  if (rest_.empty() || malformed_) return std::nullopt;
  auto packet = RtcpPacket::parse(rest_);
  if (!packet) {
    malformed_ = true;
    rest_ = {};
    return std::nullopt;
  }
  rest_ = rest_.subspan(packet->size());
  return packet;
}

bool is_valid_rtcp_compound(Bytes compound) {
  if (compound.empty()) return false;
  RtcpCompoundReader reader(compound);
  std::size_t consumed = 0;
  while (auto packet = reader.next()) {
    consumed += packet->size();
    // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
    if (packet->has_padding() && consumed != compound.size()) return false;
  }
  return !reader.malformed() && consumed == compound.size();
}

std::optional<SenderReport> SenderReport::parse(const RtcpPacket& packet) {
  if (packet.type() != RtcpType::kSenderReport) return std::nullopt;
  Bytes body = packet.body();
  if (body.size() < 24 + packet.count() * ReportBlock::kSize) return std::nullopt;
  return SenderReport(body, packet.count());
}

std::optional<ReceiverReport> ReceiverReport::parse(const RtcpPacket& packet) {
  if (packet.type() != RtcpType::kReceiverReport) return std::nullopt;
  Bytes body = packet.body();
  if (body.size() < 4 + packet.count() * ReportBlock::kSize) return std::nullopt;
  return ReceiverReport(body, packet.count());
}

SdesReader::SdesReader(const RtcpPacket& packet) {
  if (packet.type() != RtcpType::kSdes) return;
  body_ = packet.body();
  chunks_left_ = packet.count();
}

std::optional<SdesItem> SdesReader::next() {
  while (!malformed_) {
    if (!in_chunk_) {
      if (chunks_left_ == 0) return std::nullopt;
      if (offset_ + 4 > body_.size()) break;
      ssrc_ = load_u32(&body_[offset_]);
      chunk_start_ = offset_;
      offset_ += 4;
      in_chunk_ = true;
      --chunks_left_;
    }
    // RFC 3550 §6.5: a chunk's item list ends with a null octet (END), then nulls
    // up to the next 32-bit boundary; the next chunk starts there.
    if (offset_ >= body_.size()) break;
    std::uint8_t type = body_[offset_];
    if (type == 0) {
      offset_ = (offset_ + 1 + 3) & ~std::size_t{3};
      if (offset_ > body_.size()) break;
      in_chunk_ = false;
      continue;
    }
    if (offset_ + 2 > body_.size()) break;
    std::size_t length = body_[offset_ + 1];
    if (offset_ + 2 + length > body_.size()) break;
    SdesItem item{ssrc_, type, body_.subspan(offset_ + 2, length)};
    offset_ += 2 + length;
    return item;
  }
  malformed_ = true;
  return std::nullopt;
}

std::optional<Bye> Bye::parse(const RtcpPacket& packet) {
  if (packet.type() != RtcpType::kBye) return std::nullopt;
  Bytes body = packet.body();
  std::size_t ssrc_bytes = 4u * packet.count();
  if (body.size() < ssrc_bytes) return std::nullopt;
  std::string_view reason;
  // RFC 3550 §6.6: an optional length-prefixed reason follows the SSRCs.
  if (body.size() > ssrc_bytes) {
    std::size_t length = body[ssrc_bytes];
    if (ssrc_bytes + 1 + length > body.size()) return std::nullopt;
    reason = as_string_view(body.subspan(ssrc_bytes + 1, length));
  }
  return Bye(body, packet.count(), reason);
}

std::optional<FeedbackPacket> FeedbackPacket::parse(const RtcpPacket& packet) {
  if (packet.type() != RtcpType::kRtpFeedback && packet.type() != RtcpType::kPayloadFeedback) {
    return std::nullopt;
  }
  if (packet.body().size() < 8) return std::nullopt;
  return FeedbackPacket(packet.body(), packet.type(), packet.fmt());
}

namespace {

std::optional<FeedbackPacket> feedback_of(const RtcpPacket& packet, RtcpType type,
                                          std::uint8_t fmt) {
  if (packet.type() != type || packet.fmt() != fmt) return std::nullopt;
  return FeedbackPacket::parse(packet);
}

}  // namespace

std::optional<Nack> Nack::parse(const RtcpPacket& packet) {
  auto feedback = feedback_of(packet, RtcpType::kRtpFeedback, kFmtNack);
  // RFC 4585 §6.2.1: one or more 4-byte FCI entries.
  if (!feedback || feedback->fci().empty() || feedback->fci().size() % 4 != 0) {
    return std::nullopt;
  }
  return Nack(*feedback);
}

std::optional<TransportCc> TransportCc::parse(const RtcpPacket& packet) {
  auto feedback = feedback_of(packet, RtcpType::kRtpFeedback, kFmtTransportCc);
  if (!feedback || feedback->fci().size() < 8) return std::nullopt;
  return TransportCc(*feedback);
}

std::int32_t TransportCc::reference_time() const {
  auto value = static_cast<std::int32_t>(load_u24(&feedback_.fci()[4]));
  return (value & 0x800000) ? value - 0x1000000 : value;
}

std::optional<Pli> Pli::parse(const RtcpPacket& packet) {
  auto feedback = feedback_of(packet, RtcpType::kPayloadFeedback, kFmtPli);
  if (!feedback) return std::nullopt;
  return Pli(*feedback);
}

std::optional<Fir> Fir::parse(const RtcpPacket& packet) {
  auto feedback = feedback_of(packet, RtcpType::kPayloadFeedback, kFmtFir);
  // RFC 5104 §4.3.1.1: 8-byte entries: SSRC, seq nr, 24 reserved bits.
  if (!feedback || feedback->fci().empty() || feedback->fci().size() % 8 != 0) {
    return std::nullopt;
  }
  return Fir(*feedback);
}

std::optional<Remb> Remb::parse(const RtcpPacket& packet) {
  auto feedback = feedback_of(packet, RtcpType::kPayloadFeedback, kFmtAfb);
  if (!feedback) return std::nullopt;
  Bytes fci = feedback->fci();
  if (fci.size() < 8 || as_string_view(fci.first(4)) != "REMB") return std::nullopt;
  std::size_t count = fci[4];
  if (fci.size() < 8 + 4 * count) return std::nullopt;
  return Remb(*feedback);
}

std::uint64_t Remb::bitrate() const {
  Bytes fci = feedback_.fci();
  // 6-bit exponent, 18-bit mantissa.
  unsigned exponent = fci[5] >> 2;
  std::uint64_t mantissa = (std::uint64_t{fci[5] & 0x03u} << 16) | load_u16(&fci[6]);
  if (mantissa != 0 && std::bit_width(mantissa) + exponent > 64) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return mantissa << exponent;
}

}  // namespace podium::rtp
