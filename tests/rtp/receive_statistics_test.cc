#include "rtp/receive_statistics.h"

#include <gtest/gtest.h>

namespace podium::rtp {
namespace {

using std::chrono::milliseconds;

const TimePoint kStart{Duration{10'000'000}};

TEST(ReceiveStatistics, ProbationNeedsTwoSequentialPackets) {
  ReceiveStatistics stats(1, 90000);
  EXPECT_FALSE(stats.on_packet(10, 0, kStart));
  EXPECT_FALSE(stats.valid());
  EXPECT_EQ(stats.report_block(kStart).extended_highest_sequence, 0u);
  EXPECT_TRUE(stats.on_packet(11, 0, kStart));
  EXPECT_TRUE(stats.valid());
  // RFC 3550 A.1: the source counts from the packet that ended probation.
  EXPECT_EQ(stats.packets_received(), 1u);
  EXPECT_EQ(stats.cumulative_lost(), 0);
}

TEST(ReceiveStatistics, ProbationRestartsOnGap) {
  ReceiveStatistics stats(1, 90000);
  EXPECT_FALSE(stats.on_packet(10, 0, kStart));
  EXPECT_FALSE(stats.on_packet(20, 0, kStart));  // not sequential: probation again
  EXPECT_TRUE(stats.on_packet(21, 0, kStart));
  EXPECT_EQ(stats.extended_highest_sequence(), 21u);
}

TEST(ReceiveStatistics, LossAndFractionPerInterval) {
  ReceiveStatistics stats(0xABC, 90000, 0);
  for (std::uint16_t seq = 0; seq < 20; ++seq) {
    if (seq == 10 || seq == 11) continue;
    EXPECT_TRUE(stats.on_packet(seq, seq * 3000u, kStart + milliseconds(seq * 33)));
  }
  ReportBlock first = stats.report_block(kStart + milliseconds(700));
  EXPECT_EQ(first.ssrc, 0xABCu);
  EXPECT_EQ(first.extended_highest_sequence, 19u);
  EXPECT_EQ(first.cumulative_lost, 2);
  // RFC 3550 A.3: (lost << 8) / expected = 512 / 20.
  EXPECT_EQ(first.fraction_lost, 25);

  for (std::uint16_t seq = 20; seq < 30; ++seq) stats.on_packet(seq, seq * 3000u, kStart);
  ReportBlock second = stats.report_block(kStart + milliseconds(1400));
  EXPECT_EQ(second.fraction_lost, 0);
  EXPECT_EQ(second.cumulative_lost, 2);

  // A retransmission of 10 arrives late: lost count drops, the interval shows no loss.
  stats.on_packet(10, 30000, kStart);
  ReportBlock third = stats.report_block(kStart);
  EXPECT_EQ(third.cumulative_lost, 1);
  EXPECT_EQ(third.fraction_lost, 0);
}

TEST(ReceiveStatistics, WrapExtendsHighestSequence) {
  ReceiveStatistics stats(1, 90000, 0);
  for (std::uint32_t i = 0; i < 12; ++i)
    stats.on_packet(static_cast<std::uint16_t>(65530 + i), 0, kStart);
  EXPECT_EQ(stats.extended_highest_sequence(), 65536u + 5);
  EXPECT_EQ(stats.packets_received(), 12u);
  EXPECT_EQ(stats.cumulative_lost(), 0);
}

TEST(ReceiveStatistics, DuplicatesMakeLossNegative) {
  ReceiveStatistics stats(1, 90000, 0);
  stats.on_packet(1, 0, kStart);
  stats.on_packet(2, 0, kStart);
  stats.on_packet(3, 0, kStart);
  stats.on_packet(3, 0, kStart);
  EXPECT_EQ(stats.cumulative_lost(), -1);
  EXPECT_EQ(stats.report_block(kStart).cumulative_lost, -1);
}

TEST(ReceiveStatistics, LargeJumpResyncsAfterTwoSequential) {
  ReceiveStatistics stats(1, 90000, 0);
  for (std::uint16_t seq = 1000; seq < 1010; ++seq) stats.on_packet(seq, 0, kStart);
  EXPECT_FALSE(stats.on_packet(30000, 0, kStart));  // A.1: a jump, not counted yet
  EXPECT_EQ(stats.extended_highest_sequence(), 1009u);
  EXPECT_TRUE(stats.on_packet(30001, 0, kStart));  // sequential with it: the source restarted
  EXPECT_EQ(stats.extended_highest_sequence(), 30001u);
  EXPECT_EQ(stats.packets_received(), 1u);
  EXPECT_EQ(stats.cumulative_lost(), 0);
  // A small backwards step (reordering) is counted without moving the maximum.
  EXPECT_TRUE(stats.on_packet(29990, 0, kStart));
  EXPECT_EQ(stats.extended_highest_sequence(), 30001u);
}

TEST(ReceiveStatistics, JitterFromSyntheticArrivals) {
  // 8 kHz clock, a packet every 20 ms (160 ticks).
  ReceiveStatistics stats(1, 8000, 0);
  TimePoint t = kStart;
  std::uint32_t ts = 5000;
  for (std::uint16_t seq = 0; seq < 50; ++seq) {
    stats.on_packet(seq, ts, t);
    t += milliseconds(20);
    ts += 160;
  }
  EXPECT_EQ(stats.jitter(), 0u);

  // One packet 20 ms late: D = 160 ticks, J = 0 + (160 - 0) / 16 = 10 (RFC 3550 A.8).
  stats.on_packet(50, ts, t + milliseconds(20));
  EXPECT_EQ(stats.jitter(), 10u);

  // Arrivals alternating 0 and 10 ms late (|D| = 80 each time) converge to 80.
  ReceiveStatistics alternating(2, 8000, 0);
  t = kStart;
  ts = 0;
  for (std::uint16_t seq = 0; seq < 400; ++seq) {
    alternating.on_packet(seq, ts, t + milliseconds(seq % 2 ? 10 : 0));
    t += milliseconds(20);
    ts += 160;
  }
  EXPECT_NEAR(alternating.jitter(), 80.0, 1.0);
  EXPECT_EQ(alternating.report_block(t).jitter, alternating.jitter());
}

TEST(ReceiveStatistics, ReorderedPacketDoesNotAddJitter) {
  ReceiveStatistics stats(1, 90000, 0);
  TimePoint t = kStart;
  for (std::uint16_t seq = 0; seq < 10; ++seq) {
    stats.on_packet(seq, seq * 9000u, t);
    t += milliseconds(100);
  }
  ASSERT_EQ(stats.jitter(), 0u);
  stats.on_packet(5, 5 * 9000u, t + milliseconds(500));  // a retransmission
  EXPECT_EQ(stats.jitter(), 0u);
}

TEST(ReceiveStatistics, LastSrAndDelay) {
  ReceiveStatistics stats(1, 90000, 0);
  stats.on_packet(1, 0, kStart);
  ReportBlock none = stats.report_block(kStart);
  EXPECT_EQ(none.last_sr, 0u);
  EXPECT_EQ(none.delay_since_last_sr, 0u);

  stats.on_sender_report(0x1122334455667788ull, kStart);
  ReportBlock block = stats.report_block(kStart + milliseconds(500));
  // RFC 3550 §6.4.1: middle 32 bits; delay in 1/65536 s.
  EXPECT_EQ(block.last_sr, 0x33445566u);
  EXPECT_EQ(block.delay_since_last_sr, 32768u);
}

TEST(SenderStatistics, CountsAndExtrapolatesRtpTimestamp) {
  SenderStatistics stats(90000);
  EXPECT_FALSE(stats.rtp_timestamp_at(kStart));
  stats.on_packet_sent(1000, 1200, kStart);
  stats.on_packet_sent(1000, 800, kStart + milliseconds(1));
  EXPECT_EQ(stats.packet_count(), 2u);
  EXPECT_EQ(stats.octet_count(), 2000u);
  EXPECT_EQ(stats.last_rtp_timestamp(), 1000u);
  EXPECT_EQ(stats.rtp_timestamp_at(kStart + milliseconds(101)), 1000u + 9000);

  SenderStatistics wrapping(48000);
  wrapping.on_packet_sent(0xFFFFFF00u, 100, kStart);
  EXPECT_EQ(wrapping.rtp_timestamp_at(kStart + milliseconds(10)), 0xFFFFFF00u + 480u);
}

}  // namespace
}  // namespace podium::rtp
