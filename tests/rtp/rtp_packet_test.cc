#include "rtp/rtp_packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace podium::rtp {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) { return from_hex(text); }

std::vector<std::uint8_t> to_vector(Bytes b) { return {b.begin(), b.end()}; }

TEST(RtpPacket, ParsesFixedHeader) {
  // V=2, M=1, PT=96, seq 0x1234, ts 0xDEADBEEF, SSRC 0x11223344, 3 payload bytes.
  auto buf = hex("80e0 1234 deadbeef 11223344 010203");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version(), 2);
  EXPECT_FALSE(p->has_padding());
  EXPECT_FALSE(p->has_extension());
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payload_type(), 96);
  EXPECT_EQ(p->sequence_number(), 0x1234);
  EXPECT_EQ(p->timestamp(), 0xDEADBEEFu);
  EXPECT_EQ(p->ssrc(), 0x11223344u);
  EXPECT_EQ(p->csrc_count(), 0);
  EXPECT_EQ(p->header_size(), 12u);
  EXPECT_EQ(to_vector(p->payload()), (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(p->padding_size(), 0u);
  EXPECT_FALSE(p->extension(1));
}

TEST(RtpPacket, OneByteExtensionsRfc8285Section42Example) {
  // RFC 8285 §4.2 figure: ID1 L=0, ID2 L=1, two padding bytes, ID3 L=3.
  auto buf =
      hex("9060 0001 00000010 cafebabe"
          "bede 0003"
          "10aa 21bb cc00 0033 11223344"
          "ff");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->has_extension());
  EXPECT_EQ(p->extension_profile(), kOneByteExtensionProfile);
  EXPECT_EQ(p->extension_form(), ExtensionForm::kOneByte);
  EXPECT_EQ(p->header_size(), 12u + 4 + 12);
  EXPECT_EQ(to_vector(*p->extension(1)), (std::vector<std::uint8_t>{0xAA}));
  EXPECT_EQ(to_vector(*p->extension(2)), (std::vector<std::uint8_t>{0xBB, 0xCC}));
  EXPECT_EQ(to_vector(*p->extension(3)), (std::vector<std::uint8_t>{0x11, 0x22, 0x33, 0x44}));
  EXPECT_FALSE(p->extension(4));
  EXPECT_FALSE(p->extension(0));
  EXPECT_EQ(to_vector(p->payload()), (std::vector<std::uint8_t>{0xFF}));

  int count = 0;
  auto reader = p->extensions();
  while (reader.next()) ++count;
  EXPECT_EQ(count, 3);
}

TEST(RtpPacket, TwoByteExtensionsRfc8285Section43Example) {
  // RFC 8285 §4.3 figure: ID L=0, ID L=1 + data, a padding byte, ID L=4 + data.
  auto buf =
      hex("9060 0001 00000010 cafebabe"
          "1000 0003"
          "0500 0601 aa00 ff04 01020304"
          "dd");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension_form(), ExtensionForm::kTwoByte);
  ASSERT_TRUE(p->extension(5));
  EXPECT_TRUE(p->extension(5)->empty());
  EXPECT_EQ(to_vector(*p->extension(6)), (std::vector<std::uint8_t>{0xAA}));
  EXPECT_EQ(to_vector(*p->extension(255)), (std::vector<std::uint8_t>{1, 2, 3, 4}));
  EXPECT_FALSE(p->extension(7));
}

TEST(RtpPacket, TwoByteProfileAppBitsAccepted) {
  auto buf = hex("9060 0001 00000010 cafebabe 100f 0001 0701 4200");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension_form(), ExtensionForm::kTwoByte);
  EXPECT_EQ(to_vector(*p->extension(7)), (std::vector<std::uint8_t>{0x42}));
}

TEST(RtpPacket, OneByteId15StopsParsing) {
  // RFC 8285 §4.2: ID 15 ends processing; the element after it is not seen.
  auto buf = hex("9060 0001 00000010 cafebabe bede 0002 1011 f022 2033 0000");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->extension(1));
  EXPECT_FALSE(p->extension(2));
}

TEST(RtpPacket, ElementOverrunningBlockIsIgnored) {
  // ID 1 claims 16 bytes in a 4-byte block: the packet parses, the element is absent.
  auto buf = hex("9060 0001 00000010 cafebabe bede 0001 1f000000");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->extension(1));
}

