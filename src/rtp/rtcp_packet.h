// RTCP views (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3): a compound packet is walked
// packet by packet; each typed view is parsed from an RtcpPacket on demand and reads
// its fields straight from the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "util/bytes.h"

namespace podium::rtp {

inline constexpr std::size_t kRtcpHeaderSize = 4;

enum class RtcpType : std::uint8_t {
  kSenderReport = 200,
  kReceiverReport = 201,
  kSdes = 202,
  kBye = 203,
  kApp = 204,
  kRtpFeedback = 205,      // RTPFB, RFC 4585 §6.2
  kPayloadFeedback = 206,  // PSFB, RFC 4585 §6.3
  kExtendedReport = 207,   // XR, RFC 3611
};

// FMT values of RTPFB and PSFB packets.
inline constexpr std::uint8_t kFmtNack = 1;          // RFC 4585 §6.2.1
inline constexpr std::uint8_t kFmtTransportCc = 15;  // draft-holmer-rmcat-transport-wide-cc §3.1
inline constexpr std::uint8_t kFmtPli = 1;           // RFC 4585 §6.3.1
inline constexpr std::uint8_t kFmtFir = 4;           // RFC 5104 §4.3.1
inline constexpr std::uint8_t kFmtAfb = 15;          // RFC 4585 §6.3.3 (REMB lives here)

// RFC 3550 §6.4.1 report block, decoded to host values.
struct ReportBlock {
  static constexpr std::size_t kSize = 24;

  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;    // 8-bit fixed point, lost/expected * 256
  std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;               // RTP timestamp units
  std::uint32_t last_sr = 0;              // middle 32 bits of the last SR's NTP timestamp
  std::uint32_t delay_since_last_sr = 0;  // 1/65536 s

  static ReportBlock read(const std::uint8_t* p);
  // Clamps cumulative_lost to the 24-bit signed range.
  void write(std::uint8_t* p) const;
  bool operator==(const ReportBlock&) const = default;
};

// One packet of a compound: the common header (RFC 3550 §6.4.1) checked, the length
// inside the buffer, padding (if any) sane.
class RtcpPacket {
 public:
  // Parses the packet at the start of `buffer`; size() tells where the next begins.
  static std::optional<RtcpPacket> parse(Bytes buffer);

  bool has_padding() const { return (data_[0] & 0x20) != 0; }
  // Report/source count, or FMT for feedback packets.
  std::uint8_t count() const { return data_[0] & 0x1F; }
  std::uint8_t fmt() const { return count(); }
  std::uint8_t packet_type() const { return data_[1]; }
  RtcpType type() const { return static_cast<RtcpType>(data_[1]); }
  Bytes data() const { return data_; }
  std::size_t size() const { return data_.size(); }
  // After the 4-byte header, without padding.
  Bytes body() const { return body_; }

 private:
  RtcpPacket(Bytes data, Bytes body) : data_(data), body_(body) {}
  Bytes data_;
  Bytes body_;
};

// Yields the packets of a compound in order. Stops at the end or at the first
// malformed packet (then malformed() is true).
class RtcpCompoundReader {
 public:
  explicit RtcpCompoundReader(Bytes compound) : rest_(compound) {}
  std::optional<RtcpPacket> next();
  bool malformed() const { return malformed_; }

 private:
  Bytes rest_;
  bool malformed_ = false;
};

// RFC 3550 Appendix A.2 style check of a whole compound: every packet version 2, the
// lengths add up to the buffer exactly, only the last packet padded. The first-packet
// SR/RR rule is not enforced: RFC 5506 reduced-size RTCP (rtcp-rsize) drops it.
bool is_valid_rtcp_compound(Bytes compound);

// Calls f(const RtcpPacket&) for each packet if the whole compound is valid; returns
// false (and calls nothing) otherwise, so a damaged compound is dropped as a unit.
template <typename F>
bool for_each_rtcp_packet(Bytes compound, F&& f) {
  if (!is_valid_rtcp_compound(compound)) return false;
  RtcpCompoundReader reader(compound);
  while (auto packet = reader.next()) f(*packet);
  return true;
}

// RFC 3550 §6.4.1.
class SenderReport {
 public:
  static std::optional<SenderReport> parse(const RtcpPacket& packet);
  std::uint32_t ssrc() const { return load_u32(&body_[0]); }
  std::uint64_t ntp_timestamp() const { return load_u64(&body_[4]); }
  std::uint32_t rtp_timestamp() const { return load_u32(&body_[12]); }
  std::uint32_t packet_count() const { return load_u32(&body_[16]); }
  std::uint32_t octet_count() const { return load_u32(&body_[20]); }
  std::size_t report_count() const { return count_; }
  // i < report_count().
  ReportBlock report_block(std::size_t i) const {
    return ReportBlock::read(&body_[24 + i * ReportBlock::kSize]);
  }

