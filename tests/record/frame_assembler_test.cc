#include "record/frame_assembler.h"

#include <gtest/gtest.h>

#include <vector>

namespace podium::record {
namespace {

// A VP8 RTP payload: descriptor (RFC 7741 §4.2, S bit on a frame's first packet) and a
// body whose first byte is the frame tag (RFC 6386 §9.1: bit 0 clear on a key frame).
std::vector<std::uint8_t> vp8(bool start, bool key, std::uint8_t fill) {
  std::vector<std::uint8_t> payload = {static_cast<std::uint8_t>(start ? 0x10 : 0x00)};
  if (start) {
    // Key frame: tag, start code 9d 01 2a, width 320, height 240.
    if (key) {
      payload.insert(payload.end(), {0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00});
    } else {
      payload.insert(payload.end(), {0x01, 0x00, 0x00});
    }
  }
  payload.insert(payload.end(), 20, fill);
  return payload;
}

struct Sent {
  std::uint16_t seq;
  std::uint32_t ts;
  bool marker;
  std::vector<std::uint8_t> payload;
};

// Frame n (n >= 0) of three packets, key when `key`.
std::vector<Sent> frame(std::uint16_t first_seq, std::uint32_t ts, bool key, std::uint8_t fill) {
  return {{first_seq, ts, false, vp8(true, key, fill)},
          {static_cast<std::uint16_t>(first_seq + 1), ts, false, vp8(false, key, fill)},
          {static_cast<std::uint16_t>(first_seq + 2), ts, true, vp8(false, key, fill)}};
}

class FrameAssemblerTest : public ::testing::Test {
 protected:
  void push(const Sent& p, std::int64_t at_ms, std::uint32_t ssrc = 1) {
    assembler.push(ssrc, p.seq, p.ts, p.marker, p.payload, at_ms, out);
  }
  void push_all(const std::vector<Sent>& packets, std::int64_t at_ms, std::uint32_t ssrc = 1) {
    for (const auto& p : packets) push(p, at_ms, ssrc);
  }
  FrameAssembler assembler{rtp::Codec::kVp8};
  std::vector<AssembledFrame> out;
};

TEST_F(FrameAssemblerTest, AssemblesAFrameFromItsPacketsWithoutTheDescriptors) {
  push_all(frame(100, 9000, true, 0xaa), 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].keyframe);
  EXPECT_EQ(out[0].width, 320);
  EXPECT_EQ(out[0].height, 240);
  // 10 bytes of key frame header + 3 × 20 bytes; no descriptor byte left in.
  EXPECT_EQ(out[0].data.size(), 70u);
  EXPECT_EQ(out[0].data[3], 0x9d);
  EXPECT_EQ(out[0].rtp_timestamp, 9000);
}

TEST_F(FrameAssemblerTest, ReordersPacketsWithinAFrameAndAcrossFrames) {
  auto a = frame(100, 9000, true, 1);
  auto b = frame(103, 12000, false, 2);
  push(a[0], 0);
  push(a[2], 0);
  push(b[0], 1);
  EXPECT_TRUE(out.empty());  // a[1] still missing
  push(a[1], 2);
  push(b[2], 3);
  push(b[1], 3);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rtp_timestamp, 9000);
  EXPECT_EQ(out[1].rtp_timestamp, 12000);
  EXPECT_EQ(out[1].data[0], 0x01);  // the delta frame's tag, first
}

TEST_F(FrameAssemblerTest, WaitsForAKeyframeBeforeTheFirstFrame) {
  EXPECT_TRUE(assembler.take_keyframe_request());
  push_all(frame(10, 3000, false, 1), 0);
  EXPECT_TRUE(out.empty());
  push_all(frame(13, 6000, true, 2), 10);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].keyframe);
}

TEST_F(FrameAssemblerTest, ALostPacketDropsItsFrameAndWhatFollowsUntilTheNextKeyframe) {
  push_all(frame(100, 3000, true, 1), 0);
  ASSERT_EQ(out.size(), 1u);
  assembler.take_keyframe_request();
  auto lossy = frame(103, 6000, false, 2);
  push(lossy[0], 10);
  push(lossy[2], 10);  // lossy[1] never comes
  push_all(frame(106, 9000, false, 3), 20);
  EXPECT_EQ(out.size(), 1u);  // waiting for the retransmission
  // Past the wait, the gap is given up: both delta frames are useless now.
  push_all(frame(109, 12000, false, 4), 10 + FrameAssembler::kMaxWaitMs + 1);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(assembler.take_keyframe_request());
  push_all(frame(112, 15000, true, 5), 400);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].rtp_timestamp, 15000);
  EXPECT_GE(assembler.stats().packets_lost, 1u);
  EXPECT_GE(assembler.stats().frames_dropped, 2u);
}

