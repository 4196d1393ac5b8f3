// Bandwidth probing toward a subscriber. The GCC estimate (bandwidth_estimator.h) can
// only grow to a little above what the subscriber acknowledges, so a subscriber whose
// consumers were dropped to a low simulcast stream would stay there after its path
// recovers. While some consumer is held below the stream it prefers, Podium sends a
// probe cluster now and then: for ~100 ms everything sent to the subscriber (media plus
// RTX padding or RTX copies of recent packets, RFC 4588) goes at a target rate above the
// estimate; the subscriber's transport-cc feedback tells at what rate the cluster
// arrived, and a cluster that arrived at about the rate it was sent lifts the estimate
// (as libwebrtc's ProbeController / ProbeBitrateEstimator do). Pure: time comes in as
// arguments.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "util/clock.h"

namespace podium::sfu {

// One cluster being sent: how many bytes are due at each tick so that the cluster goes
// out at its target rate.
struct ProbeCluster {
  static constexpr Duration kDuration{100'000};
  static constexpr std::uint32_t kMinPackets = 6;
  // One packet's worth sent at the start: the measured send rate leaves the last packet
  // out (it ends the interval), so the cluster carries one packet beyond rate × time.
  static constexpr std::uint64_t kLeadBytes = 1'200;

  std::uint32_t id = 0;  // 0 means none; ids count up per subscriber
  std::uint64_t target_bps = 0;
  TimePoint started_at{};
  std::uint64_t bytes_sent = 0;  // everything sent to the subscriber since the start
  std::uint32_t packets_sent = 0;

  // Padding bytes to send now to keep up with the target rate.
  std::uint64_t bytes_due(TimePoint now) const;
  // Sent long enough, with enough packets to measure.
  bool complete(TimePoint now) const {
    return now - started_at >= kDuration && packets_sent >= kMinPackets;
  }
  void on_sent(std::size_t size) {
    bytes_sent += size;
    ++packets_sent;
  }
};

// When to probe and how hard. The peer reports after every allocation of its estimate
// whether some consumer is held below its preferred stream by bandwidth and what all of
// them would need; the controller answers on the peer's tick with a cluster to send.
// The first probe comes kInitialInterval after the limit began (or after the last
// sharp drop of the estimate: probing into a queue that is still draining measures
// nothing); each probe that does not lift the estimate doubles the wait up to
// kMaxInterval, one that does lets the next come soon.
class ProbeController {
 public:
  static constexpr Duration kInitialInterval{2'000'000};
  static constexpr Duration kMaxInterval{8'000'000};
  static constexpr Duration kAfterSuccess{1'000'000};
  // A result that does not come back within this long counts as a failed probe.
  static constexpr Duration kResultTimeout{1'000'000};
  // The probe aims a little above what the consumers need (the allocation needs some
  // headroom to take a stream), but at most this many times the estimate.
  static constexpr double kTargetHeadroom = 1.25;
  static constexpr double kMaxStep = 4.0;
  // ... or this much, whichever is more: an estimate that collapsed in a stall of the
  // receiver would otherwise climb back in small steps.
  static constexpr std::uint64_t kMinStepCapBps = 500'000;
  static constexpr double kSuccessRatio = 0.7;
  // A fall of the estimate below this share of its recent value is a drop.
  static constexpr double kDropRatio = 0.75;

  // After each allocation of the estimate.
  void on_allocation(bool limited, std::uint64_t demanded_bps, std::uint64_t estimate_bps, TimePoint now);
  // On the peer's tick, when no cluster is being sent: the target rate of a cluster to
  // start now, if one is due.
  std::optional<std::uint64_t> due(TimePoint now);
  // The cluster started by the last due() was judged: the estimate it lifted to, 0 when
  // it did not lift it (not measured, or measured below the estimate). A success is a
  // lift to kSuccessRatio of the target: the path had room, so the next probe comes
  // soon. Anything less (a limit that still holds lets a cluster nudge the estimate a
  // little) doubles the wait. Returns whether it was a success.
  bool on_result(std::uint64_t lifted_to_bps, TimePoint now);

