#include "rtp/rtcp_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace podium::rtp {
namespace {

RtcpPacket only_packet(Bytes bytes) {
  EXPECT_TRUE(is_valid_rtcp_compound(bytes));
  auto packet = RtcpPacket::parse(bytes);
  EXPECT_TRUE(packet);
  EXPECT_EQ(packet->size(), bytes.size());
  return *packet;
}

ReportBlock sample_block(std::uint32_t ssrc) {
  return ReportBlock{ssrc, 64, -3, 0x00020010, 120, 0x12345678, 0x00008000};
}

TEST(RtcpWriter, SenderReportRoundTrip) {
  std::array<std::uint8_t, 256> out{};
  ReportBlock blocks[] = {sample_block(0xA), sample_block(0xB)};
  std::size_t n = write_sender_report(out.data(), out.size(), 0x01020304, 0xE1234567'89ABCDEFull,
                                      90000, 1000, 123456, blocks);
  ASSERT_EQ(n, 4u + 24 + 2 * 24);
  auto sr = SenderReport::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->ssrc(), 0x01020304u);
  EXPECT_EQ(sr->ntp_timestamp(), 0xE1234567'89ABCDEFull);
  EXPECT_EQ(sr->rtp_timestamp(), 90000u);
  EXPECT_EQ(sr->packet_count(), 1000u);
  EXPECT_EQ(sr->octet_count(), 123456u);
  ASSERT_EQ(sr->report_count(), 2u);
  EXPECT_EQ(sr->report_block(0), blocks[0]);
  EXPECT_EQ(sr->report_block(1), blocks[1]);
}

TEST(RtcpWriter, SenderReportExactBytes) {
  std::array<std::uint8_t, 64> out{};
  std::size_t n =
      write_sender_report(out.data(), out.size(), 1, 0x0000000100000002ull, 3, 4, 5, {});
  EXPECT_EQ(to_hex(Bytes{out}.first(n)),
            "80c80006000000010000000100000002000000030000000400000005");
}

TEST(RtcpWriter, ReceiverReportRoundTripAndLimits) {
  std::array<std::uint8_t, 1024> out{};
  ReportBlock blocks[] = {sample_block(7)};
  std::size_t n = write_receiver_report(out.data(), out.size(), 0x99, blocks);
  ASSERT_EQ(n, 32u);
  auto rr = ReceiverReport::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->ssrc(), 0x99u);
  ASSERT_EQ(rr->report_count(), 1u);
  EXPECT_EQ(rr->report_block(0), blocks[0]);

  // An empty RR is 8 bytes.
  EXPECT_EQ(write_receiver_report(out.data(), out.size(), 1, {}), 8u);
  // Too small a buffer, too many blocks.
  EXPECT_EQ(write_receiver_report(out.data(), 31, 1, blocks), 0u);
  std::vector<ReportBlock> many(32);
  EXPECT_EQ(write_receiver_report(out.data(), out.size(), 1, many), 0u);
}

TEST(RtcpWriter, ReportBlockClampsCumulativeLost) {
  std::array<std::uint8_t, 24> out{};
  ReportBlock b;
  b.cumulative_lost = 0x7FFFFFFF;
  b.write(out.data());
  EXPECT_EQ(ReportBlock::read(out.data()).cumulative_lost, 0x7FFFFF);
  b.cumulative_lost = -0x7FFFFFFF;
  b.write(out.data());
  EXPECT_EQ(ReportBlock::read(out.data()).cumulative_lost, -0x800000);
}

TEST(RtcpWriter, SdesCnameRoundTrip) {
  for (std::string_view cname : {"a", "ab", "abc", "abcd", "0123456789abcdef"}) {
    std::array<std::uint8_t, 64> out{};
    std::size_t n = write_sdes_cname(out.data(), out.size(), 0x42, cname);
    ASSERT_NE(n, 0u);
    EXPECT_EQ(n % 4, 0u);
    RtcpPacket packet = only_packet(Bytes{out}.first(n));
    SdesReader reader(packet);
    auto item = reader.next();
    ASSERT_TRUE(item);
    EXPECT_EQ(item->ssrc, 0x42u);
    EXPECT_EQ(item->type, kSdesCname);
    EXPECT_EQ(as_string_view(item->value), cname);
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.malformed());
  }
  std::array<std::uint8_t, 64> out{};
  EXPECT_EQ(write_sdes_cname(out.data(), out.size(), 1, ""), 0u);
}