TEST(RtpPacket, GenericProfileToleratedWithoutIds) {
  auto buf = hex("9060 0001 00000010 cafebabe abac 0001 11223344 99");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension_form(), ExtensionForm::kGeneric);
  EXPECT_EQ(p->extension_block().size(), 4u);
  EXPECT_FALSE(p->extension(1));
  EXPECT_EQ(p->payload().size(), 1u);
}

TEST(RtpPacket, CsrcsAndPadding) {
  // P=1, CC=2, payload "abcd", padding of 3 (00 00 03).
  auto buf = hex("a2 08 0005 00000064 00000001 0000000a 0000000b 61626364 000003");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->csrc_count(), 2);
  EXPECT_EQ(p->csrc(0), 10u);
  EXPECT_EQ(p->csrc(1), 11u);
  EXPECT_EQ(p->header_size(), 20u);
  EXPECT_EQ(p->padding_size(), 3u);
  EXPECT_EQ(as_string_view(p->payload()), "abcd");
}

TEST(RtpPacket, PaddingOnlyPacketAccepted) {
  // Bandwidth probes are all padding (RFC 3550 allows a zero-length payload).
  auto buf = hex("a0 60 0005 00000064 00000001 00000004");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload_size(), 0u);
  EXPECT_EQ(p->padding_size(), 4u);
}

TEST(RtpPacket, RejectsMalformed) {
  auto reject = [](std::string_view text) {
    auto buf = hex(text);
    return !RtpPacket::parse(buf).has_value();
  };
  EXPECT_TRUE(reject(""));
  EXPECT_TRUE(reject("8060 0001 00000010 cafeba"));                       // 11 bytes
  EXPECT_TRUE(reject("4060 0001 00000010 cafebabe 00"));                  // version 1
  EXPECT_TRUE(reject("c060 0001 00000010 cafebabe 00"));                  // version 3
  EXPECT_TRUE(reject("8160 0001 00000010 cafebabe"));                     // CSRC missing
  EXPECT_TRUE(reject("8260 0001 00000010 cafebabe 00000001"));            // second CSRC missing
  EXPECT_TRUE(reject("9060 0001 00000010 cafebabe bede"));                // extension header cut
  EXPECT_TRUE(reject("9060 0001 00000010 cafebabe bede 0002 10aa0000"));  // block cut
  EXPECT_TRUE(reject("a060 0001 00000010 cafebabe 010200"));              // padding count 0
  EXPECT_TRUE(reject("a060 0001 00000010 cafebabe 010205"));              // padding > payload
  EXPECT_TRUE(reject("a060 0001 00000010 cafebabe"));  // P set, nothing after header
  // Padding may not reach back into the extension block.
  EXPECT_TRUE(reject("b060 0001 00000010 cafebabe bede 0001 10aa0000 02"));
}

TEST(RtpPacket, EveryTruncationOfTheHeaderRejected) {
  auto full =
      hex("9260 0001 00000010 cafebabe 00000001 00000002 bede 0002 10aa 21bb cc00 0000 eeee");
  std::size_t header = 12 + 8 + 4 + 8;
  ASSERT_TRUE(RtpPacket::parse(full));
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(n));
    EXPECT_EQ(RtpPacket::parse(prefix).has_value(), n >= header) << "length " << n;
  }
}

TEST(RtpPacket, SettersRewriteInPlace) {
  auto buf = hex("9060 0001 00000010 cafebabe bede 0001 10aa0000 0102");
  auto p = RtpPacket::parse(buf);
  ASSERT_TRUE(p);
  p->set_marker(true);
  p->set_payload_type(111);
  p->set_sequence_number(0xFFFE);
  p->set_timestamp(0x01020304);
  p->set_ssrc(0x55667788);
  // Writes go through to the buffer, and the other bits stay.
  EXPECT_EQ(to_hex(Bytes{buf}.first(12)), "90effffe0102030455667788");
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payload_type(), 111);
  p->set_marker(false);
  EXPECT_EQ(buf[1], 111);
  p->set_payload_type(0x80 | 8);  // out-of-range bit ignored
  EXPECT_EQ(buf[1], 8);
  EXPECT_EQ(to_vector(*p->extension(1)), (std::vector<std::uint8_t>{0xAA}));
  EXPECT_EQ(p->payload().size(), 2u);
}

}  // namespace
}  // namespace podium::rtp
