#include "sfu/playout_delay.h"

#include <algorithm>

namespace podium::sfu {

void RepairWindow::roll(TimePoint now) {
  if (now - current_.start < kBucket) return;
  // The current bucket becomes the previous one if it ended less than a bucket ago;
  // older ones are forgotten.
  previous_ = now - current_.start < 2 * kBucket ? current_ : Bucket{};
  current_ = Bucket{now, Duration{0}, 0};
}

void RepairWindow::on_repair(Duration delay, TimePoint now) {
  roll(now);
  current_.longest = std::max(current_.longest, delay);
  ++current_.count;
}

std::optional<Duration> RepairWindow::need(TimePoint now, std::optional<Duration> rtt,
                                           Duration retry_margin) const {
  auto live = [&](const Bucket& bucket, Duration age) {
    return bucket.count > 0 && now - bucket.start < age;
  };
  Duration longest{0};
  int count = 0;
  if (live(current_, 2 * kBucket)) {
    longest = current_.longest;
    count += current_.count;
  }
  if (live(previous_, 2 * kBucket) && now - current_.start < kBucket) {
    longest = std::max(longest, previous_.longest);
    count += previous_.count;
  }
  if (count < kMinRepairs) return std::nullopt;
  if (count >= kFrequentRepairs && rtt) longest = std::max(longest, 2 * (*rtt + retry_margin));
  return longest;
}

std::optional<rtp::PlayoutDelay> PlayoutDelayControl::on_packet(std::optional<Duration> upstream,
                                                                std::optional<Duration> rtt,
                                                                TimePoint now, bool* changed) {
  if (changed) *changed = false;
  Duration target{0};
  if (upstream) {
    target = std::min(kCap, *upstream + rtt.value_or(Duration{0}));
    // Whole 10 ms, rounded up.
    auto units = (target.count() + 9'999) / 10'000;
    target = Duration{units * 10'000};
  }
  bool raise = target >= current_ + kRaiseStep;
  bool lower = target + kLowerStep <= current_ && changed_at_ && now - *changed_at_ >= kHold;
  if (raise || lower) {
    current_ = target;
    changed_at_ = now;
    if (changed) *changed = true;
  }
  if (!changed_at_ || now - *changed_at_ >= kRepeat) return std::nullopt;
  return rtp::PlayoutDelay{static_cast<std::uint16_t>(current_.count() / 10'000), kMax10ms};
}

}  // namespace podium::sfu
