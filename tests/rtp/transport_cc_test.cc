#include "rtp/transport_cc.h"

#include <gtest/gtest.h>

#include <vector>

namespace podium::rtp {
namespace {

constexpr std::uint32_t kSender = 0x11223344;
constexpr std::uint32_t kMedia = 0x55667788;

// RTPFB FMT 15 around an FCI (base, count, reference time, fb count, chunks + deltas).
std::vector<std::uint8_t> feedback_packet(std::vector<std::uint8_t> fci) {
  while (fci.size() % 4) fci.push_back(0);
  std::vector<std::uint8_t> p = {0x8F, 205, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  p.insert(p.end(), fci.begin(), fci.end());
  store_u16(&p[2], static_cast<std::uint16_t>(p.size() / 4 - 1));
  return p;
}

std::optional<std::vector<TransportCcStatus>> read(Bytes bytes) {
  auto packet = RtcpPacket::parse(bytes);
  if (!packet) return std::nullopt;
  auto feedback = TransportCc::parse(*packet);
  if (!feedback) return std::nullopt;
  std::vector<TransportCcStatus> out;
  if (!read_transport_cc(*feedback, out)) return std::nullopt;
  return out;
}

// draft §3.1.3 example: a run of 221 "packet not received".
TEST(TransportCcTest, ReadsRunLengthChunkOfLosses) {
  auto bytes = feedback_packet({0x00, 0x10, 0x00, 221, 0, 0, 0, 7, 0x00, 0xDD});
  auto statuses = read(bytes);
  ASSERT_TRUE(statuses);
  ASSERT_EQ(statuses->size(), 221u);
  EXPECT_EQ(statuses->front().sequence, 0x10);
  EXPECT_EQ(statuses->back().sequence, 0x10 + 220);
  for (auto& s : *statuses) EXPECT_FALSE(s.received);
}

// draft §3.1.4 example: one-bit vector 1|0|01111100011100.
TEST(TransportCcTest, ReadsOneBitStatusVector) {
  std::vector<std::uint8_t> fci = {0x00, 0x01, 0x00, 14, 0, 0, 1, 0, 0x9F, 0x1C};
  for (std::uint8_t d = 1; d <= 8; ++d) fci.push_back(d);
  auto statuses = read(feedback_packet(fci));
  ASSERT_TRUE(statuses);
  ASSERT_EQ(statuses->size(), 14u);
  const bool expected[14] = {0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0};
  std::int64_t time = 64'000;  // reference time 1
  int delta = 1;
  for (std::size_t i = 0; i < 14; ++i) {
    EXPECT_EQ((*statuses)[i].received, expected[i]) << i;
    EXPECT_EQ((*statuses)[i].sequence, 1 + i);
    if (expected[i]) {
      time += 250 * delta++;
      EXPECT_EQ((*statuses)[i].receive_time_us, time) << i;
    }
  }
}

// Two-bit vector with a negative (large) delta: small, large, lost, small.
TEST(TransportCcTest, ReadsTwoBitStatusVectorWithNegativeDelta) {
  auto bytes = feedback_packet({0xFF, 0xFE, 0x00, 4, 0, 0, 2, 0, 0xD8, 0x40, 0x04, 0xFF, 0xFC, 0x08});
  auto statuses = read(bytes);
  ASSERT_TRUE(statuses);
  ASSERT_EQ(statuses->size(), 4u);
  EXPECT_EQ((*statuses)[0], (TransportCcStatus{0xFFFE, true, 129'000}));
  EXPECT_EQ((*statuses)[1], (TransportCcStatus{0xFFFF, true, 128'000}));
  EXPECT_EQ((*statuses)[2], (TransportCcStatus{0x0000, false, 0}));
  EXPECT_EQ((*statuses)[3], (TransportCcStatus{0x0001, true, 130'000}));
}

TEST(TransportCcTest, RejectsTruncatedReservedAndOversizedFeedback) {
  // One-bit vector announcing received packets but no deltas.
  std::vector<std::uint8_t> truncated = feedback_packet({0, 1, 0, 14, 0, 0, 1, 0, 0x9F, 0x1C});
  EXPECT_FALSE(read(truncated));
  // Run length of the reserved symbol 11.
  EXPECT_FALSE(read(feedback_packet({0, 1, 0, 3, 0, 0, 0, 0, 0x60, 0x03})));
  // Chunks missing altogether.
  EXPECT_FALSE(read(feedback_packet({0, 1, 0, 3, 0, 0, 0, 0})));
  // 65535 statuses claimed from a few run-length chunks.
  std::vector<std::uint8_t> huge = {0, 1, 0xFF, 0xFF, 0, 0, 0, 0};
  for (int i = 0; i < 9; ++i) huge.insert(huge.end(), {0x1F, 0xFF});
  EXPECT_FALSE(read(feedback_packet(huge)));
}

std::vector<TransportCcStatus> round_trip(std::uint16_t base, const std::vector<std::int64_t>& arrivals,
                                          std::size_t* packets = nullptr,
                                          std::vector<std::uint8_t>* wire = nullptr) {
  std::uint8_t buffer[1500];
  auto written = write_transport_cc(buffer, sizeof buffer, kSender, kMedia, base, 3, arrivals);
  EXPECT_GT(written.length, 0u);
  EXPECT_EQ(written.length % 4, 0u);
  if (packets) *packets = written.packets;
  if (wire) wire->assign(buffer, buffer + written.length);
  auto statuses = read(Bytes(buffer, written.length));
  EXPECT_TRUE(statuses);
  return statuses.value_or(std::vector<TransportCcStatus>{});
}

TEST(TransportCcTest, WritesRunLengthForSteadyArrivals) {
  std::vector<std::int64_t> arrivals;
  for (int i = 0; i < 100; ++i) arrivals.push_back(1'000'000 + i * 5'000);
  std::vector<std::uint8_t> wire;
  auto statuses = round_trip(500, arrivals, nullptr, &wire);
  ASSERT_EQ(statuses.size(), 100u);
  // 1'000'000 µs is reference 15 (960 ms); the first delta is 40 ms = 160 ticks.
  EXPECT_EQ(load_u24(&wire[16]), 15u);
  EXPECT_EQ(wire[19], 3);
  EXPECT_EQ(load_u16(&wire[20]), 0x2000 | 100);  // one run of "small delta"
  EXPECT_EQ(wire[22], 160);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(statuses[i].sequence, 500 + i);
    EXPECT_TRUE(statuses[i].received);
    EXPECT_EQ(statuses[i].receive_time_us, arrivals[i]);
  }
}

TEST(TransportCcTest, WritesOneBitVectorMatchingTheDraftExample) {
  // The draft's 1-bit example without its two trailing losses (those wait for later).
  const bool pattern[12] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1};
  std::vector<std::int64_t> arrivals;
  for (int i = 0; i < 12; ++i) arrivals.push_back(pattern[i] ? 64'000 * 10 + i * 1'000 : kNotReceived);
  std::vector<std::uint8_t> wire;
  auto statuses = round_trip(7, arrivals, nullptr, &wire);
  EXPECT_EQ(load_u16(&wire[14]), 12);
  EXPECT_EQ(load_u16(&wire[20]), 0xBF1C);  // 1|0|11111100011100
  ASSERT_EQ(statuses.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(statuses[i].received, pattern[i]);
    if (pattern[i]) {
      EXPECT_EQ(statuses[i].receive_time_us, arrivals[i]);
    }
  }
}

TEST(TransportCcTest, WritesTwoBitVectorForLargeAndNegativeDeltas) {
  std::vector<std::int64_t> arrivals = {2'000'000, 2'100'000, 2'050'000, kNotReceived, 2'050'250};
  std::vector<std::uint8_t> wire;
  auto statuses = round_trip(0xFFFD, arrivals, nullptr, &wire);  // wraps to 0x0001
  EXPECT_EQ(load_u16(&wire[20]) & 0xC000, 0xC000);
  ASSERT_EQ(statuses.size(), 5u);
  const std::uint16_t sequences[] = {0xFFFD, 0xFFFE, 0xFFFF, 0x0000, 0x0001};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(statuses[i].sequence, sequences[i]);
    EXPECT_EQ(statuses[i].received, arrivals[i] != kNotReceived);
    if (statuses[i].received) {
      EXPECT_EQ(statuses[i].receive_time_us, arrivals[i]);
    }
  }
}

TEST(TransportCcTest, EndsThePacketWhereADeltaDoesNotFitSixteenBits) {
  // 9 s between two arrivals is more than 32767 ticks of 250 µs.
  std::vector<std::int64_t> arrivals = {1'000'000, 1'001'000, 10'001'000, 10'002'000};
  std::size_t packets = 0;
  auto statuses = round_trip(1, arrivals, &packets);
  EXPECT_EQ(packets, 2u);
  EXPECT_EQ(statuses.size(), 2u);
  // The rest starts a packet of its own.
  auto rest = round_trip(3, {arrivals[2], arrivals[3]}, &packets);
  EXPECT_EQ(packets, 2u);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1].receive_time_us - rest[0].receive_time_us, 1'000);
}

TEST(TransportCcTest, WriterHonoursCapacity) {
  std::vector<std::int64_t> arrivals;
  for (int i = 0; i < 400; ++i) arrivals.push_back(i % 2 ? kNotReceived : 1'000'000 + i * 300'000 / 7);
  std::uint8_t buffer[64];
  auto written = write_transport_cc(buffer, sizeof buffer, kSender, kMedia, 0, 0, arrivals);
  EXPECT_GT(written.packets, 0u);
  EXPECT_LT(written.packets, 400u);
  EXPECT_LE(written.length, sizeof buffer);
  EXPECT_TRUE(read(Bytes(buffer, written.length)));
}

TEST(TransportCcTest, RecorderReportsArrivalsAndLossesAcrossTheWrap) {
  TransportCcRecorder recorder;
  TimePoint t0{Duration{5'000'000}};
  std::vector<std::uint16_t> sent;
  for (std::uint16_t s = 65530;; ++s) {
    if (s != 65534 && s != 2) recorder.on_packet(s, t0 + Duration{(s + 6) % 65536 * 2'000});
    sent.push_back(s);
    if (s == 5) break;
  }
  std::uint8_t buffer[1500];
  std::size_t length = recorder.write_feedback(buffer, sizeof buffer, kSender, kMedia);
  ASSERT_GT(length, 0u);
  auto statuses = read(Bytes(buffer, length));
  ASSERT_TRUE(statuses);
  ASSERT_EQ(statuses->size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ((*statuses)[i].sequence, sent[i]);
    EXPECT_EQ((*statuses)[i].received, sent[i] != 65534 && sent[i] != 2) << sent[i];
  }
  EXPECT_EQ((*statuses)[1].receive_time_us - (*statuses)[0].receive_time_us, 2'000);
  EXPECT_FALSE(recorder.has_pending());
  EXPECT_EQ(recorder.write_feedback(buffer, sizeof buffer, kSender, kMedia), 0u);

  // The next feedback starts after the last one and counts up.
  recorder.on_packet(6, t0 + Duration{40'000});
  length = recorder.write_feedback(buffer, sizeof buffer, kSender, kMedia);
  ASSERT_GT(length, 0u);
  EXPECT_EQ(buffer[19], 1);
  statuses = read(Bytes(buffer, length));
  ASSERT_TRUE(statuses);
  ASSERT_EQ(statuses->size(), 1u);
  EXPECT_EQ(statuses->front().sequence, 6);
}

TEST(TransportCcTest, RecorderGivesUpWhatFellOutOfItsWindow) {
  TransportCcRecorder recorder;
  TimePoint t{Duration{1'000'000}};
  recorder.on_packet(100, t);
  recorder.on_packet(100 + 5000, t + Duration{1'000});  // far ahead: the ring moves on
  std::uint8_t buffer[1500];
  std::size_t length = recorder.write_feedback(buffer, sizeof buffer, kSender, kMedia);
  ASSERT_GT(length, 0u);
  auto statuses = read(Bytes(buffer, length));
  ASSERT_TRUE(statuses);
  EXPECT_LE(statuses->size(), TransportCcRecorder::kWindow);
  EXPECT_EQ(statuses->back().sequence, 5100);
  EXPECT_TRUE(statuses->back().received);
}

}  // namespace
}  // namespace podium::rtp
