#include "rtp/receive_statistics.h"

#include <algorithm>

namespace podium::rtp {
namespace {

constexpr std::uint32_t kSeqMod = 1u << 16;

// Microseconds to units of a clock of `rate` Hz, without overflowing the product.
std::int64_t to_clock_units(std::int64_t micros, std::uint32_t rate) {
  std::int64_t seconds = micros / 1'000'000;
  std::int64_t rest = micros % 1'000'000;
  return seconds * rate + rest * rate / 1'000'000;
}

}  // namespace

ReceiveStatistics::ReceiveStatistics(std::uint32_t ssrc, std::uint32_t clock_rate,
                                     std::uint32_t probation)
    : ssrc_(ssrc), clock_rate_(clock_rate), initial_probation_(probation) {}

void ReceiveStatistics::init_sequence(std::uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;  // so seq == bad_seq_ is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
  // Timestamps of a restarted source bear no relation to the old ones.
  have_transit_ = false;
}

// RFC 3550 Appendix A.1 update_seq(), returning whether the packet counts.
bool ReceiveStatistics::update_sequence(std::uint16_t seq) {
  auto udelta = static_cast<std::uint16_t>(seq - max_seq_);
  if (probation_ > 0) {
    // Packets must be in sequence while on probation.
    if (seq == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ == 0) {
        init_sequence(seq);
        ++received_;
        return true;
      }
    } else {
      probation_ = initial_probation_ - 1;
      max_seq_ = seq;
    }
    return false;
  }
  if (udelta < kMaxDropout) {
    // In order, with a permissible gap.
    if (seq < max_seq_) cycles_ += kSeqMod;
    max_seq_ = seq;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump. Two sequential packets after it mean the other side
    // restarted without telling us; resync to them.
    if (seq == bad_seq_) {
      init_sequence(seq);
    } else {
      bad_seq_ = (seq + 1u) & (kSeqMod - 1);
      return false;
    }
  }
  // else: a duplicate or reordered packet, counted.
  ++received_;
  return true;
}

bool ReceiveStatistics::on_packet(std::uint16_t sequence_number, std::uint32_t rtp_timestamp,
                                  TimePoint arrival, std::size_t payload_size) {
  if (!started_) {
    started_ = true;
    init_sequence(sequence_number);
    if (initial_probation_ == 0) {
      ++received_;
      bytes_ += payload_size;
      update_jitter(rtp_timestamp, arrival);
      return true;
    }
    max_seq_ = static_cast<std::uint16_t>(sequence_number - 1);
    probation_ = initial_probation_;
  }
  std::uint16_t previous_max = max_seq_;
  bool was_valid = probation_ == 0;
  if (!update_sequence(sequence_number)) return false;
  bytes_ += payload_size;
  // Jitter from in-order packets only: a reordered or retransmitted packet carries an
  // old timestamp and arrives late, which is not network jitter.
  auto advance = static_cast<std::uint16_t>(sequence_number - previous_max);
  bool in_order = !was_valid || (max_seq_ == sequence_number && advance != 0);
  if (in_order) update_jitter(rtp_timestamp, arrival);
  return true;
}

// RFC 3550 Appendix A.8, integer form: J += |D| - J/16, kept scaled by 16.
void ReceiveStatistics::update_jitter(std::uint32_t rtp_timestamp, TimePoint arrival) {
  auto arrival_units =
      static_cast<std::uint32_t>(to_clock_units(arrival.time_since_epoch().count(), clock_rate_));
  std::uint32_t transit = arrival_units - rtp_timestamp;
  if (have_transit_) {
    auto d = static_cast<std::int32_t>(transit - transit_);
    std::uint32_t magnitude =
        d < 0 ? 0u - static_cast<std::uint32_t>(d) : static_cast<std::uint32_t>(d);
    jitter_q4_ += magnitude - ((jitter_q4_ + 8) >> 4);
  }
  transit_ = transit;
  have_transit_ = true;
}

void ReceiveStatistics::on_sender_report(std::uint64_t ntp_timestamp, TimePoint arrival) {
  // RFC 3550 §6.4.1 LSR: the middle 32 bits of the NTP timestamp.
  last_sr_ = static_cast<std::uint32_t>(ntp_timestamp >> 16);
  last_sr_arrival_ = arrival;
}

std::int64_t ReceiveStatistics::expected() const {
  if (!valid()) return 0;
  return std::int64_t{extended_highest_sequence()} - base_seq_ + 1;
}

std::int64_t ReceiveStatistics::cumulative_lost() const {
  if (!valid()) return 0;
  return expected() - static_cast<std::int64_t>(received_);
}

ReportBlock ReceiveStatistics::report_block(TimePoint now) {
  ReportBlock block;
  block.ssrc = ssrc_;
  if (valid()) {
    // RFC 3550 Appendix A.3.
    std::int64_t expected_now = expected();
    std::int64_t expected_interval = expected_now - expected_prior_;
    expected_prior_ = expected_now;
    auto received_interval = static_cast<std::int64_t>(received_ - received_prior_);
    received_prior_ = received_;
    std::int64_t lost_interval = expected_interval - received_interval;
    if (expected_interval > 0 && lost_interval > 0) {
      block.fraction_lost = static_cast<std::uint8_t>(
          std::min<std::int64_t>(255, (lost_interval << 8) / expected_interval));
    }
    block.cumulative_lost =
        static_cast<std::int32_t>(std::clamp<std::int64_t>(cumulative_lost(), -0x800000, 0x7FFFFF));
    block.extended_highest_sequence = extended_highest_sequence();
    block.jitter = jitter();
  }
  if (last_sr_) {
    block.last_sr = *last_sr_;
    // RFC 3550 §6.4.1 DLSR: delay since that SR arrived, in units of 1/65536 s.
    std::int64_t micros = std::max<std::int64_t>(0, (now - last_sr_arrival_).count());
    block.delay_since_last_sr = static_cast<std::uint32_t>(to_clock_units(micros, 65536));
  }
  return block;
}

void SenderStatistics::on_packet_sent(std::uint32_t rtp_timestamp, std::size_t payload_size,
                                      TimePoint now) {
  ++packets_;
  octets_ += static_cast<std::uint32_t>(payload_size);
  last_rtp_timestamp_ = rtp_timestamp;
  last_send_time_ = now;
  has_sent_ = true;
}

std::optional<std::uint32_t> SenderStatistics::rtp_timestamp_at(TimePoint now) const {
  if (!has_sent_) return std::nullopt;
  std::int64_t elapsed = to_clock_units((now - last_send_time_).count(), clock_rate_);
  return static_cast<std::uint32_t>(last_rtp_timestamp_ + static_cast<std::uint32_t>(elapsed));
}

}  // namespace podium::rtp
