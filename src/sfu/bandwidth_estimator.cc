#include "sfu/bandwidth_estimator.h"

#include <algorithm>
#include <cmath>

namespace podium::sfu {
namespace {

using Millis = std::chrono::duration<double, std::milli>;

double ms(Duration d) { return std::chrono::duration_cast<Millis>(d).count(); }

// draft-ietf-rmcat-gcc-02 §5.2: packets sent within one burst interval form a group.
constexpr Duration kBurstInterval{5'000};
// A gap in arrivals this long restarts the filter: the old samples describe another path state.
constexpr double kFilterResetMs = 3'000;
constexpr double kSmoothing = 0.9;      // exponential smoothing of the accumulated delay
constexpr double kThresholdGain = 4.0;  // trend -> modified trend (libwebrtc trendline)
constexpr std::size_t kMaxDeltasForGain = 60;
constexpr double kOveruseTimeMs = 10;  // §5.4: overuse must last this long
// §5.4 eq. 5: the threshold follows the modified trend, faster down than up.
constexpr double kThresholdUp = 0.0087;
constexpr double kThresholdDown = 0.039;
constexpr double kThresholdMin = 6, kThresholdMax = 600;
// §5.5: multiplicative increase of at most 8% per second; decrease to 85% of the
// acknowledged rate, at most once per response time.
constexpr double kIncreasePerSecond = 1.08;
constexpr double kDecreaseFactor = 0.85;
constexpr Duration kDecreaseInterval{200'000};
// The estimate may run ahead of what is really sent only so far, so it stays a measurement.
constexpr double kAcknowledgedHeadroom = 1.5;
constexpr std::uint64_t kAcknowledgedSlackBps = 10'000;
constexpr std::int64_t kAcknowledgedWindowUs = 250'000;
// §6: loss below 2% lets the loss-based rate grow, above 10% cuts it by half the loss.
constexpr double kLowLoss = 0.02, kHighLoss = 0.10;
// Loss is judged over at least this much, so a few unlucky packets are not a trend.
constexpr std::size_t kLossMinPackets = 20;
constexpr Duration kLossWindow{500'000};
constexpr Duration kLossDecreaseInterval{300'000};
// REMB counts as current for this long.
constexpr Duration kRembLifetime{5'000'000};

double seconds_between(std::optional<TimePoint> from, TimePoint to) {
  if (!from) return 0;
  return std::clamp(ms(to - *from) / 1000.0, 0.0, 1.0);
}

}  // namespace

void SentPacketHistory::on_sent(std::uint16_t sequence, std::size_t size, TimePoint now,
                                std::uint32_t probe_cluster) {
  Entry& entry = entries_[sequence % kSize];
  entry.probe_cluster = probe_cluster;
  entry.sequence = sequence;
  entry.used = true;
  entry.size = static_cast<std::uint32_t>(size);
  entry.sent_at = now;
  next_ = static_cast<std::uint16_t>(sequence + 1);
}

const SentPacketHistory::Entry* SentPacketHistory::find(std::uint16_t sequence) const {
  const Entry& entry = entries_[sequence % kSize];
  return entry.used && entry.sequence == sequence ? &entry : nullptr;
}

BandwidthEstimator::BandwidthEstimator(Config config)
    : config_(config), delay_based_bps_(config.initial_bps), loss_based_bps_(config.initial_bps) {}

void BandwidthEstimator::on_feedback(std::span<const PacketResult> packets, TimePoint now) {
  std::size_t lost = 0;
  for (const PacketResult& packet : packets) {
    if (packet.probe_cluster)
      probes_.on_packet(packet.probe_cluster, packet.sent_at, packet.size, packet.received,
                        packet.receive_time_us, now);
    if (!packet.received) {
      ++lost;
      continue;
    }
    update_acknowledged(packet);
    if (current_.valid && packet.sent_at - current_.first_sent <= kBurstInterval &&
        packet.sent_at >= current_.first_sent) {
      current_.last_sent = std::max(current_.last_sent, packet.sent_at);
      current_.last_arrival_us = std::max(current_.last_arrival_us, packet.receive_time_us);
      continue;
    }
    if (current_.valid) on_group_complete(current_);
    current_ = {packet.sent_at, packet.sent_at, packet.receive_time_us, true};
  }
  last_feedback_ = now;
  update_delay_based(now);
  update_loss_based(lost, packets.size(), now);
  while (auto result = probes_.take_result(now)) apply_probe(*result);
}

void BandwidthEstimator::on_probe_cluster_sent(std::uint32_t cluster, std::uint32_t packets, TimePoint now) {
  probes_.on_cluster_sent(cluster, packets, now);
}

// As libwebrtc's GoogCC does with a probe result: it becomes both the delay-based and the
// loss-based rate when it is above them, unless the delay-based controller sees a queue
// building now. It is a measurement of what arrived, so the acknowledged-rate cap does
// not apply to it; it is capped by the rate the cluster was sent at.
void BandwidthEstimator::apply_probe(const ProbeBitrateEstimator::Result& result) {
  ProbeOutcome outcome;
  outcome.cluster = result.cluster;
  outcome.measured_bps = result.bps;
  outcome.before_bps = estimate_bps();
  if (result.bps && usage_ != BandwidthUsage::kOverusing && *result.bps > outcome.before_bps) {
    std::uint64_t rate = std::min(*result.bps, config_.max_bps);
    delay_based_bps_ = std::max(delay_based_bps_, rate);
    loss_based_bps_ = std::max(loss_based_bps_, rate);
  }
  outcome.after_bps = estimate_bps();
  probe_outcome_ = outcome;
}

std::optional<BandwidthEstimator::ProbeOutcome> BandwidthEstimator::take_probe_outcome() {
  auto outcome = probe_outcome_;
  probe_outcome_.reset();
  return outcome;
}

void BandwidthEstimator::on_group_complete(const PacketGroup& group) {
  if (!previous_.valid) {
    previous_ = group;
    return;
  }
  double send_delta = ms(group.last_sent - previous_.last_sent);
  double arrival_delta = static_cast<double>(group.last_arrival_us - previous_.last_arrival_us) / 1000.0;
  if (send_delta < 0) return;  // a group sent before the previous one: reordered feedback
  previous_ = group;
  if (arrival_delta < 0) return;  // reordered on the path; the next group compares anew
  double arrival_ms = static_cast<double>(group.last_arrival_us) / 1000.0;
  if (arrival_delta > kFilterResetMs) {
    sample_count_ = deltas_seen_ = 0;
    first_arrival_ms_ = -1;
    accumulated_delay_ms_ = smoothed_delay_ms_ = trend_ = previous_trend_ = 0;
    return;
  }
  // §5.2: the one-way delay variation of this group against the previous one.
  update_trend(arrival_delta - send_delta, arrival_ms);
  detect(arrival_delta);
  update_threshold(std::min<double>(deltas_seen_, kMaxDeltasForGain) * trend_ * kThresholdGain,
                   arrival_ms);
}

void BandwidthEstimator::update_trend(double delay_variation_ms, double arrival_ms) {
  if (first_arrival_ms_ < 0) first_arrival_ms_ = arrival_ms;
  accumulated_delay_ms_ += delay_variation_ms;
  smoothed_delay_ms_ = kSmoothing * smoothed_delay_ms_ + (1 - kSmoothing) * accumulated_delay_ms_;
  samples_[deltas_seen_ % kTrendWindow] = {arrival_ms - first_arrival_ms_, smoothed_delay_ms_};
  ++deltas_seen_;
  sample_count_ = std::min(deltas_seen_, kTrendWindow);
  if (sample_count_ < kTrendWindow) return;
  // Least-squares slope of smoothed delay over arrival time: a queue building up at the
  // bottleneck shows as a positive slope long before packets are lost.
  double mean_x = 0, mean_y = 0;
  for (auto& [x, y] : samples_) mean_x += x, mean_y += y;
  mean_x /= kTrendWindow;
  mean_y /= kTrendWindow;
  double numerator = 0, denominator = 0;
  for (auto& [x, y] : samples_) {
    numerator += (x - mean_x) * (y - mean_y);
    denominator += (x - mean_x) * (x - mean_x);
  }
  if (denominator != 0) trend_ = numerator / denominator;
}

void BandwidthEstimator::detect(double arrival_delta_ms) {
  if (sample_count_ < kTrendWindow) return;
  double modified = std::min<double>(deltas_seen_, kMaxDeltasForGain) * trend_ * kThresholdGain;
  if (modified > threshold_) {
    time_over_using_ms_ = time_over_using_ms_ < 0 ? arrival_delta_ms / 2 : time_over_using_ms_ + arrival_delta_ms;
    ++overuse_count_;
    if (time_over_using_ms_ > kOveruseTimeMs && overuse_count_ > 1 && trend_ >= previous_trend_) {
      usage_ = BandwidthUsage::kOverusing;
      time_over_using_ms_ = 0;
      overuse_count_ = 0;
    }
  } else if (modified < -threshold_) {
    time_over_using_ms_ = -1;
    overuse_count_ = 0;
    usage_ = BandwidthUsage::kUnderusing;
  } else {
    time_over_using_ms_ = -1;
    overuse_count_ = 0;
    usage_ = BandwidthUsage::kNormal;
  }
  previous_trend_ = trend_;
}

void BandwidthEstimator::update_threshold(double modified_trend, double arrival_ms) {
  if (last_threshold_update_ms_ < 0) last_threshold_update_ms_ = arrival_ms;
  double magnitude = std::abs(modified_trend);
  // A spike far above the threshold (e.g. a route change) must not drag it up.
  if (magnitude > threshold_ + 15) {
    last_threshold_update_ms_ = arrival_ms;
    return;
  }
  double k = magnitude < threshold_ ? kThresholdDown : kThresholdUp;
  double dt = std::min(arrival_ms - last_threshold_update_ms_, 100.0);
  threshold_ = std::clamp(threshold_ + k * (magnitude - threshold_) * dt, kThresholdMin, kThresholdMax);
  last_threshold_update_ms_ = arrival_ms;
}

void BandwidthEstimator::update_acknowledged(const PacketResult& packet) {
  std::int64_t t = packet.receive_time_us;
  if (!window_open_ || t - window_start_us_ > 8 * kAcknowledgedWindowUs) {
    window_open_ = true;
    window_start_us_ = t;
    window_bytes_ = packet.size;
    return;
  }
  window_bytes_ += packet.size;
  if (t - window_start_us_ < kAcknowledgedWindowUs) return;
  auto rate = static_cast<std::uint64_t>(static_cast<double>(window_bytes_) * 8e6 /
                                         static_cast<double>(t - window_start_us_));
  acknowledged_bps_ = acknowledged_bps_ ? (*acknowledged_bps_ + rate) / 2 : rate;
  window_start_us_ = t;
  window_bytes_ = 0;
}

void BandwidthEstimator::update_delay_based(TimePoint now) {
  double dt = seconds_between(last_rate_update_, now);
  last_rate_update_ = now;
  auto rate = static_cast<double>(delay_based_bps_);
  switch (usage_) {
    case BandwidthUsage::kOverusing:
      if (!last_decrease_ || now - *last_decrease_ >= kDecreaseInterval) {
        double base = acknowledged_bps_ ? static_cast<double>(*acknowledged_bps_) : rate;
        rate = std::min(rate, kDecreaseFactor * base);
        last_decrease_ = now;
      }
      break;
    case BandwidthUsage::kUnderusing:
      break;  // §5.5 hold: let the queues drain before probing again
    case BandwidthUsage::kNormal:
      if (last_decrease_ && now - *last_decrease_ < kDecreaseInterval) break;
      double increased = rate * std::pow(kIncreasePerSecond, dt);
      if (acknowledged_bps_) {
        double cap = kAcknowledgedHeadroom * static_cast<double>(*acknowledged_bps_) + kAcknowledgedSlackBps;
        increased = std::max(rate, std::min(increased, cap));
      }
      rate = increased;
      break;
  }
  delay_based_bps_ = std::clamp(static_cast<std::uint64_t>(rate), config_.min_bps, config_.max_bps);
}

void BandwidthEstimator::update_loss_based(std::size_t lost, std::size_t total, TimePoint now) {
  loss_lost_ += lost;
  loss_total_ += total;
  if (!loss_window_start_) loss_window_start_ = now;
  if (loss_total_ < kLossMinPackets || now - *loss_window_start_ < kLossWindow) return;
  double loss = static_cast<double>(loss_lost_) / static_cast<double>(loss_total_);
  double dt = seconds_between(last_loss_update_, now);
  auto rate = static_cast<double>(loss_based_bps_);
  if (loss < kLowLoss) {
    rate *= std::pow(kIncreasePerSecond, dt);
  } else if (loss > kHighLoss) {
    if (!last_loss_decrease_ || now - *last_loss_decrease_ >= kLossDecreaseInterval) {
      // Cut from what is in effect, not from a loss-based rate that had run ahead.
      rate = std::min(rate, static_cast<double>(delay_based_bps_)) * (1 - 0.5 * loss);
      last_loss_decrease_ = now;
    }
  }
  loss_based_bps_ = std::clamp(static_cast<std::uint64_t>(rate), config_.min_bps, config_.max_bps);
  loss_lost_ = loss_total_ = 0;
  loss_window_start_ = now;
  last_loss_update_ = now;
}

void BandwidthEstimator::on_remb(std::uint64_t bps, TimePoint now) {
  remb_bps_ = bps;
  last_remb_at_ = now;
}

std::uint64_t BandwidthEstimator::estimate_bps() const {
  bool remb = last_remb_at_.has_value();
  std::uint64_t value = config_.initial_bps;
  if (last_feedback_) {
    value = std::min(delay_based_bps_, loss_based_bps_);
    if (remb && *last_feedback_ - *last_remb_at_ < kRembLifetime) value = std::min(value, remb_bps_);
  } else if (remb) {
    value = remb_bps_;
  }
  return std::clamp(value, config_.min_bps, config_.max_bps);
}

}  // namespace podium::sfu
