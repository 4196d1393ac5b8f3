#include "rtp/vp8_packetizer.h"

#include <gtest/gtest.h>

#include <numeric>

#include "rtp/codec.h"
#include "rtp/payload_descriptors.h"

namespace podium::rtp {
namespace {

std::vector<std::uint8_t> frame_of(std::size_t size, std::uint8_t first) {
  std::vector<std::uint8_t> frame(size);
  std::iota(frame.begin(), frame.end(), std::uint8_t{0});
  frame[0] = first;
  return frame;
}

TEST(Vp8Descriptor, RoundTripsThroughTheParser) {
  Vp8DescriptorFields f;
  f.start_of_partition = true;
  f.partition_id = 3;
  f.non_reference = true;
  f.picture_id = 0x1234;
  f.tl0_pic_idx = 200;
  f.temporal_id = 2;
  f.layer_sync = true;
  f.key_idx = 17;
  std::uint8_t buffer[16];
  std::size_t size = write_vp8_descriptor(buffer, sizeof buffer, f);
  ASSERT_EQ(size, 6u);
  EXPECT_EQ(size, vp8_descriptor_size(f));
  auto d = parse_vp8_descriptor(Bytes(buffer, size));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 6u);
  EXPECT_TRUE(d->start_of_partition);
  EXPECT_TRUE(d->non_reference);
  EXPECT_EQ(d->partition_id, 3);
  EXPECT_EQ(d->picture_id, 0x1234);
  EXPECT_TRUE(d->picture_id_is_15_bit);
  EXPECT_EQ(d->tl0_pic_idx, 200);
  EXPECT_EQ(d->temporal_id, 2);
  EXPECT_TRUE(d->layer_sync);
  EXPECT_EQ(d->key_idx, 17);
  EXPECT_EQ(write_vp8_descriptor(buffer, 5, f), 0u);  // does not fit
}

TEST(Vp8Descriptor, MinimalFormIsOneByte) {
  Vp8DescriptorFields f;
  f.start_of_partition = true;
  std::uint8_t buffer[4];
  ASSERT_EQ(write_vp8_descriptor(buffer, sizeof buffer, f), 1u);
  EXPECT_EQ(buffer[0], 0x10);  // RFC 7741 §4.2: only S set
}

TEST(PacketizeVp8, SplitsEvenlyAndKeyframeDetectionSeesTheFirstPacket) {
  // RFC 6386 §9.1: bit 0 of the frame tag is 0 for a key frame.
  auto key = frame_of(3000, 0x10);
  Vp8DescriptorFields f;
  f.picture_id = 77;
  auto payloads = packetize_vp8(key, f, 1200);
  ASSERT_EQ(payloads.size(), 3u);
  std::vector<std::uint8_t> joined;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_LE(payloads[i].size(), 1200u);
    auto d = parse_vp8_descriptor(payloads[i]);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->start_of_partition, i == 0);
    EXPECT_EQ(d->partition_id, 0);
    EXPECT_EQ(d->picture_id, 77);
    EXPECT_EQ(is_keyframe(Codec::kVp8, payloads[i]), i == 0);
    joined.insert(joined.end(), payloads[i].begin() + static_cast<std::ptrdiff_t>(d->size),
                  payloads[i].end());
  }
  EXPECT_EQ(joined, key);
  EXPECT_LE(payloads[0].size() - payloads[2].size(), 1u);

  auto delta = frame_of(500, 0x11);  // P bit set: an inter frame
  auto delta_payloads = packetize_vp8(delta, f, 1200);
  ASSERT_EQ(delta_payloads.size(), 1u);
  EXPECT_FALSE(is_keyframe(Codec::kVp8, delta_payloads[0]));
}

TEST(PacketizeVp8, RefusesWhatCannotBeSent) {
  Vp8DescriptorFields f;
  f.picture_id = 1;
  EXPECT_TRUE(packetize_vp8({}, f, 1200).empty());
  auto frame = frame_of(10, 0);
  EXPECT_TRUE(packetize_vp8(frame, f, 4).empty());  // no room after the 4-byte descriptor
  EXPECT_EQ(packetize_vp8(frame, f, 5).size(), 10u);
}

TEST(SetVp8PictureId, RewritesInPlace) {
  Vp8DescriptorFields f;
  f.picture_id = 5;
  auto payloads = packetize_vp8(frame_of(100, 0x10), f, 1200);
  ASSERT_TRUE(set_vp8_picture_id(payloads[0], 0x7FFF));
  EXPECT_EQ(parse_vp8_descriptor(payloads[0])->picture_id, 0x7FFF);
  ASSERT_TRUE(set_vp8_picture_id(payloads[0], 0x8001));  // wraps to 15 bits
  EXPECT_EQ(parse_vp8_descriptor(payloads[0])->picture_id, 1);
  std::vector<std::uint8_t> plain = {0x10, 0x00, 0x00, 0x00};
  EXPECT_FALSE(set_vp8_picture_id(plain, 1));
}

}  // namespace
}  // namespace podium::rtp
