#include "rtp/rtp_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/rtp_packet.h"

namespace podium::rtp {
namespace {

std::vector<std::uint8_t> to_vector(Bytes b) { return {b.begin(), b.end()}; }

TEST(RtpWriter, NoExtensionsIsTwelveBytes) {
  std::array<std::uint8_t, 64> out{};
  RtpHeaderFields f{.marker = true,
                    .payload_type = 96,
                    .sequence_number = 7,
                    .timestamp = 1000,
                    .ssrc = 0xABCDEF01};
  std::size_t n = write_rtp_header(out.data(), out.size(), f, {});
  ASSERT_EQ(n, 12u);
  EXPECT_EQ(to_hex(Bytes{out}.first(n)), "80e00007000003e8abcdef01");
}

TEST(RtpWriter, OneByteFormMatchesRfc8285Layout) {
  const std::uint8_t mid[] = {'0'};
  const std::uint8_t twcc[] = {0x01, 0x02};
  ExtensionElement ext[] = {{4, mid}, {3, twcc}};
  std::array<std::uint8_t, 64> out{};
  RtpHeaderFields f{.payload_type = 111, .sequence_number = 1, .timestamp = 2, .ssrc = 3};
  std::size_t n = write_rtp_header(out.data(), out.size(), f, ext);
  // 12 + 4 + (2 + 3 -> padded to 8).
  ASSERT_EQ(n, 24u);
  EXPECT_EQ(to_hex(Bytes{out}.first(n)), "906f00010000000200000003bede00024030310102000000");
}

TEST(RtpWriter, RoundTripOneByte) {
  const std::uint8_t level[] = {0x85};
  const std::uint8_t sixteen[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  ExtensionElement ext[] = {{1, level}, {14, sixteen}};
  const std::uint32_t csrcs[] = {0x01010101, 0x02020202};
  RtpHeaderFields f{true, 100, 65535, 0xFFFFFFFF, 0x12345678, csrcs};
  const std::uint8_t payload[] = {0xAA, 0xBB, 0xCC};
  std::array<std::uint8_t, 128> out{};
  std::size_t n = write_rtp_packet(out.data(), out.size(), f, ext, payload);
  ASSERT_NE(n, 0u);
  auto p = RtpPacket::parse(MutableBytes{out}.first(n));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension_form(), ExtensionForm::kOneByte);
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payload_type(), 100);
  EXPECT_EQ(p->sequence_number(), 65535);
  EXPECT_EQ(p->timestamp(), 0xFFFFFFFFu);
  EXPECT_EQ(p->ssrc(), 0x12345678u);
  ASSERT_EQ(p->csrc_count(), 2);
  EXPECT_EQ(p->csrc(1), 0x02020202u);
  EXPECT_EQ(to_vector(*p->extension(1)), to_vector(level));
  EXPECT_EQ(to_vector(*p->extension(14)), to_vector(sixteen));
  EXPECT_EQ(to_vector(p->payload()), to_vector(payload));
  EXPECT_EQ(p->header_size() % 4, 0u);
}

TEST(RtpWriter, TwoByteWhenIdOrLengthNeedsIt) {
  const std::uint8_t one[] = {7};
  const std::uint8_t seventeen[17] = {};
  // id 15, id 200, a 17-byte element, an empty element: each forces the two-byte form.
  std::vector<std::vector<ExtensionElement>> cases = {
      {{15, one}},
      {{1, one}, {200, one}},
      {{2, Bytes{seventeen}}},
      {{3, Bytes{}}},
  };
  for (const auto& ext : cases) {
    std::array<std::uint8_t, 128> out{};
    std::size_t n = write_rtp_header(out.data(), out.size(), RtpHeaderFields{}, ext);
    ASSERT_NE(n, 0u);
    auto p = RtpPacket::parse(MutableBytes{out}.first(n));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->extension_form(), ExtensionForm::kTwoByte);
    for (const auto& e : ext) {
      auto got = p->extension(e.id);
      ASSERT_TRUE(got) << int{e.id};
      EXPECT_EQ(to_vector(*got), to_vector(e.data));
    }
  }
}

TEST(RtpWriter, RejectsWhatCannotBeWritten) {
  std::array<std::uint8_t, 64> out{};
  const std::uint8_t one[] = {7};
  ExtensionElement id_zero[] = {{0, one}};
  EXPECT_EQ(write_rtp_header(out.data(), out.size(), {}, id_zero), 0u);
  std::vector<std::uint8_t> big(256);
  ExtensionElement too_long[] = {{1, big}};
  EXPECT_EQ(write_rtp_header(out.data(), 1024, {}, too_long), 0u);
  std::uint32_t csrcs[16] = {};
  RtpHeaderFields many{false, 0, 0, 0, 0, csrcs};
  EXPECT_EQ(write_rtp_header(out.data(), out.size(), many, {}), 0u);
  // Capacity one short.
  ExtensionElement ok[] = {{1, one}};
  EXPECT_EQ(rtp_header_size({}, ok), 20u);
  EXPECT_EQ(write_rtp_header(out.data(), 19, {}, ok), 0u);
  EXPECT_EQ(write_rtp_header(out.data(), 20, {}, ok), 20u);
  const std::uint8_t payload[4] = {};
  EXPECT_EQ(write_rtp_packet(out.data(), 23, {}, ok, payload), 0u);
}

TEST(RtpWriter, PaddingRoundTrip) {
  const std::uint8_t payload[] = {1, 2, 3};
  std::array<std::uint8_t, 64> out{};
  std::size_t n = write_rtp_packet(
      out.data(), out.size(), {.payload_type = 96, .sequence_number = 9, .timestamp = 9, .ssrc = 9},
      {}, payload, 5);
  ASSERT_EQ(n, 12u + 3 + 5);
  auto p = RtpPacket::parse(MutableBytes{out}.first(n));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->has_padding());
  EXPECT_EQ(p->padding_size(), 5u);
  EXPECT_EQ(to_vector(p->payload()), to_vector(payload));
}

TEST(RtpWriter, RewriteForwardedPacketWithSubscriberIds) {
  // The publisher used id 3 for audio level and id 5 for transport-cc; the subscriber
  // negotiated 1 for MID and 10 for audio level and gets a new SSRC and sequence.
  auto in = from_hex("90ef 0010 00001000 aaaaaaaa bede 0002 3090 5101 2300 0000 4142");
  auto src = RtpPacket::parse(in);
  ASSERT_TRUE(src);
  const std::uint8_t mid[] = {'a', '1'};
  ExtensionElement ext[] = {{1, mid}, {10, *src->extension(3)}};
  RtpHeaderFields f{.marker = src->marker(),
                    .payload_type = src->payload_type(),
                    .sequence_number = 500,
                    .timestamp = src->timestamp() + 90,
                    .ssrc = 0xBBBBBBBB};
  std::array<std::uint8_t, 128> out{};
  std::size_t n = write_rtp_packet(out.data(), out.size(), f, ext, src->payload());
  auto p = RtpPacket::parse(MutableBytes{out}.first(n));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence_number(), 500);
  EXPECT_EQ(p->ssrc(), 0xBBBBBBBBu);
  EXPECT_EQ(p->timestamp(), 0x1000u + 90);
  EXPECT_EQ(as_string_view(*p->extension(1)), "a1");
  EXPECT_EQ(to_vector(*p->extension(10)), (std::vector<std::uint8_t>{0x90}));
  EXPECT_FALSE(p->extension(5));
  EXPECT_EQ(as_string_view(p->payload()), "AB");
}

}  // namespace
}  // namespace podium::rtp
