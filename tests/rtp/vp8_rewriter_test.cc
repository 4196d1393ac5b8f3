#include "rtp/vp8_rewriter.h"

#include <vector>

#include <gtest/gtest.h>

namespace podium::rtp {
namespace {

// RFC 7741 §4.2: X=1, S=1 (PID 0); X byte with I, L and T; M=1 for a 15-bit picture ID.
std::vector<std::uint8_t> packet(std::uint16_t picture_id, bool long_id, std::uint8_t tl0,
                                 std::uint8_t tid, bool sync = false) {
  std::vector<std::uint8_t> p{0x90, 0xE0};
  if (long_id) {
    p.push_back(static_cast<std::uint8_t>(0x80 | (picture_id >> 8)));
    p.push_back(static_cast<std::uint8_t>(picture_id));
  } else {
    p.push_back(static_cast<std::uint8_t>(picture_id & 0x7F));
  }
  p.push_back(tl0);
  p.push_back(static_cast<std::uint8_t>((tid << 6) | (sync ? 0x20 : 0)));
  p.push_back(0x00);  // VP8 payload header: P=0 (keyframe)
  return p;
}

struct Out {
  std::uint16_t picture_id;
  std::uint8_t tl0;
};

// Forwards one packet through the rewriter as the consumer does (with the descriptor
// parsed once) and reads it back. The overload that parses for itself must write the
// same bytes.
Out forward(Vp8Rewriter& rewriter, std::vector<std::uint8_t> p) {
  auto d = parse_vp8_descriptor(p);
  EXPECT_TRUE(d);
  rewriter.on_forwarded(*d);
  std::vector<std::uint8_t> parsing = p;
  rewriter.write(p, *d);
  EXPECT_TRUE(rewriter.write(parsing));
  EXPECT_EQ(parsing, p);
  auto out = parse_vp8_descriptor(p);
  return {*out->picture_id, *out->tl0_pic_idx};
}

TEST(Vp8Rewriter, FirstSourceKeepsItsNumbers) {
  Vp8Rewriter r;
  auto out = forward(r, packet(1234, true, 17, 0));
  EXPECT_EQ(out.picture_id, 1234);
  EXPECT_EQ(out.tl0, 17);
  EXPECT_EQ(forward(r, packet(1235, true, 17, 1)).picture_id, 1235);
}

TEST(Vp8Rewriter, SwitchContinuesPictureIdAndTl0PicIdx) {
  Vp8Rewriter r;
  forward(r, packet(500, true, 40, 0));
  forward(r, packet(501, true, 40, 1));
  r.rebase();  // another simulcast stream, numbered on its own
  auto out = forward(r, packet(9000, true, 200, 0));
  EXPECT_EQ(out.picture_id, 502);
  EXPECT_EQ(out.tl0, 41);
  // Later packets of the new stream keep the same offsets.
  out = forward(r, packet(9001, true, 200, 1));
  EXPECT_EQ(out.picture_id, 503);
  EXPECT_EQ(out.tl0, 41);
  out = forward(r, packet(9002, true, 201, 0));
  EXPECT_EQ(out.picture_id, 504);
  EXPECT_EQ(out.tl0, 42);
}

TEST(Vp8Rewriter, FifteenBitPictureIdWraps) {
  Vp8Rewriter r;
  forward(r, packet(0x7FFE, true, 255, 0));
  r.rebase();
  auto out = forward(r, packet(10, true, 3, 0));
  EXPECT_EQ(out.picture_id, 0x7FFF);
  EXPECT_EQ(out.tl0, 0);  // 255 + 1 wraps at 8 bits
  EXPECT_EQ(forward(r, packet(11, true, 4, 0)).picture_id, 0);
  EXPECT_EQ(forward(r, packet(12, true, 5, 0)).tl0, 2);
}

TEST(Vp8Rewriter, SevenBitPictureIdWrapsAt128) {
  Vp8Rewriter r;
  forward(r, packet(126, false, 1, 0));
  r.rebase();
  auto out = forward(r, packet(5, false, 9, 0));
  EXPECT_EQ(out.picture_id, 127);
  EXPECT_EQ(forward(r, packet(6, false, 10, 0)).picture_id, 0);
  EXPECT_EQ(forward(r, packet(7, false, 11, 0)).picture_id, 1);
}

TEST(Vp8Rewriter, DroppedPicturesLeaveNoGap) {
  Vp8Rewriter r;
  forward(r, packet(100, true, 7, 0));
  // Picture 101 (TID 1) spans two packets and is dropped: counted once.
  for (int i = 0; i < 2; ++i) r.on_dropped(*parse_vp8_descriptor(packet(101, true, 7, 1)));
  auto out = forward(r, packet(102, true, 8, 0));
  EXPECT_EQ(out.picture_id, 101);
  EXPECT_EQ(out.tl0, 8);  // base-layer pictures are never dropped: TL0PICIDX untouched
  r.on_dropped(*parse_vp8_descriptor(packet(103, true, 8, 1)));
  EXPECT_EQ(forward(r, packet(104, true, 9, 0)).picture_id, 102);
}

TEST(Vp8Rewriter, WithoutExtensionNothingChanges) {
  Vp8Rewriter r;
  std::vector<std::uint8_t> p{0x10, 0x00, 0x01};
  EXPECT_TRUE(r.write(p));
  EXPECT_EQ(p, (std::vector<std::uint8_t>{0x10, 0x00, 0x01}));
  std::vector<std::uint8_t> truncated{0x90, 0x80};
  EXPECT_FALSE(r.write(truncated));
  EXPECT_EQ(truncated, (std::vector<std::uint8_t>{0x90, 0x80}));
}

}  // namespace
}  // namespace podium::rtp
