#include "rtp/header_extensions.h"

#include <gtest/gtest.h>

#include <vector>

namespace podium::rtp {
namespace {

TEST(ExtensionKind, UrisRoundTrip) {
  EXPECT_EQ(extension_kind("urn:ietf:params:rtp-hdrext:sdes:mid"), ExtensionKind::kMid);
  EXPECT_EQ(extension_kind("urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
            ExtensionKind::kAudioLevel);
  EXPECT_EQ(
      extension_kind("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
      ExtensionKind::kTransportWideCc);
  EXPECT_EQ(extension_kind("urn:ietf:params:rtp-hdrext:toffset"), ExtensionKind::kUnknown);
  EXPECT_EQ(extension_kind(""), ExtensionKind::kUnknown);
  for (std::size_t i = 1; i < kExtensionKindCount; ++i) {
    auto kind = static_cast<ExtensionKind>(i);
    EXPECT_FALSE(extension_uri(kind).empty());
    EXPECT_EQ(extension_kind(extension_uri(kind)), kind);
  }
  EXPECT_TRUE(extension_uri(ExtensionKind::kUnknown).empty());
}

TEST(ExtensionMap, LookupBothWays) {
  ExtensionMap map;
  EXPECT_EQ(map.id(ExtensionKind::kMid), 0);
  EXPECT_TRUE(map.set(4, uri::kMid));
  EXPECT_TRUE(map.set(200, ExtensionKind::kTransportWideCc));
  EXPECT_FALSE(map.set(5, "urn:example:unknown"));
  EXPECT_FALSE(map.set(0, ExtensionKind::kMid));
  EXPECT_EQ(map.kind(4), ExtensionKind::kMid);
  EXPECT_EQ(map.kind(200), ExtensionKind::kTransportWideCc);
  EXPECT_EQ(map.kind(5), ExtensionKind::kUnknown);
  EXPECT_EQ(map.id(ExtensionKind::kMid), 4);
  EXPECT_EQ(map.id(ExtensionKind::kTransportWideCc), 200);
}

TEST(ExtensionMap, RemappingReplacesBothDirections) {
  ExtensionMap map;
  map.set(1, ExtensionKind::kAudioLevel);
  map.set(3, ExtensionKind::kAudioLevel);  // kind moves to id 3
  EXPECT_EQ(map.kind(1), ExtensionKind::kUnknown);
  EXPECT_EQ(map.id(ExtensionKind::kAudioLevel), 3);
  map.set(3, ExtensionKind::kMid);  // id 3 now MID, audio level unmapped
  EXPECT_EQ(map.id(ExtensionKind::kAudioLevel), 0);
  EXPECT_EQ(map.id(ExtensionKind::kMid), 3);
  map.erase(3);
  EXPECT_EQ(map.id(ExtensionKind::kMid), 0);
  map.set(9, ExtensionKind::kAbsSendTime);
  map.clear();
  EXPECT_EQ(map.kind(9), ExtensionKind::kUnknown);
  EXPECT_EQ(map.id(ExtensionKind::kAbsSendTime), 0);
}

TEST(ExtensionMap, SendingIdsFollowTheMap) {
  ExtensionMap map;
  map.set(3, ExtensionKind::kMid);
  map.set(7, ExtensionKind::kTransportWideCc);
  map.set(7, ExtensionKind::kAbsSendTime);  // id 7 moves: transport-wide CC unmapped
  ExtensionIds ids = map.ids();
  EXPECT_EQ(ids.id(ExtensionKind::kMid), 3);
  EXPECT_EQ(ids.id(ExtensionKind::kAbsSendTime), 7);
  EXPECT_EQ(ids.id(ExtensionKind::kTransportWideCc), 0);
  EXPECT_EQ(ids.id(ExtensionKind::kAudioLevel), 0);
  EXPECT_EQ(ExtensionIds{}.id(ExtensionKind::kMid), 0);
}

TEST(ExtensionValues, Parse) {
  const std::uint8_t level[] = {0x80 | 42};
  auto audio = parse_audio_level(level);
  ASSERT_TRUE(audio);
  EXPECT_TRUE(audio->voice_activity);
  EXPECT_EQ(audio->level, 42);
  EXPECT_FALSE(parse_audio_level({}));

  const std::uint8_t abs[] = {0x12, 0x34, 0x56};
  EXPECT_EQ(parse_abs_send_time(abs), 0x123456u);
  EXPECT_FALSE(parse_abs_send_time(Bytes{abs}.first(2)));

  const std::uint8_t twcc[] = {0xAB, 0xCD};
  EXPECT_EQ(parse_transport_sequence_number(twcc), 0xABCD);
  EXPECT_FALSE(parse_transport_sequence_number(Bytes{twcc}.first(1)));

  EXPECT_EQ(parse_sdes_text(as_bytes("0")), "0");
  EXPECT_FALSE(parse_sdes_text({}));
}

// playout-delay: MIN and MAX as 12-bit counts of 10 ms, MIN first (the layout libwebrtc,
// Pion and webrtc-rs read).
TEST(ExtensionValues, PlayoutDelayLayout) {
  std::uint8_t out[3];
  write_playout_delay({35, 1000}, out);  // 350 ms, 10 s
  EXPECT_EQ(out[0], 0x02);
  EXPECT_EQ(out[1], 0x33);
  EXPECT_EQ(out[2], 0xE8);
  auto back = parse_playout_delay(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (PlayoutDelay{35, 1000}));
  write_playout_delay({5000, 5000}, out);  // clamped to 40.95 s
  EXPECT_EQ(*parse_playout_delay(out), (PlayoutDelay{PlayoutDelay::kMaxValue, PlayoutDelay::kMaxValue}));
  EXPECT_FALSE(parse_playout_delay(Bytes{out}.first(2)));
}

TEST(ExtensionReader, OneBytePaddingBetweenAndAfterElements) {
  const std::uint8_t block[] = {0x00, 0x10, 0x01, 0x00, 0x00, 0x21, 0x02, 0x03, 0x00};
  ExtensionReader reader(ExtensionForm::kOneByte, block);
  auto a = reader.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, 1);
  EXPECT_EQ(a->data.size(), 1u);
  auto b = reader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->id, 2);
  EXPECT_EQ(b->data.size(), 2u);
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.next());
}

TEST(ExtensionReader, GenericYieldsNothing) {
  const std::uint8_t block[] = {0x10, 0x01, 0x00, 0x00};
  ExtensionReader reader(ExtensionForm::kGeneric, block);
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(extension_form(0xBEDE), ExtensionForm::kOneByte);
  EXPECT_EQ(extension_form(0x1000), ExtensionForm::kTwoByte);
  EXPECT_EQ(extension_form(0x100F), ExtensionForm::kTwoByte);
  EXPECT_EQ(extension_form(0x1010), ExtensionForm::kGeneric);
}

}  // namespace
}  // namespace podium::rtp
