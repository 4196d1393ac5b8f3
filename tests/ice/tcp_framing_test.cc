#include "ice/tcp_framing.h"

#include <vector>

#include <gtest/gtest.h>

namespace podium::ice {
namespace {

TEST(TcpFraming, HeaderIsTheBigEndianLength) {
  auto header = frame_header(0x0102);
  ASSERT_TRUE(header);
  EXPECT_EQ((*header)[0], 0x01);
  EXPECT_EQ((*header)[1], 0x02);
  EXPECT_TRUE(frame_header(65535));
  EXPECT_FALSE(frame_header(65536));  // RFC 4571 §2: LENGTH is 16 bits
}

TEST(TcpFraming, SplitsBackToBackFramesAndWaitsForPartialOnes) {
  std::vector<std::uint8_t> stream = {0x00, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x00, 0x02, 'x'};
  MutableBytes rest(stream);
  auto first = next_frame(rest);
  ASSERT_EQ(first.status, FrameScan::Status::kFrame);
  EXPECT_EQ(as_string_view(first.packet), "abc");
  EXPECT_EQ(first.consumed, 5u);
  rest = rest.subspan(first.consumed);
  auto empty = next_frame(rest);  // a zero-length frame is well formed
  ASSERT_EQ(empty.status, FrameScan::Status::kFrame);
  EXPECT_TRUE(empty.packet.empty());
  rest = rest.subspan(empty.consumed);
  // "00 02 x": one byte of the packet is still on the way.
  EXPECT_EQ(next_frame(rest).status, FrameScan::Status::kNeedMore);
  EXPECT_EQ(next_frame(rest.first(1)).status, FrameScan::Status::kNeedMore);  // half a header
  EXPECT_EQ(next_frame(MutableBytes()).status, FrameScan::Status::kNeedMore);
}

TEST(TcpFraming, ByteByByteDeliveryYieldsTheSameFrame) {
  std::vector<std::uint8_t> stream = {0x00, 0x04, 1, 2, 3, 4};
  for (std::size_t n = 0; n < stream.size(); ++n)
    EXPECT_EQ(next_frame(MutableBytes(stream.data(), n)).status, FrameScan::Status::kNeedMore) << n;
  auto scan = next_frame(MutableBytes(stream));
  ASSERT_EQ(scan.status, FrameScan::Status::kFrame);
  EXPECT_EQ(scan.packet.size(), 4u);
  EXPECT_EQ(scan.packet[3], 4);
}

TEST(TcpFraming, AFrameLargerThanTheCallerAcceptsIsRejectedFromItsHeader) {
  std::vector<std::uint8_t> stream = {0x08, 0x01};  // 2049 announced, nothing sent yet
  EXPECT_EQ(next_frame(MutableBytes(stream), 2048).status, FrameScan::Status::kTooLarge);
  EXPECT_EQ(next_frame(MutableBytes(stream), 4096).status, FrameScan::Status::kNeedMore);
}

TEST(TcpFraming, PacketIsAViewThatCanBeRewrittenInPlace) {
  std::vector<std::uint8_t> stream = {0x00, 0x01, 7};
  auto scan = next_frame(MutableBytes(stream));
  ASSERT_EQ(scan.status, FrameScan::Status::kFrame);
  scan.packet[0] = 9;
  EXPECT_EQ(stream[2], 9);
}

}  // namespace
}  // namespace podium::ice