 private:
  SenderReport(Bytes body, std::uint8_t count) : body_(body), count_(count) {}
  Bytes body_;
  std::uint8_t count_;
};

// RFC 3550 §6.4.2.
class ReceiverReport {
 public:
  static std::optional<ReceiverReport> parse(const RtcpPacket& packet);
  std::uint32_t ssrc() const { return load_u32(&body_[0]); }
  std::size_t report_count() const { return count_; }
  ReportBlock report_block(std::size_t i) const {
    return ReportBlock::read(&body_[4 + i * ReportBlock::kSize]);
  }

 private:
  ReceiverReport(Bytes body, std::uint8_t count) : body_(body), count_(count) {}
  Bytes body_;
  std::uint8_t count_;
};

// RFC 3550 §6.5 SDES items, flattened over the chunks.
inline constexpr std::uint8_t kSdesCname = 1;

struct SdesItem {
  std::uint32_t ssrc = 0;
  std::uint8_t type = 0;
  Bytes value;
};

class SdesReader {
 public:
  // `packet` must be an SDES packet; otherwise the reader yields nothing.
  explicit SdesReader(const RtcpPacket& packet);
  std::optional<SdesItem> next();
  bool malformed() const { return malformed_; }

 private:
  Bytes body_;
  std::size_t offset_ = 0;
  std::size_t chunks_left_ = 0;
  std::size_t chunk_start_ = 0;
  std::uint32_t ssrc_ = 0;
  bool in_chunk_ = false;
  bool malformed_ = false;
};

// RFC 3550 §6.6.
class Bye {
 public:
  static std::optional<Bye> parse(const RtcpPacket& packet);
  std::size_t ssrc_count() const { return count_; }
  std::uint32_t ssrc(std::size_t i) const { return load_u32(&body_[4 * i]); }
  std::string_view reason() const { return reason_; }

 private:
  Bye(Bytes body, std::uint8_t count, std::string_view reason)
      : body_(body), count_(count), reason_(reason) {}
  Bytes body_;
  std::uint8_t count_;
  std::string_view reason_;
};

// RFC 4585 §6.1 common feedback layout: sender SSRC, media source SSRC, FCI.
class FeedbackPacket {
 public:
  // Any RTPFB or PSFB packet with room for both SSRCs.
  static std::optional<FeedbackPacket> parse(const RtcpPacket& packet);
  RtcpType type() const { return type_; }
  std::uint8_t fmt() const { return fmt_; }
  std::uint32_t sender_ssrc() const { return load_u32(&body_[0]); }
  std::uint32_t media_ssrc() const { return load_u32(&body_[4]); }
  Bytes fci() const { return body_.subspan(8); }

