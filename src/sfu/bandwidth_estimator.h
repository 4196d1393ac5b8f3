// Send-side bandwidth estimation toward one subscriber, in the Google Congestion Control
// family (draft-ietf-rmcat-gcc-02): a delay-based controller (arrival-time filter as a
// trendline over packet groups, overuse detector with an adaptive threshold, AIMD rate
// control) and a loss-based controller; the estimate is the lower of the two. REMB
// (draft-alvestrand-rmcat-remb-03) is the input when the subscriber sends no
// transport-cc feedback, and a cap when it does. Pure: time comes in as arguments.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "sfu/probe.h"
#include "util/clock.h"

namespace podium::sfu {

// What Podium sent toward a subscriber, by transport-wide sequence number, so feedback
// can be matched to send time and size. A fixed ring: no allocation per packet.
class SentPacketHistory {
 public:
  static constexpr std::size_t kSize = 4096;

  struct Entry {
    std::uint16_t sequence = 0;
    bool used = false;
    std::uint32_t size = 0;  // bytes on the wire before SRTP
    TimePoint sent_at{};
    std::uint32_t probe_cluster = 0;  // sent while that probe cluster ran; 0: none
  };

  // The number the next packet gets; on_sent with it advances.
  std::uint16_t next_sequence() const { return next_; }
  void on_sent(std::uint16_t sequence, std::size_t size, TimePoint now, std::uint32_t probe_cluster = 0);
  // Null when the packet is unknown or has been overwritten.
  const Entry* find(std::uint16_t sequence) const;
  // Asks the CPU to fetch the entry the next packet takes (next_ should be in cache).
  void prefetch_next() const { __builtin_prefetch(&entries_[next_ % kSize]); }

 private:
  // First, so that it shares a cache line with what precedes the history (Peer).
  std::uint16_t next_ = 1;
  std::array<Entry, kSize> entries_{};
};

enum class BandwidthUsage { kNormal, kUnderusing, kOverusing };

struct PacketResult {
  TimePoint sent_at{};
  std::uint32_t size = 0;
  bool received = false;
  std::int64_t receive_time_us = 0;  // receiver's clock; only differences matter
  std::uint32_t probe_cluster = 0;   // the probe cluster it belonged to (probe.h); 0: none
};

class BandwidthEstimator {
 public:
  struct Config {
    std::uint64_t initial_bps = 1'000'000;
    std::uint64_t min_bps = 30'000;
    std::uint64_t max_bps = 20'000'000;
  };

  BandwidthEstimator() : BandwidthEstimator(Config{}) {}
  explicit BandwidthEstimator(Config config);

  // The packets one transport-cc feedback reports, in transport sequence order.
  void on_feedback(std::span<const PacketResult> packets, TimePoint now);
  // The sender finished probe cluster `cluster` after `packets` packets; once feedback
  // has reported them all, the rate the cluster arrived at may lift the estimate.
  void on_probe_cluster_sent(std::uint32_t cluster, std::uint32_t packets, TimePoint now);
  // What a probe cluster showed, reported once by the feedback that completed it.
  struct ProbeOutcome {
    std::uint32_t cluster = 0;
    std::optional<std::uint64_t> measured_bps;  // nullopt: too few packets arrived
    std::uint64_t before_bps = 0;               // the estimate before and after
    std::uint64_t after_bps = 0;
    bool raised() const { return after_bps > before_bps; }
  };
  std::optional<ProbeOutcome> take_probe_outcome();
  // A REMB from the subscriber (bits per second).
  void on_remb(std::uint64_t bps, TimePoint now);

  // The available bitrate toward the subscriber now.
  std::uint64_t estimate_bps() const;
  bool has_feedback() const { return last_feedback_.has_value(); }
  BandwidthUsage usage() const { return usage_; }
  // Throughput the receiver acknowledged, once a window of it has been measured.
  std::optional<std::uint64_t> acknowledged_bps() const { return acknowledged_bps_; }
  std::uint64_t delay_based_bps() const { return delay_based_bps_; }
  std::uint64_t loss_based_bps() const { return loss_based_bps_; }

 private:
  struct PacketGroup {
    TimePoint first_sent{};
    TimePoint last_sent{};
    std::int64_t last_arrival_us = 0;
    bool valid = false;
  };

  void on_group_complete(const PacketGroup& group);
  void update_trend(double delay_variation_ms, double arrival_ms);
  void detect(double arrival_delta_ms);
  void update_threshold(double modified_trend, double arrival_ms);
  void update_acknowledged(const PacketResult& packet);
  void update_delay_based(TimePoint now);
  void update_loss_based(std::size_t lost, std::size_t total, TimePoint now);
  void apply_probe(const ProbeBitrateEstimator::Result& result);

  Config config_;
  std::optional<TimePoint> last_feedback_;
  std::optional<TimePoint> last_remb_at_;
  std::uint64_t remb_bps_ = 0;

  // Arrival-time filter (draft-ietf-rmcat-gcc-02 §5.2; trendline as in libwebrtc).
  PacketGroup current_;
  PacketGroup previous_;
  static constexpr std::size_t kTrendWindow = 20;
  std::array<std::pair<double, double>, kTrendWindow> samples_{};  // (arrival ms, smoothed delay)
  std::size_t sample_count_ = 0;
  std::size_t deltas_seen_ = 0;
  double first_arrival_ms_ = -1;
  double accumulated_delay_ms_ = 0;
  double smoothed_delay_ms_ = 0;
  double trend_ = 0;
  double previous_trend_ = 0;

  // Overuse detector (§5.4) with the adaptive threshold (§5.4, eq. 5).
  double threshold_ = 12.5;
  double last_threshold_update_ms_ = -1;
  double time_over_using_ms_ = -1;
  int overuse_count_ = 0;
  BandwidthUsage usage_ = BandwidthUsage::kNormal;

  // Rate control (§5.5).
  std::uint64_t delay_based_bps_;
  std::optional<TimePoint> last_rate_update_;
  std::optional<TimePoint> last_decrease_;

  // Acknowledged throughput over windows of the receiver's clock.
  std::optional<std::uint64_t> acknowledged_bps_;
  std::int64_t window_start_us_ = 0;
  std::uint64_t window_bytes_ = 0;
  bool window_open_ = false;

  // Loss-based controller (§6).
  std::uint64_t loss_based_bps_;
  std::size_t loss_lost_ = 0;
  std::size_t loss_total_ = 0;
  std::optional<TimePoint> loss_window_start_;
  std::optional<TimePoint> last_loss_decrease_;
  std::optional<TimePoint> last_loss_update_;

  // Probe clusters (probe.h).
  ProbeBitrateEstimator probes_;
  std::optional<ProbeOutcome> probe_outcome_;
};

}  // namespace podium::sfu
