#include "sfu/playout_delay.h"

#include <gtest/gtest.h>

namespace podium::sfu {
namespace {

constexpr TimePoint kStart{Duration{10'000'000}};
constexpr Duration kMs{1'000};
constexpr Duration kMargin{10'000};

TEST(RepairWindow, AStrayRepairAsksNothingRecurringOnesAskTheLongest) {
  RepairWindow window;
  EXPECT_FALSE(window.need(kStart, Duration{100'000}, kMargin));
  window.on_repair(90 * kMs, kStart);
  EXPECT_FALSE(window.need(kStart, Duration{100'000}, kMargin)) << "one stray drop";
  window.on_repair(140 * kMs, kStart + 300 * kMs);
  EXPECT_EQ(window.need(kStart + 400 * kMs, std::nullopt, kMargin), 140 * kMs);
}

TEST(RepairWindow, FrequentRepairsAllowForASecondRoundTrip) {
  RepairWindow window;
  for (int i = 0; i < RepairWindow::kFrequentRepairs; ++i) window.on_repair(100 * kMs, kStart + i * 100 * kMs);
  // Every repair took one round (100 ms); a lost NACK or retransmission would take two.
  EXPECT_EQ(window.need(kStart + kMs * 500, Duration{90'000}, kMargin), 200 * kMs);
  // Without a measured round trip, what was seen.
  EXPECT_EQ(window.need(kStart + kMs * 500, std::nullopt, kMargin), 100 * kMs);
}

TEST(RepairWindow, ForgetsRepairsAfterTwoBuckets) {
  RepairWindow window;
  window.on_repair(100 * kMs, kStart);
  window.on_repair(100 * kMs, kStart + kMs);
  // Still counted in the next bucket ...
  window.on_repair(30 * kMs, kStart + RepairWindow::kBucket + kMs);
  EXPECT_EQ(window.need(kStart + RepairWindow::kBucket + 2 * kMs, std::nullopt, kMargin), 100 * kMs);
  // ... forgotten in the one after; the later repair alone is a stray one.
  EXPECT_FALSE(window.need(kStart + 2 * RepairWindow::kBucket + 2 * kMs, std::nullopt, kMargin));
  EXPECT_FALSE(window.need(kStart + 4 * RepairWindow::kBucket, std::nullopt, kMargin));
}

TEST(PlayoutDelayControl, SendsNothingOnACleanPath) {
  PlayoutDelayControl control;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(control.on_packet(std::nullopt, 50 * kMs, kStart + i * 10 * kMs));
  EXPECT_EQ(control.current(), Duration{0});
}

TEST(PlayoutDelayControl, RaisesAtOnceCarriesTheValueASecondLowersSlowly) {
  PlayoutDelayControl control;
  bool changed = false;
  // Upstream 200 ms + the subscriber's own 60 ms round trip.
  auto first = control.on_packet(200 * kMs, 60 * kMs, kStart, &changed);
  ASSERT_TRUE(first);
  EXPECT_TRUE(changed);
  EXPECT_EQ(first->min_10ms, 26);
  EXPECT_EQ(first->max_10ms, PlayoutDelayControl::kMax10ms);
  // Carried on every packet for kRepeat, then not: the receiver keeps the last value.
  EXPECT_TRUE(control.on_packet(200 * kMs, 60 * kMs, kStart + 900 * kMs, &changed));
  EXPECT_FALSE(changed);
  EXPECT_FALSE(control.on_packet(200 * kMs, 60 * kMs, kStart + PlayoutDelayControl::kRepeat));
  // Small moves change nothing (no churn).
  EXPECT_FALSE(control.on_packet(210 * kMs, 60 * kMs, kStart + 2'000 * kMs, &changed));
  EXPECT_FALSE(changed);
  // A larger need raises it at once.
  auto raised = control.on_packet(300 * kMs, 60 * kMs, kStart + 3'000 * kMs, &changed);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->min_10ms, 36);
  // The repairs stop: the delay is kept for kHold after the last change, then lowered to 0
  // (sent for kRepeat so the receiver goes back to its own choice).
  TimePoint later = kStart + 3'000 * kMs + PlayoutDelayControl::kHold - kMs;
  EXPECT_FALSE(control.on_packet(std::nullopt, 60 * kMs, later, &changed));
  EXPECT_EQ(control.current(), 360 * kMs);
  auto lowered = control.on_packet(std::nullopt, 60 * kMs, later + kMs, &changed);
  ASSERT_TRUE(lowered);
  EXPECT_TRUE(changed);
  EXPECT_EQ(lowered->min_10ms, 0);
  EXPECT_EQ(lowered->max_10ms, PlayoutDelayControl::kMax10ms);
  EXPECT_FALSE(control.on_packet(std::nullopt, 60 * kMs, later + kMs + PlayoutDelayControl::kRepeat));
}

TEST(PlayoutDelayControl, NeverAsksMoreThanTheCap) {
  PlayoutDelayControl control;
  auto delay = control.on_packet(2'000 * kMs, 300 * kMs, kStart);
  ASSERT_TRUE(delay);
  EXPECT_EQ(delay->min_10ms * Duration{10'000}, PlayoutDelayControl::kCap);
}

}  // namespace
}  // namespace podium::sfu