TEST_F(FrameAssemblerTest, ALateRetransmissionFillsTheGapInTime) {
  push_all(frame(100, 3000, true, 1), 0);
  auto b = frame(103, 6000, false, 2);
  push(b[0], 10);
  push(b[2], 10);
  push(b[1], 10 + FrameAssembler::kMaxWaitMs - 50);  // RTX before the deadline
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].rtp_timestamp, 6000);
}

TEST_F(FrameAssemblerTest, ANewSsrcStartsANewEpochAtItsKeyframe) {
  push_all(frame(100, 3000, true, 1), 0);
  push_all(frame(5000, 777000, false, 2), 10, /*ssrc=*/2);
  EXPECT_EQ(out.size(), 1u);
  push_all(frame(5003, 780000, true, 3), 20, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].epoch, out[1].epoch);
  EXPECT_EQ(out[1].rtp_timestamp, 780000);
}

TEST_F(FrameAssemblerTest, APauseStartsANewEpoch) {
  push_all(frame(100, 3000, true, 1), 0);
  push_all(frame(103, 6000, true, 2), FrameAssembler::kSilenceResetsMs + 100);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].epoch, out[1].epoch);
  EXPECT_EQ(out[1].arrival_ms, FrameAssembler::kSilenceResetsMs + 100);
}

TEST_F(FrameAssemblerTest, DuplicatesAndLatePacketsAreIgnored) {
  auto a = frame(100, 3000, true, 1);
  push_all(a, 0);
  push_all(a, 1);
  EXPECT_EQ(out.size(), 1u);
}

TEST_F(FrameAssemblerTest, SequenceNumbersWrap) {
  push_all(frame(65534, 3000, true, 1), 0);  // 65534, 65535, 0
  push_all(frame(1, 6000, false, 2), 1);
  ASSERT_EQ(out.size(), 2u);
}

TEST_F(FrameAssemblerTest, FlushEmitsWhatIsCompleteAndDropsTheRest) {
  push_all(frame(100, 3000, true, 1), 0);
  auto b = frame(103, 6000, false, 2);
  push(b[0], 1);
  assembler.flush(out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(FrameAssemblerOpusTest, EveryPacketIsAFrameInSequenceOrder) {
  FrameAssembler opus{rtp::Codec::kOpus};
  std::vector<AssembledFrame> out;
  std::vector<std::uint8_t> p1 = {1, 2, 3}, p2 = {4, 5}, p3 = {6};
  opus.push(7, 10, 0, true, p1, 0, out);
  opus.push(7, 12, 1920, false, p3, 1, out);
  EXPECT_EQ(out.size(), 1u);  // 11 is late: 12 waits for it
  opus.push(7, 11, 960, false, p2, 2, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].data, p1);
  EXPECT_EQ(out[1].data, p2);
  EXPECT_EQ(out[2].rtp_timestamp, 1920);
  EXPECT_FALSE(opus.waiting_for_keyframe());
}

TEST(FrameAssemblerOpusTest, ALostPacketIsSkippedAfterTheWait) {
  FrameAssembler opus{rtp::Codec::kOpus};
  std::vector<AssembledFrame> out;
  std::vector<std::uint8_t> p = {1};
  opus.push(7, 10, 0, false, p, 0, out);
  opus.push(7, 12, 1920, false, p, 20, out);
  EXPECT_EQ(out.size(), 1u);
  opus.poll(20 + FrameAssembler::kMaxWaitMs, out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(opus.stats().packets_lost, 1u);
}

TEST(FrameAssemblerGarbageTest, PayloadsThatAreNotVp8AreDroppedNotTrusted) {
  FrameAssembler vp8{rtp::Codec::kVp8};
  std::vector<AssembledFrame> out;
  std::vector<std::uint8_t> empty;
  std::vector<std::uint8_t> truncated = {0x90};  // X set, no extension byte
  vp8.push(1, 1, 0, true, empty, 0, out);
  vp8.push(1, 2, 0, true, truncated, 0, out);
  vp8.flush(out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace podium::record