TEST(RtcpWriter, SdesWithOneCnameChunkPerSsrc) {
  std::vector<std::uint32_t> ssrcs;
  for (std::uint32_t i = 1; i <= 31; ++i) ssrcs.push_back(0x1000 + i);
  for (std::size_t count : {std::size_t{1}, std::size_t{2}, std::size_t{31}}) {
    std::array<std::uint8_t, 1024> out{};
    std::size_t n = write_sdes_cnames(out.data(), out.size(), std::span(ssrcs).first(count), "podium");
    ASSERT_NE(n, 0u);
    EXPECT_EQ(n, 4 + 16 * count);  // "podium": 4 + 2 + 6 + two null octets per chunk
    RtcpPacket packet = only_packet(Bytes{out}.first(n));
    EXPECT_EQ(packet.count(), count);
    SdesReader reader(packet);
    for (std::size_t i = 0; i < count; ++i) {
      auto item = reader.next();
      ASSERT_TRUE(item) << i;
      EXPECT_EQ(item->ssrc, ssrcs[i]);
      EXPECT_EQ(item->type, kSdesCname);
      EXPECT_EQ(as_string_view(item->value), "podium");
    }
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.malformed());
  }
  std::array<std::uint8_t, 1024> out{};
  ssrcs.push_back(1);
  EXPECT_EQ(write_sdes_cnames(out.data(), out.size(), ssrcs, "podium"), 0u);  // SC is five bits
  EXPECT_EQ(write_sdes_cnames(out.data(), out.size(), {}, "podium"), 0u);
  EXPECT_EQ(write_sdes_cnames(out.data(), 4 + 16 * 2 - 1, std::span(ssrcs).first(2), "podium"), 0u);
}

TEST(RtcpWriter, ByeRoundTrip) {
  std::array<std::uint8_t, 64> out{};
  const std::uint32_t ssrcs[] = {1, 2};
  std::size_t n = write_bye(out.data(), out.size(), ssrcs, "left");
  ASSERT_EQ(n, 4u + 8 + 8);
  auto bye = Bye::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(bye);
  ASSERT_EQ(bye->ssrc_count(), 2u);
  EXPECT_EQ(bye->ssrc(0), 1u);
  EXPECT_EQ(bye->ssrc(1), 2u);
  EXPECT_EQ(bye->reason(), "left");

  n = write_bye(out.data(), out.size(), ssrcs);
  ASSERT_EQ(n, 12u);
  EXPECT_TRUE(Bye::parse(only_packet(Bytes{out}.first(n)))->reason().empty());
}

TEST(RtcpWriter, PliExactBytesAndRoundTrip) {
  std::array<std::uint8_t, 16> out{};
  std::size_t n = write_pli(out.data(), out.size(), 0x11111111, 0x22222222);
  EXPECT_EQ(to_hex(Bytes{out}.first(n)), "81ce00021111111122222222");
  auto pli = Pli::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->sender_ssrc(), 0x11111111u);
  EXPECT_EQ(pli->media_ssrc(), 0x22222222u);
  EXPECT_EQ(write_pli(out.data(), 11, 1, 2), 0u);
}

TEST(RtcpWriter, FirExactBytesAndRoundTrip) {
  std::array<std::uint8_t, 32> out{};
  std::size_t n = write_fir(out.data(), out.size(), 0x11111111, 0x22222222, 9);
  // RFC 5104 §4.3.1: header media SSRC 0, target SSRC in the FCI entry.
  EXPECT_EQ(to_hex(Bytes{out}.first(n)),
            "84ce0004111111110000000022222222"
            "09000000");
  auto fir = Fir::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(fir);
  EXPECT_EQ(fir->sender_ssrc(), 0x11111111u);
  EXPECT_EQ(fir->media_ssrc(), 0u);
  ASSERT_EQ(fir->entry_count(), 1u);
  EXPECT_EQ(fir->entry(0).ssrc, 0x22222222u);
  EXPECT_EQ(fir->entry(0).sequence_number, 9);
}

