#include "rtp/nack_generator.h"

#include <algorithm>

namespace podium::rtp {

NackGenerator::NackGenerator() { missing_.reserve(kMaxMissing); }

void NackGenerator::reset() {
  unwrapper_.reset();
  newest_.reset();
  missing_.clear();
}

void NackGenerator::set_round_trip_time(Duration rtt) {
  retry_interval_ = std::clamp(rtt, kMinRetryInterval, kMaxRetryInterval);
}

NackGenerator::Reception NackGenerator::on_packet(std::uint16_t sequence_number, TimePoint now) {
  std::int64_t sequence = unwrapper_.unwrap(sequence_number);
  if (!newest_) {
    newest_ = sequence;
    return Reception::kInOrder;
  }
  if (sequence <= *newest_) {
    auto it = std::lower_bound(missing_.begin(), missing_.end(), sequence,
                               [](const Missing& m, std::int64_t s) { return m.sequence < s; });
    if (it == missing_.end() || it->sequence != sequence) return Reception::kDuplicate;
    last_repair_delay_ = now - it->detected_at;
    last_repair_tries_ = it->tries;
    missing_.erase(it);
    return Reception::kRecovered;
  }
  std::int64_t gap = sequence - *newest_ - 1;
  std::int64_t first_missing = *newest_ + 1;
  newest_ = sequence;
  if (gap == 0) return Reception::kInOrder;
  if (gap > static_cast<std::int64_t>(kMaxMissing) ||
      missing_.size() + static_cast<std::size_t>(gap) > kMaxMissing) {
    missing_.clear();
    return Reception::kKeyframeNeeded;
  }
  for (std::int64_t s = first_missing; s < sequence; ++s) missing_.push_back({s, now, {}, 0});
  return Reception::kInOrder;
}

void NackGenerator::collect(TimePoint now, std::vector<std::uint16_t>& out) {
  std::erase_if(missing_, [&](const Missing& m) {
    bool expired = m.tries >= kMaxRetries || now - m.detected_at > kMaxAge;
    if (expired) ++given_up_;
    return expired;
  });
  const bool echo = retry_interval_ >= kEchoMinRetryInterval;
  for (Missing& m : missing_) {
    if (echo && m.tries == 1 && !m.echoed && now - *m.last_sent_at >= kEchoDelay) {
      m.echoed = true;
      out.push_back(static_cast<std::uint16_t>(m.sequence));
      continue;
    }
    if (m.last_sent_at && now - *m.last_sent_at < retry_interval_) continue;
    m.last_sent_at = now;
    ++m.tries;
    out.push_back(static_cast<std::uint16_t>(m.sequence));
  }
}

}  // namespace podium::rtp
