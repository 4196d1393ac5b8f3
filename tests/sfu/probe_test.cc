#include "sfu/probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sfu/bandwidth_estimator.h"
#include "sfu/layer_selection.h"

namespace podium::sfu {
namespace {

constexpr TimePoint kStart{Duration{10'000'000}};
constexpr std::uint32_t kPacketSize = 1000;

BandwidthEstimator estimator_starting_at(std::uint64_t bps) {
  BandwidthEstimator::Config config;
  config.initial_bps = bps;
  return BandwidthEstimator(config);
}

// A cluster of `count` packets sent every `send_gap`, arriving every `receive_gap`
// after 20 ms of propagation (a bottleneck slower than the cluster spreads it).
std::vector<PacketResult> cluster(std::uint32_t id, TimePoint start, int count, Duration send_gap,
                                  Duration receive_gap) {
  std::vector<PacketResult> packets;
  for (int i = 0; i < count; ++i) {
    PacketResult p;
    p.sent_at = start + i * send_gap;
    p.size = kPacketSize;
    p.received = true;
    p.receive_time_us = (start + Duration{20'000} + i * receive_gap).time_since_epoch().count();
    p.probe_cluster = id;
    packets.push_back(p);
  }
  return packets;
}

TEST(ProbeBitrateEstimatorTest, AClusterThatArrivesAsSentLiftsTheEstimate) {
  auto estimator = estimator_starting_at(300'000);
  // 13 packets of 1000 bytes, one every 6.67 ms: 1.2 Mbit/s, received at the same pace.
  auto packets = cluster(1, kStart, 13, Duration{6'667}, Duration{6'667});
  estimator.on_probe_cluster_sent(1, 13, kStart + Duration{80'000});
  estimator.on_feedback(packets, kStart + Duration{150'000});
  EXPECT_GT(estimator.estimate_bps(), 1'100'000u);
  EXPECT_LE(estimator.estimate_bps(), 1'250'000u);  // not above what was sent
  auto outcome = estimator.take_probe_outcome();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->cluster, 1u);
  EXPECT_TRUE(outcome->raised());
  EXPECT_EQ(outcome->before_bps, 300'000u);
  EXPECT_FALSE(estimator.take_probe_outcome());  // reported once
}

TEST(ProbeBitrateEstimatorTest, AClusterSpreadByAGrowingQueueDoesNotLiftIt) {
  auto estimator = estimator_starting_at(300'000);
  // Sent at 1.2 Mbit/s into a 300 kbit/s bottleneck: each packet waits longer than the
  // one before (26.7 ms apart on arrival), the queueing delay grows over the cluster.
  auto packets = cluster(1, kStart, 13, Duration{6'667}, Duration{26'667});
  estimator.on_probe_cluster_sent(1, 13, kStart + Duration{80'000});
  estimator.on_feedback(packets, kStart + Duration{400'000});
  auto outcome = estimator.take_probe_outcome();
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->measured_bps);
  EXPECT_LT(*outcome->measured_bps, 300'000u);  // 95 % of the receive rate
  EXPECT_FALSE(outcome->raised());
  EXPECT_LE(estimator.estimate_bps(), 300'000u);
}

TEST(ProbeBitrateEstimatorTest, ABurstAllowanceAtTheBottleneckDoesNotFoolIt) {
  auto estimator = estimator_starting_at(300'000);
  // A 300 kbit/s token bucket with 8000 bytes of depth: the first 8 packets pass at the
  // cluster's pace, the rest at 300 kbit/s (26.7 ms apart). The whole cluster arrived
  // at ~0.65 Mbit/s; its second half shows the real rate.
  auto packets = cluster(1, kStart, 16, Duration{6'667}, Duration{6'667});
  for (std::size_t i = 8; i < packets.size(); ++i)
    packets[i].receive_time_us = packets[7].receive_time_us + static_cast<std::int64_t>(i - 7) * 26'667;
  estimator.on_probe_cluster_sent(1, 16, kStart + Duration{100'000});
  estimator.on_feedback(packets, kStart + Duration{500'000});
  auto outcome = estimator.take_probe_outcome();
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->measured_bps);
  EXPECT_LT(*outcome->measured_bps, 450'000u);
  EXPECT_LT(estimator.estimate_bps(), 450'000u);
}

TEST(ProbeBitrateEstimatorTest, AClusterIsJudgedOnceEvenWhenFeedbackComesLate) {
  auto estimator = estimator_starting_at(300'000);
  auto packets = cluster(1, kStart, 13, Duration{6'667}, Duration{6'667});
  std::span<const PacketResult> all(packets);
  estimator.on_probe_cluster_sent(1, 13, kStart + Duration{100'000});
  estimator.on_feedback(all.first(4), kStart + Duration{100'000});
  EXPECT_FALSE(estimator.take_probe_outcome());
  // The rest comes after the cluster was given up on (ProbeBitrateEstimator::kMaxAge).
  estimator.on_feedback(all.subspan(4, 4), kStart + Duration{2'200'000});
  auto outcome = estimator.take_probe_outcome();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->measured_bps);
  estimator.on_feedback(all.subspan(8), kStart + Duration{2'300'000});
  estimator.on_feedback(all.first(1), kStart + Duration{5'000'000});
  EXPECT_FALSE(estimator.take_probe_outcome());
}

TEST(ProbeBitrateEstimatorTest, ALossyClusterMeasuresNothing) {
  auto estimator = estimator_starting_at(300'000);
  auto packets = cluster(1, kStart, 13, Duration{6'667}, Duration{6'667});
  for (std::size_t i = 0; i < packets.size(); i += 3) packets[i].received = false;  // a third lost
  estimator.on_probe_cluster_sent(1, 13, kStart + Duration{80'000});
  estimator.on_feedback(packets, kStart + Duration{150'000});
  auto outcome = estimator.take_probe_outcome();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->measured_bps);
  EXPECT_LE(estimator.estimate_bps(), 300'000u);
}

TEST(ProbeBitrateEstimatorTest, WaitsForFeedbackAboutTheWholeCluster) {
  auto estimator = estimator_starting_at(300'000);
  auto packets = cluster(7, kStart, 13, Duration{6'667}, Duration{6'667});
  std::span<const PacketResult> all(packets);
  estimator.on_feedback(all.first(6), kStart + Duration{60'000});
  estimator.on_probe_cluster_sent(7, 13, kStart + Duration{80'000});
  EXPECT_FALSE(estimator.take_probe_outcome());
  EXPECT_LT(estimator.estimate_bps(), 400'000u);
  estimator.on_feedback(all.subspan(6), kStart + Duration{120'000});
  auto outcome = estimator.take_probe_outcome();
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->raised());
  EXPECT_GT(estimator.estimate_bps(), 1'100'000u);
}

TEST(ProbeClusterTest, PacesTheClusterAtItsTargetRate) {
  ProbeCluster c;
  c.id = 1;
  c.target_bps = 1'200'000;
  c.started_at = kStart;
  EXPECT_EQ(c.bytes_due(kStart), ProbeCluster::kLeadBytes);
  c.on_sent(1'000);
  EXPECT_EQ(c.bytes_due(kStart), ProbeCluster::kLeadBytes - 1'000);
  // 40 ms at 1.2 Mbit/s is 6000 bytes.
  EXPECT_EQ(c.bytes_due(kStart + Duration{40'000}), ProbeCluster::kLeadBytes + 6'000 - 1'000);
  // Nothing more is due after the cluster's duration.
  EXPECT_EQ(c.bytes_due(kStart + Duration{500'000}), c.bytes_due(kStart + ProbeCluster::kDuration));
  EXPECT_FALSE(c.complete(kStart + ProbeCluster::kDuration));  // one packet is too few
  for (int i = 0; i < 10; ++i) c.on_sent(1'000);
  EXPECT_FALSE(c.complete(kStart + Duration{40'000}));
  EXPECT_TRUE(c.complete(kStart + ProbeCluster::kDuration));
}

TEST(ProbeControllerTest, ProbesOnlyWhileHeldBackWithBackoff) {
  ProbeController controller;
  TimePoint t = kStart;
  controller.on_allocation(false, 500'000, 1'000'000, t);
  EXPECT_FALSE(controller.due(t + Duration{10'000'000}));

  // Held back: the first probe 2 s later, aimed above what the consumers want but at
  // most 4 × the estimate.
  controller.on_allocation(true, 1'000'000, 250'000, t);
  EXPECT_FALSE(controller.due(t + Duration{1'900'000}));
  t += ProbeController::kInitialInterval;
  auto target = controller.due(t);
  ASSERT_TRUE(target);
  EXPECT_EQ(*target, 1'000'000u);
  EXPECT_FALSE(controller.due(t));  // one at a time

  // Failures double the wait up to kMaxInterval.
  std::vector<Duration> waits;
  for (int i = 0; i < 4; ++i) {
    controller.on_result(0, t);
    controller.on_allocation(true, 1'000'000, 250'000, t);
    TimePoint from = t;
    while (!controller.due(t)) t += Duration{100'000};
    waits.push_back(t - from);
  }
  EXPECT_EQ(waits, (std::vector<Duration>{Duration{4'000'000}, Duration{8'000'000}, Duration{8'000'000},
                                          Duration{8'000'000}}));

  // A lift to 300 kbit/s of a 1 Mbit/s probe (a limit that still holds, nudged) is no
  // success: the wait stays long.
  EXPECT_FALSE(controller.on_result(300'000, t));
  controller.on_allocation(true, 1'000'000, 300'000, t);
  EXPECT_FALSE(controller.due(t + Duration{7'900'000}));
  t += ProbeController::kMaxInterval;
  ASSERT_TRUE(controller.due(t));
  // A success lets the next come soon; the target follows the new estimate.
  EXPECT_TRUE(controller.on_result(1'000'000, t));
  controller.on_allocation(true, 1'000'000, 500'000, t);
  EXPECT_FALSE(controller.due(t + Duration{900'000}));
  target = controller.due(t + ProbeController::kAfterSuccess);
  ASSERT_TRUE(target);
  EXPECT_EQ(*target, 1'250'000u);

  // No longer held back: no probes, and the backoff starts over next time.
  EXPECT_TRUE(controller.on_result(1'300'000, t + Duration{1'100'000}));
  controller.on_allocation(false, 1'000'000, 1'300'000, t + Duration{1'100'000});
  EXPECT_FALSE(controller.due(t + Duration{20'000'000}));
  EXPECT_EQ(controller.interval(), ProbeController::kInitialInterval);
}

TEST(ProbeControllerTest, ASharpDropRestartsTheBackoffAndAMissingResultCountsAsFailure) {
  ProbeController controller;
  TimePoint t = kStart;
  controller.on_allocation(true, 1'000'000, 250'000, t);
  t += ProbeController::kInitialInterval;
  ASSERT_TRUE(controller.due(t));
  // No result within kResultTimeout: a failure, the next wait is doubled.
  t += ProbeController::kResultTimeout + Duration{20'000};
  EXPECT_FALSE(controller.due(t));
  EXPECT_EQ(controller.interval(), 2 * ProbeController::kInitialInterval);
  // Much later the estimate falls sharply (new congestion, not the probe's): the next
  // probe comes kInitialInterval after the drop, not after the backed-off interval.
  t += Duration{3'000'000};
  controller.on_allocation(true, 1'000'000, 100'000, t);
  EXPECT_EQ(controller.interval(), ProbeController::kInitialInterval);
  EXPECT_FALSE(controller.due(t + Duration{1'900'000}));
  auto target = controller.due(t + ProbeController::kInitialInterval);
  ASSERT_TRUE(target);
  // 4 × a collapsed 100 kbit/s estimate would take many probes to climb back; the step
  // is at least 500 kbit/s.
  EXPECT_EQ(*target, ProbeController::kMinStepCapBps);
}

// The whole loop on a simulated path: media at 250 kbit/s (a consumer on its low
// stream) leaves the estimate near 1.5 × that; probe clusters paced on a 20 ms tick
// lift it to what the consumers want when the path has room, and not when the path
// itself is the limit.
struct LoopResult {
  std::uint64_t estimate = 0;
  int clusters = 0;
};

LoopResult run_loop(double capacity_bps, Duration duration) {
  auto estimator = estimator_starting_at(250'000);
  ProbeController controller;
  SentPacketHistory history;
  ProbeCluster probe;
  std::uint32_t cluster_ids = 0;
  int clusters = 0;
  TimePoint now = kStart;
  TimePoint queue_free_at = now;
  TimePoint next_media = now, next_feedback = now + Duration{50'000}, next_tick = now;
  std::vector<std::pair<std::uint16_t, std::int64_t>> pending;  // (sequence, arrival) to report
  constexpr std::uint64_t kDemanded = 1'000'000;
  auto send = [&](std::uint32_t size) {
    std::uint16_t sequence = history.next_sequence();
    if (probe.id) probe.on_sent(size);
    history.on_sent(sequence, size, now, probe.id);
    TimePoint start = std::max(now, queue_free_at);
    queue_free_at = start + Duration{static_cast<std::int64_t>(size * 8 / capacity_bps * 1e6)};
    pending.emplace_back(sequence, (queue_free_at + Duration{20'000}).time_since_epoch().count());
  };
  for (TimePoint end = now + duration; now < end; now += Duration{1'000}) {
    if (now >= next_media) {  // 250 kbit/s of 1000-byte packets
      send(kPacketSize);
      next_media += Duration{32'000};
    }
    if (now >= next_tick) {
      next_tick += Duration{20'000};
      if (probe.id) {
        while (probe.bytes_due(now) > 0) send(kPacketSize);
        if (probe.complete(now)) {
          estimator.on_probe_cluster_sent(probe.id, probe.packets_sent, now);
          probe = ProbeCluster{};
        }
      } else if (auto target = controller.due(now)) {
        probe = ProbeCluster{++cluster_ids, *target, now};
        ++clusters;
        while (probe.bytes_due(now) > 0) send(kPacketSize);
      }
    }
    if (now >= next_feedback) {
      next_feedback += Duration{50'000};
      std::vector<PacketResult> results;
      auto arrived = std::stable_partition(pending.begin(), pending.end(), [&](const auto& p) {
        return p.second <= now.time_since_epoch().count();
      });
      for (auto it = pending.begin(); it != arrived; ++it) {
        const auto* sent = history.find(it->first);
        results.push_back({sent->sent_at, sent->size, true, it->second, sent->probe_cluster});
      }
      pending.erase(pending.begin(), arrived);
      if (results.empty()) continue;
      estimator.on_feedback(results, now);
      if (auto outcome = estimator.take_probe_outcome()) controller.on_result(outcome->raised() ? outcome->after_bps : 0, now);
      std::uint64_t estimate = estimator.estimate_bps();
      controller.on_allocation(estimate < kDemanded, kDemanded, estimate, now);
    }
  }
  return {estimator.estimate_bps(), clusters};
}

TEST(ProbeLoopTest, ProbingLiftsAnAppLimitedEstimateWhenThePathHasRoom) {
  auto result = run_loop(5'000'000, Duration{8'000'000});
  EXPECT_GE(result.estimate, 1'000'000u);
  EXPECT_LE(result.estimate, 2'000'000u);
  EXPECT_GE(result.clusters, 1);
  EXPECT_LE(result.clusters, 4);
}

TEST(ProbeLoopTest, ProbingDoesNotLiftTheEstimateAboveALimitedPath) {
  auto result = run_loop(300'000, Duration{20'000'000});
  EXPECT_LT(result.estimate, 450'000u);
  // Backed off: probes at 2, 6, 14 s (and perhaps one more), not every tick.
  EXPECT_GE(result.clusters, 3);
  EXPECT_LE(result.clusters, 5);
}

TEST(UnlimitedBitratesTest, TheStreamEachConsumerTakesWithoutALimit) {
  std::vector<LayerInfo> simulcast{{true, 150'000}, {true, 900'000}};
  std::vector<LayerInfo> high_inactive{{true, 150'000}, {false, 0}};
  std::vector<LayerInfo> none{{false, 0}};
  std::vector<BandwidthDemand> demands{
      {1, LayerPreference::kHighest, simulcast},
      {0, 0, simulcast},  // a thumbnail
      {0, LayerPreference::kHighest, high_inactive},
      {0, LayerPreference::kHighest, none},
  };
  EXPECT_EQ(unlimited_bitrates(demands), (std::vector<std::uint64_t>{900'000, 150'000, 150'000, 0}));
  // Under 500 kbit/s the stage is held below that: the allocation caps it lower.
  auto caps = allocate_bitrate(500'000, demands);
  ASSERT_TRUE(caps[0]);
  EXPECT_LT(*caps[0], 900'000u);
}

TEST(LayerHysteresisTest, AConsumerKeepsItsStreamThroughAKeyframeSpikeButNotUnderALimit) {
  // The high stream's measured bitrate spiked to 1.1 Mbit/s (a keyframe) with 1 Mbit/s
  // to spend: the consumer already on it stays, one not on it does not climb.
  std::vector<LayerInfo> spiked{{true, 150'000}, {true, 1'100'000}};
  BandwidthDemand on_high{1, LayerPreference::kHighest, spiked, 1};
  BandwidthDemand on_low{1, LayerPreference::kHighest, spiked, 0};
  EXPECT_EQ(allocate_bitrate(1'000'000, std::span(&on_high, 1))[0], 1'100'000u);
  EXPECT_EQ(allocate_bitrate(1'000'000, std::span(&on_low, 1))[0], 150'000u);
  EXPECT_EQ(choose_spatial_layer(spiked, LayerPreference::kHighest, 1'000'000, 1), 1);
  EXPECT_EQ(choose_spatial_layer(spiked, LayerPreference::kHighest, 1'000'000, 0), 0);
  // A real limit is far below: down it goes.
  EXPECT_EQ(allocate_bitrate(300'000, std::span(&on_high, 1))[0], 150'000u);
  EXPECT_EQ(choose_spatial_layer(spiked, LayerPreference::kHighest, 300'000, 1), 0);
}

}  // namespace
}  // namespace podium::sfu