 private:
  FeedbackPacket(Bytes body, RtcpType type, std::uint8_t fmt)
      : body_(body), type_(type), fmt_(fmt) {}
  Bytes body_;
  RtcpType type_;
  std::uint8_t fmt_;
};

// RFC 4585 §6.2.1 generic NACK: (PID, BLP) pairs.
struct NackItem {
  std::uint16_t pid = 0;  // a lost packet
  std::uint16_t blp = 0;  // bit i set: pid + i + 1 lost too
};

class Nack {
 public:
  static std::optional<Nack> parse(const RtcpPacket& packet);
  std::uint32_t sender_ssrc() const { return feedback_.sender_ssrc(); }
  std::uint32_t media_ssrc() const { return feedback_.media_ssrc(); }
  std::size_t item_count() const { return feedback_.fci().size() / 4; }
  NackItem item(std::size_t i) const {
    const std::uint8_t* p = &feedback_.fci()[4 * i];
    return {load_u16(p), load_u16(p + 2)};
  }
  // f(uint16_t) for every sequence number reported lost, in packet order.
  template <typename F>
  void for_each_sequence_number(F&& f) const {
    for (std::size_t i = 0; i < item_count(); ++i) {
      NackItem it = item(i);
      f(it.pid);
      for (int bit = 0; bit < 16; ++bit) {
        if (it.blp & (1u << bit)) f(static_cast<std::uint16_t>(it.pid + bit + 1));
      }
    }
  }

 private:
  explicit Nack(FeedbackPacket feedback) : feedback_(feedback) {}
  FeedbackPacket feedback_;
};

// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: recognized, with the
// fixed fields; the packet status chunks are left to the bandwidth estimator.
class TransportCc {
 public:
  static std::optional<TransportCc> parse(const RtcpPacket& packet);
  std::uint32_t sender_ssrc() const { return feedback_.sender_ssrc(); }
  std::uint32_t media_ssrc() const { return feedback_.media_ssrc(); }
  std::uint16_t base_sequence_number() const { return load_u16(&feedback_.fci()[0]); }
  std::uint16_t packet_status_count() const { return load_u16(&feedback_.fci()[2]); }
  // Signed 24 bits, multiples of 64 ms.
  std::int32_t reference_time() const;
  std::uint8_t feedback_packet_count() const { return feedback_.fci()[7]; }
  // Packet status chunks and receive deltas.
  Bytes chunks() const { return feedback_.fci().subspan(8); }

 private:
  explicit TransportCc(FeedbackPacket feedback) : feedback_(feedback) {}
  FeedbackPacket feedback_;
};

// RFC 4585 §6.3.1 picture loss indication: no FCI.
class Pli {
 public:
  static std::optional<Pli> parse(const RtcpPacket& packet);
  std::uint32_t sender_ssrc() const { return feedback_.sender_ssrc(); }
  std::uint32_t media_ssrc() const { return feedback_.media_ssrc(); }

 private:
  explicit Pli(FeedbackPacket feedback) : feedback_(feedback) {}
  FeedbackPacket feedback_;
};

// RFC 5104 §4.3.1 full intra request: one entry per target SSRC; the header's media
// source SSRC is unused (0).
struct FirEntry {
  std::uint32_t ssrc = 0;
  std::uint8_t sequence_number = 0;
};

class Fir {
 public:
  static std::optional<Fir> parse(const RtcpPacket& packet);
  std::uint32_t sender_ssrc() const { return feedback_.sender_ssrc(); }
  std::uint32_t media_ssrc() const { return feedback_.media_ssrc(); }
  std::size_t entry_count() const { return feedback_.fci().size() / 8; }
  FirEntry entry(std::size_t i) const {
    const std::uint8_t* p = &feedback_.fci()[8 * i];
    return {load_u32(p), p[4]};
  }

 private:
  explicit Fir(FeedbackPacket feedback) : feedback_(feedback) {}
  FeedbackPacket feedback_;
};

// draft-alvestrand-rmcat-remb-03 §2.2: receiver estimated maximum bitrate, an
// application-layer feedback (PSFB FMT 15) starting with "REMB".
class Remb {
 public:
  static std::optional<Remb> parse(const RtcpPacket& packet);
  std::uint32_t sender_ssrc() const { return feedback_.sender_ssrc(); }
  // Bits per second; saturates if exponent and mantissa overflow 64 bits.
  std::uint64_t bitrate() const;
  std::size_t ssrc_count() const { return feedback_.fci()[4]; }
  std::uint32_t ssrc(std::size_t i) const { return load_u32(&feedback_.fci()[8 + 4 * i]); }

 private:
  explicit Remb(FeedbackPacket feedback) : feedback_(feedback) {}
  FeedbackPacket feedback_;
};

}  // namespace podium::rtp
