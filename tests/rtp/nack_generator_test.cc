#include "rtp/nack_generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podium::rtp {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Reception = NackGenerator::Reception;

const TimePoint kStart{Duration{5'000'000}};
constexpr Duration kMs{1000};

std::vector<std::uint16_t> collect(NackGenerator& nack, TimePoint now) {
  std::vector<std::uint16_t> out;
  nack.collect(now, out);
  return out;
}

TEST(NackGenerator, InOrderPacketsNeedNoNack) {
  NackGenerator nack;
  for (std::uint16_t s = 100; s < 120; ++s) EXPECT_EQ(nack.on_packet(s, kStart), Reception::kInOrder);
  EXPECT_THAT(collect(nack, kStart), IsEmpty());
}

TEST(NackGenerator, AGapIsNackedAtOnceAndRecoveryStopsIt) {
  NackGenerator nack;
  nack.on_packet(10, kStart);
  EXPECT_EQ(nack.on_packet(14, kStart), Reception::kInOrder);
  EXPECT_THAT(collect(nack, kStart), ElementsAre(11, 12, 13));
  EXPECT_THAT(collect(nack, kStart + 5 * kMs), IsEmpty()) << "not again before the retry interval";
  EXPECT_EQ(nack.on_packet(12, kStart + 10 * kMs), Reception::kRecovered);
  EXPECT_EQ(nack.on_packet(12, kStart + 10 * kMs), Reception::kDuplicate);
  EXPECT_EQ(nack.on_packet(10, kStart + 10 * kMs), Reception::kDuplicate);
  EXPECT_THAT(collect(nack, kStart + 30 * kMs), ElementsAre(11, 13));
}

TEST(NackGenerator, GapAcrossTheWrap) {
  NackGenerator nack;
  nack.on_packet(65534, kStart);
  nack.on_packet(2, kStart);
  EXPECT_THAT(collect(nack, kStart), ElementsAre(65535, 0, 1));
  EXPECT_EQ(nack.on_packet(0, kStart), Reception::kRecovered);
  EXPECT_EQ(nack.missing_count(), 2u);
}

TEST(NackGenerator, RetriesFollowTheRoundTripTimeAndGiveUpAfterMaxRetries) {
  NackGenerator nack;
  nack.set_round_trip_time(Duration{50'000});
  EXPECT_EQ(nack.retry_interval(), Duration{50'000});
  nack.on_packet(1, kStart);
  nack.on_packet(3, kStart);
  int sent = 0;
  TimePoint now = kStart;
  for (int i = 0; i < 40; ++i, now += 25 * kMs) sent += static_cast<int>(collect(nack, now).size());
  EXPECT_EQ(sent, NackGenerator::kMaxRetries);
  EXPECT_EQ(nack.missing_count(), 0u);
  EXPECT_EQ(nack.given_up(), 1u);
}

TEST(NackGenerator, OnALongPathTheFirstNackIsEchoedOnceSoALostNackCostsLittle) {
  NackGenerator nack;
  nack.set_round_trip_time(Duration{100'000});
  nack.on_packet(1, kStart);
  nack.on_packet(3, kStart);
  EXPECT_THAT(collect(nack, kStart), ElementsAre(2));
  EXPECT_THAT(collect(nack, kStart + 10 * kMs), IsEmpty()) << "not before the echo delay";
  EXPECT_THAT(collect(nack, kStart + 20 * kMs), ElementsAre(2)) << "the echo";
  EXPECT_THAT(collect(nack, kStart + 40 * kMs), IsEmpty()) << "once";
  EXPECT_THAT(collect(nack, kStart + 100 * kMs), ElementsAre(2)) << "the retry, a round trip after the first";
  EXPECT_THAT(collect(nack, kStart + 130 * kMs), IsEmpty()) << "retries are not echoed";
  EXPECT_THAT(collect(nack, kStart + 200 * kMs), ElementsAre(2));
}

TEST(NackGenerator, OnAShortPathNothingIsEchoed) {
  NackGenerator nack;
  nack.set_round_trip_time(Duration{40'000});
  nack.on_packet(1, kStart);
  nack.on_packet(3, kStart);
  EXPECT_THAT(collect(nack, kStart), ElementsAre(2));
  EXPECT_THAT(collect(nack, kStart + 20 * kMs), IsEmpty());
  EXPECT_THAT(collect(nack, kStart + 40 * kMs), ElementsAre(2));
}

TEST(NackGenerator, GivesUpOnPacketsOlderThanMaxAge) {
  NackGenerator nack;
  nack.set_round_trip_time(Duration{200'000});
  nack.on_packet(1, kStart);
  nack.on_packet(3, kStart);
  EXPECT_THAT(collect(nack, kStart), ElementsAre(2));
  EXPECT_THAT(collect(nack, kStart + NackGenerator::kMaxAge + kMs), IsEmpty());
  EXPECT_EQ(nack.given_up(), 1u);
  EXPECT_EQ(nack.on_packet(2, kStart + 2 * NackGenerator::kMaxAge), Reception::kDuplicate);
}

TEST(NackGenerator, HugeGapSuggestsAKeyframeInsteadOfNacks) {
  NackGenerator nack;
  nack.on_packet(1, kStart);
  nack.on_packet(3, kStart);
  EXPECT_EQ(nack.on_packet(static_cast<std::uint16_t>(3 + NackGenerator::kMaxMissing + 2), kStart),
            Reception::kKeyframeNeeded);
  EXPECT_EQ(nack.missing_count(), 0u);
  EXPECT_THAT(collect(nack, kStart), IsEmpty());
}

TEST(NackGenerator, RetryIntervalIsClamped) {
  NackGenerator nack;
  nack.set_round_trip_time(Duration{1});
  EXPECT_EQ(nack.retry_interval(), NackGenerator::kMinRetryInterval);
  nack.set_round_trip_time(Duration{10'000'000});
  EXPECT_EQ(nack.retry_interval(), NackGenerator::kMaxRetryInterval);
}

}  // namespace
}  // namespace podium::rtp