  bool limited() const { return limited_; }
  Duration interval() const { return interval_; }
  bool waiting_for_result() const { return probe_sent_at_.has_value(); }

 private:
  void backoff(TimePoint now);

  bool limited_ = false;
  std::uint64_t demanded_bps_ = 0;
  std::uint64_t estimate_bps_ = 0;
  std::uint64_t recent_high_bps_ = 0;  // the estimate before a possible drop
  std::uint64_t target_bps_ = 0;       // of the last cluster
  Duration interval_ = kInitialInterval;
  std::optional<TimePoint> next_probe_at_;
  std::optional<TimePoint> probe_sent_at_;  // a cluster whose result is awaited
  std::optional<TimePoint> last_probe_at_;
};

// The rate a cluster arrived at, from the transport-cc feedback about its packets
// (libwebrtc's ProbeBitrateEstimator): the lower of the rate it was sent at and the
// rate it was received at, both over the cluster's span; a cluster received clearly
// slower than sent (a queue grew at the bottleneck) yields 95 % of its receive rate.
// The same is judged on the cluster's second half alone: a bottleneck with a burst
// allowance (a token bucket, Wi-Fi aggregation) lets the start of a cluster through at
// line rate and shows its real rate only after.
class ProbeBitrateEstimator {
 public:
  // The lowest share of a cluster's packets that must arrive for a measurement.
  static constexpr double kMinReceivedShare = 0.8;
  // Receive rate below this share of the send rate: the path was saturated.
  static constexpr double kSaturatedRatio = 0.9;
  static constexpr double kSaturatedScale = 0.95;
  // A receive rate above this multiple of the send rate is a measurement artefact.
  static constexpr double kMaxValidRatio = 2.0;
  static constexpr Duration kMaxInterval{1'000'000};
  // Feedback about a cluster more than this old is not waited for any longer.
  static constexpr Duration kMaxAge{2'000'000};

  struct Result {
    std::uint32_t cluster = 0;
    std::optional<std::uint64_t> bps;  // nullopt: could not be measured (loss, too few)
  };

  // A packet of cluster `cluster` that feedback reported (received or lost).
  void on_packet(std::uint32_t cluster, TimePoint sent_at, std::uint32_t size, bool received,
                 std::int64_t receive_time_us, TimePoint now);
  // The sender finished cluster `cluster` after `packets` packets.
  void on_cluster_sent(std::uint32_t cluster, std::uint32_t packets, TimePoint now);
  // A cluster whose packets have all been reported (or that timed out): its result,
  // once. Call after each feedback.
  std::optional<Result> take_result(TimePoint now);

 private:
  struct Packet {
    TimePoint sent_at{};
    std::int64_t received_us = 0;
    std::uint32_t size = 0;
  };
  // Packets kept per cluster for the second-half check (more are counted, not kept).
  static constexpr std::size_t kMaxKept = 64;
  struct Cluster {
    std::uint32_t id = 0;
    std::array<Packet, kMaxKept> kept{};
    std::uint32_t kept_count = 0;
    TimePoint created_at{};
    std::uint32_t packets_sent = 0;  // 0 until the sender finished it
    std::uint32_t reported = 0;
    std::uint32_t received = 0;
    std::uint64_t bytes = 0;  // received
    TimePoint first_sent{}, last_sent{};
    std::uint32_t last_sent_size = 0;
    std::int64_t first_received_us = 0, last_received_us = 0;
    std::uint32_t first_received_size = 0;
  };
  Cluster* find(std::uint32_t id, TimePoint now);
  std::optional<std::uint64_t> measure(const Cluster& cluster) const;
  std::optional<std::uint64_t> measure_second_half(Cluster& cluster) const;

  std::array<Cluster, 4> clusters_{};
  std::uint32_t judged_up_to_ = 0;  // cluster ids count up: late feedback of judged ones is ignored
};

}  // namespace podium::sfu
