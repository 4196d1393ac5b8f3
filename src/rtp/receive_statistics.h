// Per-SSRC statistics for RTCP reports: what a receiver tracks to fill a report block
// (RFC 3550 Appendix A.1, A.3, A.8) and what a sender tracks to fill a sender report
// (RFC 3550 §6.4.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/rtcp_packet.h"
#include "util/clock.h"

namespace podium::rtp {

class ReceiveStatistics {
 public:
  // RFC 3550 Appendix A.1 constants.
  static constexpr std::uint32_t kMaxDropout = 3000;
  static constexpr std::uint32_t kMaxMisorder = 100;
  static constexpr std::uint32_t kMinSequential = 2;

  // `probation`: sequential packets needed before a source is valid (A.1). When the
  // SSRC was signaled, 0 accepts the first packet.
  ReceiveStatistics(std::uint32_t ssrc, std::uint32_t clock_rate,
                    std::uint32_t probation = kMinSequential);

  // Feeds one received packet. Returns false while on probation and for a packet
  // that looks like a jump of the sequence number (not counted, RFC 3550 A.1).
  bool on_packet(std::uint16_t sequence_number, std::uint32_t rtp_timestamp, TimePoint arrival,
                 std::size_t payload_size = 0);

  // Remembers the last sender report from this source for LSR/DLSR (RFC 3550 §6.4.1).
  void on_sender_report(std::uint64_t ntp_timestamp, TimePoint arrival);

  // A report block for now; fraction lost covers the interval since the previous
  // call (RFC 3550 A.3), so call it once per report sent.
  ReportBlock report_block(TimePoint now);

  std::uint32_t ssrc() const { return ssrc_; }
  bool valid() const { return probation_ == 0 && received_ > 0; }
  std::uint64_t packets_received() const { return received_; }
  std::uint64_t payload_bytes_received() const { return bytes_; }
  // cycles + max_seq, RFC 3550 A.3.
  std::uint32_t extended_highest_sequence() const { return cycles_ + max_seq_; }
  // expected - received, may be negative with duplicates.
  std::int64_t cumulative_lost() const;
  // RFC 3550 A.8 interarrival jitter, RTP timestamp units.
  std::uint32_t jitter() const { return jitter_q4_ >> 4; }

 private:
  void init_sequence(std::uint16_t seq);
  bool update_sequence(std::uint16_t seq);
  void update_jitter(std::uint32_t rtp_timestamp, TimePoint arrival);
  std::int64_t expected() const;

  std::uint32_t ssrc_;
  std::uint32_t clock_rate_;
  std::uint32_t initial_probation_;

  bool started_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // shifted count of wraps, as in A.1
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;
  std::uint32_t probation_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t bytes_ = 0;
  std::int64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;

  bool have_transit_ = false;
  std::uint32_t transit_ = 0;
  std::uint32_t jitter_q4_ = 0;  // jitter * 16, the integer form of A.8

  std::optional<std::uint32_t> last_sr_;
  TimePoint last_sr_arrival_{};
};

class SenderStatistics {
 public:
  explicit SenderStatistics(std::uint32_t clock_rate) : clock_rate_(clock_rate) {}

  // RFC 3550 §6.4.1: the octet count is payload only (no header, no padding).
  void on_packet_sent(std::uint32_t rtp_timestamp, std::size_t payload_size, TimePoint now);

  std::uint32_t packet_count() const { return packets_; }
  std::uint32_t octet_count() const { return octets_; }
  bool has_sent() const { return has_sent_; }
  std::uint32_t last_rtp_timestamp() const { return last_rtp_timestamp_; }
  TimePoint last_send_time() const { return last_send_time_; }

  // RFC 3550 §6.4.1: the SR's RTP timestamp corresponds to the same instant as its
  // NTP timestamp, so extrapolate from the last packet by the elapsed time.
  // nullopt before the first packet.
  std::optional<std::uint32_t> rtp_timestamp_at(TimePoint now) const;

 private:
  std::uint32_t clock_rate_;
  bool has_sent_ = false;
  std::uint32_t packets_ = 0;  // wrap modulo 2^32, as on the wire
  std::uint32_t octets_ = 0;
  std::uint32_t last_rtp_timestamp_ = 0;
  TimePoint last_send_time_{};
};

// RFC 3550 §6.3.5: the time to the next report, `mean` times a random factor in
// [0.5, 1.5] drawn from `random` (uniform over 32 bits), so that participants that joined
// together do not report together.
inline Duration randomized_report_interval(Duration mean, std::uint32_t random) {
  const double factor = 0.5 + random / 4294967296.0;
  return Duration(static_cast<Duration::rep>(static_cast<double>(mean.count()) * factor));
}

}  // namespace podium::rtp