std::vector<std::uint16_t> nacked(Bytes bytes) {
  auto nack = Nack::parse(only_packet(bytes));
  EXPECT_TRUE(nack);
  std::vector<std::uint16_t> seqs;
  if (nack) nack->for_each_sequence_number([&](std::uint16_t s) { seqs.push_back(s); });
  return seqs;
}

TEST(RtcpWriter, NackPacksPidAndBlp) {
  std::array<std::uint8_t, 64> out{};
  const std::uint16_t seqs[] = {100, 101, 103, 120};
  EXPECT_EQ(nack_item_count(seqs), 2u);
  std::size_t n = write_nack(out.data(), out.size(), 1, 2, seqs);
  ASSERT_EQ(n, 12u + 8);
  // 101 is bit 0 and 103 bit 2 of 100's BLP; 120 is more than 16 after 100.
  EXPECT_EQ(to_hex(Bytes{out}.first(n)),
            "81cd00040000000100000002"
            "00640005"
            "00780000");
  auto nack = Nack::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->sender_ssrc(), 1u);
  EXPECT_EQ(nack->media_ssrc(), 2u);
  ASSERT_EQ(nack->item_count(), 2u);
  EXPECT_EQ(nack->item(0).pid, 100);
  EXPECT_EQ(nack->item(0).blp, 0x0005);
  EXPECT_EQ(nacked(Bytes{out}.first(n)), (std::vector<std::uint16_t>{100, 101, 103, 120}));
}

TEST(RtcpWriter, NackEdgesWrapDuplicatesAndLimits) {
  std::array<std::uint8_t, 64> out{};
  // 16 after PID still fits (bit 15); 17 does not. Wrap across 65535 -> 0.
  const std::uint16_t seqs[] = {65530, 65530, 65535, 0, 10, 11, 27};
  std::size_t n = write_nack(out.data(), out.size(), 1, 2, seqs);
  ASSERT_NE(n, 0u);
  EXPECT_EQ(nacked(Bytes{out}.first(n)), (std::vector<std::uint16_t>{65530, 65535, 0, 10, 11, 27}));
  EXPECT_EQ(nack_item_count(seqs), 2u);  // {65530..10} and {11, 27}

  EXPECT_EQ(write_nack(out.data(), out.size(), 1, 2, {}), 0u);
  const std::uint16_t one[] = {5};
  EXPECT_EQ(write_nack(out.data(), 15, 1, 2, one), 0u);
  EXPECT_EQ(write_nack(out.data(), 16, 1, 2, one), 16u);
}

TEST(RtcpWriter, RembRoundTrip) {
  std::array<std::uint8_t, 64> out{};
  const std::uint32_t ssrcs[] = {0xAAAA, 0xBBBB};
  std::size_t n = write_remb(out.data(), out.size(), 7, 1'000'000, ssrcs);
  ASSERT_EQ(n, 4u + 8 + 8 + 8);
  auto remb = Remb::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->sender_ssrc(), 7u);
  EXPECT_EQ(remb->bitrate(), 1'000'000u);
  ASSERT_EQ(remb->ssrc_count(), 2u);
  EXPECT_EQ(remb->ssrc(1), 0xBBBBu);

  // Beyond 18 bits of precision the value rounds down, never up.
  n = write_remb(out.data(), out.size(), 7, 1'000'003, ssrcs);
  remb = Remb::parse(only_packet(Bytes{out}.first(n)));
  ASSERT_TRUE(remb);
  EXPECT_LE(remb->bitrate(), 1'000'003u);
  EXPECT_GE(remb->bitrate(), 1'000'000u);
}

TEST(RtcpWriter, CompoundOfWrittenPackets) {
  std::array<std::uint8_t, 256> out{};
  ReportBlock blocks[] = {sample_block(3)};
  std::size_t n = write_receiver_report(out.data(), out.size(), 1, blocks);
  n += write_sdes_cname(out.data() + n, out.size() - n, 1, "podium");
  n += write_pli(out.data() + n, out.size() - n, 1, 3);
  std::vector<RtcpType> types;
  ASSERT_TRUE(for_each_rtcp_packet(Bytes{out}.first(n),
                                   [&](const RtcpPacket& p) { types.push_back(p.type()); }));
  EXPECT_EQ(types, (std::vector<RtcpType>{RtcpType::kReceiverReport, RtcpType::kSdes,
                                          RtcpType::kPayloadFeedback}));
}

}  // namespace
}  // namespace podium::rtp
