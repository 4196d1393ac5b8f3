#include "sfu/bandwidth_estimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace podium::sfu {
namespace {

constexpr std::uint32_t kPacketSize = 1000;
constexpr Duration kFeedbackInterval{50'000};
constexpr Duration kPacingInterval{5'000};

// A sender that sends at the estimate through a bottleneck of `capacity_bps` with an
// unbounded FIFO queue and random loss, and a receiver that reports every 50 ms.
class PathSimulation {
 public:
  static constexpr TimePoint kStart{Duration{10'000'000}};
  explicit PathSimulation(BandwidthEstimator& estimator) : estimator_(estimator) {}

  double capacity_bps = 100e6;
  double loss = 0;
  Duration propagation{20'000};

  // Runs for `duration`; returns the estimate sampled after every feedback.
  std::vector<std::uint64_t> run(Duration duration) {
    std::vector<std::uint64_t> estimates;
    TimePoint end = now_ + duration;
    while (now_ < end) {
      std::vector<PacketResult> feedback;
      TimePoint report_at = now_ + kFeedbackInterval;
      for (; now_ < report_at; now_ += kPacingInterval) {
        // The bytes the estimate allows in this pacing interval, as a burst.
        credit_ += static_cast<double>(estimator_.estimate_bps()) / 8 * 0.005;
        while (credit_ >= kPacketSize) {
          credit_ -= kPacketSize;
          feedback.push_back(transmit(now_));
        }
      }
      estimator_.on_feedback(feedback, now_);
      estimates.push_back(estimator_.estimate_bps());
    }
    return estimates;
  }

  double queue_delay_ms() const {
    return std::max(0.0, static_cast<double>((queue_free_at_ - now_).count()) / 1000.0);
  }

 private:
  PacketResult transmit(TimePoint sent_at) {
    PacketResult result;
    result.sent_at = sent_at;
    result.size = kPacketSize;
    TimePoint start = std::max(sent_at, queue_free_at_);
    queue_free_at_ = start + Duration{static_cast<std::int64_t>(kPacketSize * 8 / capacity_bps * 1e6)};
    if (std::uniform_real_distribution<double>(0, 1)(random_) < loss) return result;
    result.received = true;
    result.receive_time_us = (queue_free_at_ + propagation).time_since_epoch().count();
    return result;
  }

  BandwidthEstimator& estimator_;
  TimePoint now_ = kStart;
  TimePoint queue_free_at_{};
  double credit_ = 0;
  std::mt19937 random_{42};
};

BandwidthEstimator estimator_starting_at(std::uint64_t bps) {
  BandwidthEstimator::Config config;
  config.initial_bps = bps;
  return BandwidthEstimator(config);
}

TEST(BandwidthEstimatorTest, GrowsWhileDelayStaysFlat) {
  auto estimator = estimator_starting_at(300'000);
  PathSimulation path(estimator);
  auto estimates = path.run(Duration{10'000'000});
  EXPECT_EQ(estimator.usage(), BandwidthUsage::kNormal);
  EXPECT_GT(estimates.back(), 550'000u);
  EXPECT_TRUE(std::is_sorted(estimates.begin(), estimates.end()));
  ASSERT_TRUE(estimator.acknowledged_bps());
}

TEST(BandwidthEstimatorTest, DropsBelowTheBottleneckWhenTheQueueBuilds) {
  auto estimator = estimator_starting_at(2'000'000);
  PathSimulation path(estimator);
  path.capacity_bps = 1'000'000;
  auto estimates = path.run(Duration{3'000'000});
  // Sending at twice the bottleneck builds a queue; the delay trend sees it.
  EXPECT_LT(estimates.back(), 1'000'000u);
  EXPECT_GT(estimates.back(), 400'000u);
  // Then it tracks the bottleneck: never far above it, and the queue stays short.
  estimates = path.run(Duration{20'000'000});
  auto last_ten_seconds = std::vector<std::uint64_t>(estimates.end() - 200, estimates.end());
  double mean = 0;
  for (auto e : last_ten_seconds) mean += static_cast<double>(e) / 200;
  EXPECT_LT(mean, 1'050'000);
  EXPECT_GT(mean, 600'000);
  EXPECT_LT(*std::max_element(last_ten_seconds.begin(), last_ten_seconds.end()), 1'300'000u);
  EXPECT_LT(path.queue_delay_ms(), 400);
}

TEST(BandwidthEstimatorTest, HeavyLossCutsTheEstimateAndItRecoversAfter) {
  auto estimator = estimator_starting_at(1'000'000);
  PathSimulation path(estimator);
  path.run(Duration{2'000'000});
  std::uint64_t before = estimator.estimate_bps();

  path.loss = 0.4;
  path.run(Duration{2'500'000});
  std::uint64_t during = estimator.estimate_bps();
  EXPECT_LT(during, before / 2);
  EXPECT_LT(estimator.loss_based_bps(), estimator.delay_based_bps());

  path.loss = 0;
  path.run(Duration{20'000'000});
  EXPECT_GE(estimator.estimate_bps(), before);
}

TEST(BandwidthEstimatorTest, ModerateLossHoldsTheEstimate) {
  auto estimator = estimator_starting_at(2'000'000);
  PathSimulation path(estimator);
  path.loss = 0.04;
  path.run(Duration{5'000'000});
  EXPECT_GE(estimator.loss_based_bps(), 2'000'000u);
}

TEST(BandwidthEstimatorTest, RembIsTheInputWithoutTransportCcAndACapWithIt) {
  auto estimator = estimator_starting_at(1'000'000);
  TimePoint now{Duration{1'000'000}};
  EXPECT_EQ(estimator.estimate_bps(), 1'000'000u);
  estimator.on_remb(400'000, now);
  EXPECT_EQ(estimator.estimate_bps(), 400'000u);
  estimator.on_remb(3'000'000, now);
  EXPECT_EQ(estimator.estimate_bps(), 3'000'000u);

  PathSimulation path(estimator);
  estimator.on_remb(250'000, PathSimulation::kStart);
  path.run(Duration{1'000'000});
  EXPECT_EQ(estimator.estimate_bps(), 250'000u);
}

TEST(BandwidthEstimatorTest, EstimateStaysWithinTheConfiguredRange) {
  BandwidthEstimator::Config config;
  config.initial_bps = 100'000;
  config.min_bps = 80'000;
  BandwidthEstimator estimator(config);
  PathSimulation path(estimator);
  path.loss = 0.9;
  path.run(Duration{5'000'000});
  EXPECT_EQ(estimator.estimate_bps(), 80'000u);
  estimator.on_remb(1, TimePoint{Duration{1}});
  EXPECT_EQ(estimator.estimate_bps(), 80'000u);
}

TEST(SentPacketHistoryTest, FindsWhatWasSentAndForgetsOverwrittenEntries) {
  SentPacketHistory history;
  TimePoint t{Duration{1'000'000}};
  EXPECT_EQ(history.find(1), nullptr);
  std::uint16_t first = history.next_sequence();
  history.on_sent(first, 1200, t);
  ASSERT_NE(history.find(first), nullptr);
  EXPECT_EQ(history.find(first)->size, 1200u);
  EXPECT_EQ(history.find(first)->sent_at, t);
  EXPECT_EQ(history.next_sequence(), first + 1);
  for (std::size_t i = 0; i < SentPacketHistory::kSize; ++i)
    history.on_sent(history.next_sequence(), 100, t);
  EXPECT_EQ(history.find(first), nullptr);  // its slot holds a newer packet
  // Sequence numbers wrap at 2^16.
  for (int i = 0; i < 70'000; ++i) history.on_sent(history.next_sequence(), 100, t);
  auto last = static_cast<std::uint16_t>(history.next_sequence() - 1);
  EXPECT_NE(history.find(last), nullptr);
}

}  // namespace
}  // namespace podium::sfu
