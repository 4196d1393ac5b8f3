#include "rtp/sequence_unwrapper.h"

#include <gtest/gtest.h>

namespace podium::rtp {
namespace {

TEST(SequenceUnwrapper, ForwardAcrossWrap) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(65534), 65534);
  EXPECT_EQ(u.unwrap(65535), 65535);
  EXPECT_EQ(u.unwrap(0), 65536);
  EXPECT_EQ(u.unwrap(5), 65541);
  // Late packet from before the wrap stays before it.
  EXPECT_EQ(u.unwrap(65530), 65530);
  EXPECT_EQ(u.unwrap(10), 65546);
}

TEST(SequenceUnwrapper, BackwardsBeforeFirstGoesNegative) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(0), 0);
  EXPECT_EQ(u.unwrap(65535), -1);
  EXPECT_EQ(u.peek(1), 1);
  EXPECT_EQ(u.last(), -1);
}

TEST(SequenceUnwrapper, ManyWraps) {
  SequenceUnwrapper u;
  std::int64_t expected = 1000;
  u.unwrap(1000);
  for (int i = 0; i < 5 * 65536 / 1000; ++i) {
    expected += 1000;
    EXPECT_EQ(u.unwrap(static_cast<std::uint16_t>(expected)), expected);
  }
}

TEST(TimestampUnwrapper, Wraps32Bits) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.unwrap(0xFFFFFF00u), 0xFFFFFF00ll);
  EXPECT_EQ(u.unwrap(0x00000100u), 0x100000100ll);
}

}  // namespace
}  // namespace podium::rtp
