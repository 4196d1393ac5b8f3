#include "srtp/replay_window.h"

#include <gtest/gtest.h>

namespace podium::srtp {
namespace {

TEST(EstimateIndexTest, FollowsRfc3711Section331) {
  // Until the stream passes 2^15 the ROC is 0, whatever the first sequence number.
  EXPECT_EQ(estimate_index(0, 60000), 60000u);
  EXPECT_EQ(estimate_index(100, 65000), 65000u);
  // Ahead across the wrap: ROC + 1.
  EXPECT_EQ(estimate_index(65530, 3), (1ull << 16) | 3);
  // Late from before the wrap: ROC - 1.
  EXPECT_EQ(estimate_index((1ull << 16) | 3, 65530), 65530u);
  // Plain neighbours keep the ROC.
  EXPECT_EQ(estimate_index((5ull << 16) | 40000, 40100), (5ull << 16) | 40100);
  EXPECT_EQ(estimate_index((5ull << 16) | 100, 50), (5ull << 16) | 50);
}

TEST(ReplayWindowTest, AcceptsEachIndexOnceWithinTheWindow) {
  ReplayWindow<128> window;
  EXPECT_TRUE(window.accepts(0));
  window.accept(0);
  EXPECT_EQ(window.check(0), ReplayWindow<128>::Verdict::kSeen);
  window.accept(10);
  EXPECT_EQ(window.check(5), ReplayWindow<128>::Verdict::kInWindow);
  window.accept(5);
  EXPECT_EQ(window.check(5), ReplayWindow<128>::Verdict::kSeen);
  EXPECT_EQ(window.check(10), ReplayWindow<128>::Verdict::kSeen);
  window.accept(200);
  EXPECT_EQ(window.check(72), ReplayWindow<128>::Verdict::kTooOld);
  EXPECT_EQ(window.check(73), ReplayWindow<128>::Verdict::kInWindow);
  EXPECT_EQ(window.check(201), ReplayWindow<128>::Verdict::kNew);
}

TEST(ReplayWindowTest, ShiftKeepsSeenBitsAcrossWords) {
  ReplayWindow<1024> window;
  for (std::uint64_t i = 1000; i < 1100; i += 3) window.accept(i);
  window.accept(1100 + 70);  // shift by 70: a word and some bits
  for (std::uint64_t i = 1000; i < 1100; ++i) {
    EXPECT_EQ(window.accepts(i), (i - 1000) % 3 != 0) << i;
  }
  window.accept(1000 + 1024);  // 1000 is now just out of the window
  EXPECT_EQ(window.check(1000), ReplayWindow<1024>::Verdict::kTooOld);
  EXPECT_EQ(window.check(1003), ReplayWindow<1024>::Verdict::kSeen);
  EXPECT_EQ(window.check(1004), ReplayWindow<1024>::Verdict::kInWindow);
  window.accept(100000);
  EXPECT_EQ(window.check(99999), ReplayWindow<1024>::Verdict::kInWindow);
}

}  // namespace
}  // namespace podium::srtp
