#include "rtp/payload_descriptors.h"

#include <gtest/gtest.h>

namespace podium::rtp {
namespace {

TEST(Vp8Descriptor, Minimal) {
  auto buf = from_hex("10 9d012a");
  auto d = parse_vp8_descriptor(buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 1u);
  EXPECT_TRUE(d->start_of_partition);
  EXPECT_EQ(d->partition_id, 0);
  EXPECT_FALSE(d->non_reference);
  EXPECT_FALSE(d->picture_id);
  EXPECT_FALSE(d->temporal_id);
}

TEST(Vp8Descriptor, AllExtendedFields) {
  // RFC 7741 §4.2: X; I L T K; M + 15-bit picture ID 0x1234; TL0PICIDX 5;
  // TID 2, Y, KEYIDX 3.
  auto buf = from_hex("b3 f0 9234 05 a3 50");
  auto d = parse_vp8_descriptor(buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 6u);
  EXPECT_TRUE(d->non_reference);
  EXPECT_TRUE(d->start_of_partition);
  EXPECT_EQ(d->partition_id, 3);
  EXPECT_EQ(d->picture_id, 0x1234);
  EXPECT_TRUE(d->picture_id_is_15_bit);
  EXPECT_EQ(d->tl0_pic_idx, 5);
  EXPECT_EQ(d->temporal_id, 2);
  EXPECT_TRUE(d->layer_sync);
  EXPECT_EQ(d->key_idx, 3);
}

TEST(Vp8Descriptor, KeyIdxWithoutTemporalId) {
  auto buf = from_hex("90 10 1f");
  auto d = parse_vp8_descriptor(buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 3u);
  EXPECT_FALSE(d->temporal_id);
  EXPECT_EQ(d->key_idx, 31);
}

TEST(Vp8Descriptor, TruncatedRejected) {
  EXPECT_FALSE(parse_vp8_descriptor({}));
  EXPECT_FALSE(parse_vp8_descriptor(from_hex("90")));        // X byte missing
  EXPECT_FALSE(parse_vp8_descriptor(from_hex("90 80")));     // picture ID missing
  EXPECT_FALSE(parse_vp8_descriptor(from_hex("90 80 92")));  // 15-bit ID cut
  EXPECT_FALSE(parse_vp8_descriptor(from_hex("90 40")));     // TL0PICIDX missing
  EXPECT_FALSE(parse_vp8_descriptor(from_hex("90 20")));     // TID byte missing
}

TEST(Vp9Descriptor, NonFlexibleKeyframeWithScalabilityStructure) {
  // I P=0 L F=0 B V; picture ID 5; TID 0 SID 0; TL0PICIDX 0; SS: one layer, Y, G,
  // 640x360, one picture group entry with no references.
  auto buf = from_hex("aa 05 00 00 18 0280 0168 01 00 8249");
  auto d = parse_vp9_descriptor(buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 11u);
  EXPECT_FALSE(d->inter_picture_predicted);
  EXPECT_TRUE(d->start_of_frame);
  EXPECT_FALSE(d->end_of_frame);
  EXPECT_TRUE(d->has_scalability_structure);
  EXPECT_EQ(d->picture_id, 5);
  EXPECT_TRUE(d->has_layer_indices);
  EXPECT_EQ(d->spatial_id, 0);
  EXPECT_EQ(d->tl0_pic_idx, 0);
}

TEST(Vp9Descriptor, FlexibleModeReferences) {
  // I P L F B; 15-bit picture ID 0x0123; TID 1 U SID 2 D; two P_DIFFs (N=1, N=0).
  auto buf = from_hex("f8 8123 35 03 04 ff");
  auto d = parse_vp9_descriptor(buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 6u);
  EXPECT_TRUE(d->flexible_mode);
  EXPECT_TRUE(d->inter_picture_predicted);
  EXPECT_EQ(d->picture_id, 0x0123);
  EXPECT_EQ(d->temporal_id, 1);
  EXPECT_TRUE(d->switching_up_point);
  EXPECT_EQ(d->spatial_id, 2);
  EXPECT_TRUE(d->inter_layer_dependency);
  EXPECT_FALSE(d->tl0_pic_idx);
  EXPECT_EQ(d->reference_count, 2);
}

TEST(Vp9Descriptor, MalformedRejected) {
  EXPECT_FALSE(parse_vp9_descriptor({}));
  EXPECT_FALSE(parse_vp9_descriptor(from_hex("f8 01 00 03 03 03 03")));  // 4 P_DIFFs
  EXPECT_FALSE(parse_vp9_descriptor(from_hex("f8 01 00 03")));           // P_DIFF chain cut
  EXPECT_FALSE(parse_vp9_descriptor(from_hex("a8 01 00")));              // TL0PICIDX missing
  EXPECT_FALSE(parse_vp9_descriptor(from_hex("8a 01 18 0280")));         // SS sizes cut
  EXPECT_FALSE(parse_vp9_descriptor(from_hex("8a 01 08 02 04")));        // SS group cut
}

}  // namespace
}  // namespace podium::rtp
