#include "sfu/probe.h"

#include <algorithm>

namespace podium::sfu {

std::uint64_t ProbeCluster::bytes_due(TimePoint now) const {
  auto elapsed = std::clamp(now - started_at, Duration{0}, kDuration);
  auto total = kLeadBytes + static_cast<std::uint64_t>(static_cast<double>(target_bps) / 8 *
                                                       static_cast<double>(elapsed.count()) / 1e6);
  return total > bytes_sent ? total - bytes_sent : 0;
}

void ProbeController::on_allocation(bool limited, std::uint64_t demanded_bps, std::uint64_t estimate_bps,
                                    TimePoint now) {
  bool dropped = recent_high_bps_ > 0 &&
                 static_cast<double>(estimate_bps) < kDropRatio * static_cast<double>(recent_high_bps_);
  if (dropped || estimate_bps > recent_high_bps_) recent_high_bps_ = estimate_bps;
  demanded_bps_ = demanded_bps;
  estimate_bps_ = estimate_bps;
  if (!limited) {
    limited_ = false;
    interval_ = kInitialInterval;
    next_probe_at_.reset();
    return;
  }
  // A drop the last probe itself caused (its burst queued or was lost at a limit that
  // still holds) does not restart the backoff.
  bool own_drop = last_probe_at_ && now - *last_probe_at_ < 2 * kResultTimeout;
  if (!limited_ || (dropped && !own_drop)) {
    interval_ = kInitialInterval;
    if (!probe_sent_at_) next_probe_at_ = now + interval_;
  }
  limited_ = true;
}

std::optional<std::uint64_t> ProbeController::due(TimePoint now) {
  if (probe_sent_at_ && now - *probe_sent_at_ > kResultTimeout) on_result(0, now);
  if (!limited_ || probe_sent_at_ || !next_probe_at_ || now < *next_probe_at_) return std::nullopt;
  auto estimate = static_cast<double>(estimate_bps_);
  double target = std::clamp(kTargetHeadroom * static_cast<double>(demanded_bps_), 1.5 * estimate,
                             std::max(kMaxStep * estimate, static_cast<double>(kMinStepCapBps)));
  probe_sent_at_ = now;
  last_probe_at_ = now;
  next_probe_at_.reset();
  target_bps_ = static_cast<std::uint64_t>(target);
  return target_bps_;
}

bool ProbeController::on_result(std::uint64_t lifted_to_bps, TimePoint now) {
  probe_sent_at_.reset();
  bool success = lifted_to_bps > 0 &&
                 static_cast<double>(lifted_to_bps) >= kSuccessRatio * static_cast<double>(target_bps_);
  if (success) {
    interval_ = kInitialInterval;
    next_probe_at_ = now + kAfterSuccess;
  } else {
    interval_ = std::min(interval_ * 2, kMaxInterval);
    next_probe_at_ = now + interval_;
  }
  return success;
}

ProbeBitrateEstimator::Cluster* ProbeBitrateEstimator::find(std::uint32_t id, TimePoint now) {
  Cluster* oldest = &clusters_[0];
  for (Cluster& c : clusters_) {
    if (c.id == id) return &c;
  }
  for (Cluster& c : clusters_) {
    if (c.id == 0) {
      oldest = &c;
      break;
    }
    if (c.created_at < oldest->created_at) oldest = &c;
  }
  *oldest = Cluster{};
  oldest->id = id;
  oldest->created_at = now;
  return oldest;
}

void ProbeBitrateEstimator::on_packet(std::uint32_t cluster, TimePoint sent_at, std::uint32_t size,
                                      bool received, std::int64_t receive_time_us, TimePoint now) {
  if (cluster == 0 || cluster <= judged_up_to_) return;
  Cluster& c = *find(cluster, now);
  ++c.reported;
  if (!received) return;
  if (c.received == 0 || sent_at < c.first_sent) c.first_sent = sent_at;
  if (c.received == 0 || sent_at >= c.last_sent) {
    c.last_sent = sent_at;
    c.last_sent_size = size;
  }
  if (c.received == 0 || receive_time_us < c.first_received_us) {
    c.first_received_us = receive_time_us;
    c.first_received_size = size;
  }
  if (c.received == 0 || receive_time_us > c.last_received_us) c.last_received_us = receive_time_us;
  c.bytes += size;
  ++c.received;
  if (c.kept_count < kMaxKept) c.kept[c.kept_count++] = {sent_at, receive_time_us, size};
}

void ProbeBitrateEstimator::on_cluster_sent(std::uint32_t cluster, std::uint32_t packets, TimePoint now) {
  if (cluster == 0 || cluster <= judged_up_to_) return;
  find(cluster, now)->packets_sent = std::max<std::uint32_t>(packets, 1);
}

std::optional<ProbeBitrateEstimator::Result> ProbeBitrateEstimator::take_result(TimePoint now) {
  for (Cluster& c : clusters_) {
    if (c.id == 0) continue;
    bool all_reported = c.packets_sent > 0 && c.reported >= c.packets_sent;
    if (!all_reported && now - c.created_at <= kMaxAge) continue;
    std::optional<std::uint64_t> bps;
    if (all_reported) {
      bps = measure(c);
      auto second_half = measure_second_half(c);
      if (bps && second_half) bps = std::min(*bps, *second_half);
    }
    Result result{c.id, bps};
    judged_up_to_ = std::max(judged_up_to_, c.id);
    c = Cluster{};
    return result;
  }
  return std::nullopt;
}

namespace {

// Send and receive rate of packets over their span, each interval short of one packet
// (the last one sent ends the sending, the first one received starts the receiving);
// nullopt when a span is empty or too long.
std::optional<std::uint64_t> probe_rate(double bytes, double last_sent_size, double first_received_size,
                                        double send_us, double receive_us, double max_us) {
  if (send_us <= 0 || receive_us <= 0 || send_us > max_us || receive_us > max_us) return std::nullopt;
  double send_bps = (bytes - last_sent_size) * 8e6 / send_us;
  double receive_bps = (bytes - first_received_size) * 8e6 / receive_us;
  if (receive_bps > ProbeBitrateEstimator::kMaxValidRatio * send_bps) return std::nullopt;
  if (receive_bps < ProbeBitrateEstimator::kSaturatedRatio * send_bps)
    return static_cast<std::uint64_t>(ProbeBitrateEstimator::kSaturatedScale * receive_bps);
  return static_cast<std::uint64_t>(std::min(send_bps, receive_bps));
}

}  // namespace

std::optional<std::uint64_t> ProbeBitrateEstimator::measure_second_half(Cluster& c) const {
  if (c.kept_count < 8) return std::nullopt;
  std::sort(c.kept.begin(), c.kept.begin() + c.kept_count,
            [](const Packet& a, const Packet& b) { return a.sent_at < b.sent_at; });
  const Packet* begin = c.kept.data() + c.kept_count / 2;
  const Packet* end = c.kept.data() + c.kept_count;
  double bytes = 0;
  const Packet* first_received = begin;
  std::int64_t last_received_us = begin->received_us;
  for (const Packet* p = begin; p != end; ++p) {
    bytes += p->size;
    if (p->received_us < first_received->received_us) first_received = p;
    last_received_us = std::max(last_received_us, p->received_us);
  }
  return probe_rate(bytes, (end - 1)->size, first_received->size,
                    static_cast<double>(((end - 1)->sent_at - begin->sent_at).count()),
                    static_cast<double>(last_received_us - first_received->received_us),
                    static_cast<double>(kMaxInterval.count()));
}

std::optional<std::uint64_t> ProbeBitrateEstimator::measure(const Cluster& c) const {
  if (c.received < 4 ||
      static_cast<double>(c.received) < kMinReceivedShare * static_cast<double>(c.packets_sent))
    return std::nullopt;
  return probe_rate(static_cast<double>(c.bytes), c.last_sent_size, c.first_received_size,
                    static_cast<double>((c.last_sent - c.first_sent).count()),
                    static_cast<double>(c.last_received_us - c.first_received_us),
                    static_cast<double>(kMaxInterval.count()));
}

}  // namespace podium::sfu
