#include "rtp/codec.h"

#include <gtest/gtest.h>

namespace podium::rtp {
namespace {

bool key(Codec codec, std::string_view hex) { return is_keyframe(codec, from_hex(hex)); }

TEST(Codec, FromName) {
  EXPECT_EQ(codec_from_name("opus"), Codec::kOpus);
  EXPECT_EQ(codec_from_name("OPUS"), Codec::kOpus);
  EXPECT_EQ(codec_from_name("VP8"), Codec::kVp8);
  EXPECT_EQ(codec_from_name("vp9"), Codec::kVp9);
  EXPECT_EQ(codec_from_name("H264"), Codec::kH264);
  EXPECT_EQ(codec_from_name("AV1"), Codec::kAv1);
  EXPECT_EQ(codec_from_name("AV1X"), Codec::kAv1);
  EXPECT_EQ(codec_from_name("H265"), Codec::kUnknown);
  EXPECT_EQ(codec_from_name("rtx"), Codec::kUnknown);
  EXPECT_EQ(codec_from_name(""), Codec::kUnknown);
  EXPECT_EQ(codec_from_name(codec_name(Codec::kVp9)), Codec::kVp9);
}

TEST(Codec, Vp8Keyframe) {
  // S=1 PID=0, VP8 payload header P bit 0 (key frame, start code 9d 01 2a follows).
  EXPECT_TRUE(key(Codec::kVp8, "10 5001009d012a"));
  // Same with the extended fields (picture ID, TL0PICIDX, TID).
  EXPECT_TRUE(key(Codec::kVp8, "90 e0 802a 05 40 5001009d012a"));
  // Interframe: P bit 1.
  EXPECT_FALSE(key(Codec::kVp8, "10 510100"));
  // Not the start of partition 0.
  EXPECT_FALSE(key(Codec::kVp8, "00 5001009d012a"));
  EXPECT_FALSE(key(Codec::kVp8, "11 5001009d012a"));
  // Descriptor only, or cut.
  EXPECT_FALSE(key(Codec::kVp8, "10"));
  EXPECT_FALSE(key(Codec::kVp8, "90 e0 80"));
  EXPECT_FALSE(key(Codec::kVp8, ""));
}

// The size a VP8 keyframe announces (RFC 6386 §9.1), which the SFU uses to pick the
// simulcast stream that fits a rendered height.
TEST(Codec, Vp8KeyframeHeight) {
  // 640x480: width 0x0280, height 0x01e0, little-endian, no scaling bits.
  EXPECT_EQ(keyframe_height(Codec::kVp8, from_hex("10 5001009d012a 8002 e001")), 480);
  EXPECT_EQ(keyframe_height(Codec::kVp8, from_hex("90 e0 802a 05 40 5001009d012a 4001 f000")), 240);
  // Scaling bits (the top two) are not part of the height.
  EXPECT_EQ(keyframe_height(Codec::kVp8, from_hex("10 5001009d012a 8002 e041")), 480);
  EXPECT_EQ(keyframe_height(Codec::kVp8, from_hex("10 510100 00000000000000")), std::nullopt);  // interframe
  EXPECT_EQ(keyframe_height(Codec::kVp8, from_hex("10 5001009d012a 8002")), std::nullopt);     // cut
  EXPECT_EQ(keyframe_height(Codec::kVp8, from_hex("10 500100ffffff 8002 e001")), std::nullopt);  // no start code
  EXPECT_EQ(keyframe_height(Codec::kVp9, from_hex("10 5001009d012a 8002 e001")), std::nullopt);
}

TEST(Codec, Vp9Keyframe) {
  EXPECT_TRUE(key(Codec::kVp9, "aa 05 00 00 18 0280 0168 01 00 8249"));
  // Minimal: B set, P clear, no optional fields.
  EXPECT_TRUE(key(Codec::kVp9, "08 82"));
  // Inter-predicted, or not the first packet of the frame.
  EXPECT_FALSE(key(Codec::kVp9, "f8 8123 35 03 04 ff"));
  EXPECT_FALSE(key(Codec::kVp9, "a4 05 00 00 82"));
  // Upper spatial layer of a key picture (SID 1, D): not where decoding starts.
  EXPECT_FALSE(key(Codec::kVp9, "a8 05 03 00 82"));
  EXPECT_FALSE(key(Codec::kVp9, "a8 05"));  // truncated
}

TEST(Codec, H264Keyframe) {
  EXPECT_TRUE(key(Codec::kH264, "65 88 84"));      // IDR slice
  EXPECT_TRUE(key(Codec::kH264, "67 42 00 1f"));   // SPS
  EXPECT_FALSE(key(Codec::kH264, "68 ce 3c 80"));  // PPS
  EXPECT_FALSE(key(Codec::kH264, "41 9a 02"));     // non-IDR slice
  // STAP-A (RFC 6184 §5.7.1) with SPS + PPS, and with PPS + non-IDR.
  EXPECT_TRUE(key(Codec::kH264, "78 0004 6742001f 0002 68ce"));
  EXPECT_TRUE(key(Codec::kH264, "78 0002 68ce 0003 658884"));
  EXPECT_FALSE(key(Codec::kH264, "78 0002 68ce 0002 419a"));
  EXPECT_FALSE(key(Codec::kH264, "78 0009 6742"));  // size past the end
  EXPECT_FALSE(key(Codec::kH264, "78 0000 6742"));  // zero size
  // FU-A (RFC 6184 §5.8): start of an IDR, middle of an IDR, start of a non-IDR.
  EXPECT_TRUE(key(Codec::kH264, "7c 85 8884"));
  EXPECT_FALSE(key(Codec::kH264, "7c 05 8884"));
  EXPECT_FALSE(key(Codec::kH264, "7c 81 9a02"));
  EXPECT_FALSE(key(Codec::kH264, "7c"));
  EXPECT_FALSE(key(Codec::kH264, ""));
}

TEST(Codec, Av1Keyframe) {
  EXPECT_TRUE(key(Codec::kAv1, "18 0a0b"));   // N=1, W=1
  EXPECT_FALSE(key(Codec::kAv1, "98 0a0b"));  // Z=1: continues an OBU
  EXPECT_FALSE(key(Codec::kAv1, "10 320b"));  // N=0, a frame OBU
  EXPECT_FALSE(key(Codec::kAv1, ""));
  // Without N: a first OBU that is a sequence header (type 1, header byte 0x0a with
  // has_size) starts a key frame; a frame OBU (type 6, 0x32) does not.
  EXPECT_TRUE(key(Codec::kAv1, "10 0a0b 00000002"));    // W=1: no element length
  EXPECT_TRUE(key(Codec::kAv1, "20 03 0a0100 05 32"));  // W=2: LEB128 length 3 first
  EXPECT_TRUE(key(Codec::kAv1, "00 8001 0a" + std::string(254, '0')));  // 2-byte LEB128
  EXPECT_FALSE(key(Codec::kAv1, "10 3201"));
  EXPECT_FALSE(key(Codec::kAv1, "20 03 320100 05 0a"));
  EXPECT_FALSE(key(Codec::kAv1, "20 09 0a01"));  // length past the end
  EXPECT_FALSE(key(Codec::kAv1, "20 80"));       // LEB128 cut off
  EXPECT_FALSE(key(Codec::kAv1, "90 0a0b"));     // Z=1
  EXPECT_FALSE(key(Codec::kAv1, "10"));
}

TEST(Codec, AudioAndUnknownHaveNoKeyframes) {
  EXPECT_FALSE(key(Codec::kOpus, "65 88 84"));
  EXPECT_FALSE(key(Codec::kUnknown, "65 88 84"));
}

}  // namespace
}  // namespace podium::rtp
