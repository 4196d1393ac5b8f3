#include "rtp/rtcp_packet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace podium::rtp {
namespace {

// What Chrome sends as a receiver with nothing to send: RR with one report block,
// then SDES with its 16-character CNAME (RFC 3550 §6.1 compound).
const char* const kChromeRrSdes =
    "81c90007 5a3c1f27"
    "1b2c3d4e 05000012 0001a2b3 00000021 8f3a1c00 0001e000"
    "81ca0006 5a3c1f27 0110 61316232633364346535663667376838 0000";

TEST(Rtcp, ParsesChromiumLikeCompoundRrSdes) {
  auto buf = from_hex(kChromeRrSdes);
  ASSERT_TRUE(is_valid_rtcp_compound(buf));
  std::vector<RtcpType> types;
  std::optional<ReceiverReport> rr;
  std::string cname;
  bool ok = for_each_rtcp_packet(buf, [&](const RtcpPacket& packet) {
    types.push_back(packet.type());
    if (auto r = ReceiverReport::parse(packet)) rr = r;
    SdesReader sdes(packet);
    while (auto item = sdes.next()) {
      EXPECT_EQ(item->ssrc, 0x5a3c1f27u);
      if (item->type == kSdesCname) cname = std::string(as_string_view(item->value));
    }
    EXPECT_FALSE(sdes.malformed());
  });
  ASSERT_TRUE(ok);
  EXPECT_EQ(types, (std::vector<RtcpType>{RtcpType::kReceiverReport, RtcpType::kSdes}));
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->ssrc(), 0x5a3c1f27u);
  ASSERT_EQ(rr->report_count(), 1u);
  ReportBlock b = rr->report_block(0);
  EXPECT_EQ(b.ssrc, 0x1b2c3d4eu);
  EXPECT_EQ(b.fraction_lost, 5);
  EXPECT_EQ(b.cumulative_lost, 0x12);
  EXPECT_EQ(b.extended_highest_sequence, 0x0001a2b3u);
  EXPECT_EQ(b.jitter, 0x21u);
  EXPECT_EQ(b.last_sr, 0x8f3a1c00u);
  EXPECT_EQ(b.delay_since_last_sr, 0x0001e000u);
  EXPECT_EQ(cname, "a1b2c3d4e5f6g7h8");
}

TEST(Rtcp, NegativeCumulativeLost) {
  // RFC 3550 §6.4.1: duplicates can make the 24-bit signed count negative.
  auto buf = from_hex("81c90007 00000001 00000002 00fffffe 00000000 00000000 00000000 00000000");
  auto packet = RtcpPacket::parse(buf);
  ASSERT_TRUE(packet);
  auto rr = ReceiverReport::parse(*packet);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->report_block(0).cumulative_lost, -2);
}

TEST(Rtcp, RejectsBrokenCompounds) {
  auto invalid = [](std::string_view text) { return !is_valid_rtcp_compound(from_hex(text)); };
  EXPECT_TRUE(invalid(""));
  EXPECT_TRUE(invalid("80c9"));                    // shorter than a header
  EXPECT_TRUE(invalid("80c90002 00000001"));       // length past the end
  EXPECT_TRUE(invalid("40c90001 00000001"));       // version 1
  EXPECT_TRUE(invalid("80c90001 00000001 00"));    // trailing byte
  EXPECT_TRUE(invalid("80c90001 00000001 80c9"));  // second packet cut
  EXPECT_TRUE(invalid("a0c90001 00000000"));       // padding count 0
  EXPECT_TRUE(invalid("a0c90001 00000009"));       // padding past the body
  // Padding on a packet that is not the last (RFC 3550 §6.4.1).
  EXPECT_TRUE(invalid("a0c90002 00000001 00000004 80c90001 00000001"));
  EXPECT_FALSE(invalid("80c90001 00000001 a0c90002 00000001 00000004"));

  // Nothing is delivered from a broken compound.
  int calls = 0;
  EXPECT_FALSE(for_each_rtcp_packet(from_hex("80c90001 00000001 80c90009 00000001"),
                                    [&](const RtcpPacket&) { ++calls; }));
  EXPECT_EQ(calls, 0);
}

TEST(Rtcp, CompoundReaderStopsAtMalformed) {
  auto buf = from_hex("80c90001 00000001 80c90009 00000001");
  RtcpCompoundReader reader(buf);
  EXPECT_TRUE(reader.next());
  EXPECT_FALSE(reader.next());
  EXPECT_TRUE(reader.malformed());
}

TEST(Rtcp, PaddedPacketBodyExcludesPadding) {
  auto buf = from_hex("a1cb0002 11223344 00000004");  // BYE, padding 4
  auto packet = RtcpPacket::parse(buf);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->body().size(), 4u);
  auto bye = Bye::parse(*packet);
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->ssrc_count(), 1u);
  EXPECT_EQ(bye->ssrc(0), 0x11223344u);
  EXPECT_TRUE(bye->reason().empty());
}

TEST(Rtcp, TypedViewsRejectShortBodies) {
  // RR claiming one block in an 8-byte packet; SR without sender info.
  auto rr_buf = from_hex("81c90001 00000001");
  auto sr_buf = from_hex("80c80002 00000001 00000000");
  EXPECT_FALSE(ReceiverReport::parse(*RtcpPacket::parse(rr_buf)));
  EXPECT_FALSE(SenderReport::parse(*RtcpPacket::parse(sr_buf)));
  // Wrong type for the view.
  EXPECT_FALSE(SenderReport::parse(*RtcpPacket::parse(rr_buf)));
  // BYE whose reason length runs past the packet.
  auto bye_buf = from_hex("81cb0002 00000001 09616263");
  EXPECT_FALSE(Bye::parse(*RtcpPacket::parse(bye_buf)));
  // NACK with no FCI, FIR with a half entry, PLI as RTPFB is not a PLI.
  auto nack_buf = from_hex("81cd0002 00000001 00000002");
  EXPECT_FALSE(Nack::parse(*RtcpPacket::parse(nack_buf)));
  auto fir_buf = from_hex("84ce0003 00000001 00000000 00000002");
  EXPECT_FALSE(Fir::parse(*RtcpPacket::parse(fir_buf)));
  EXPECT_FALSE(Pli::parse(*RtcpPacket::parse(nack_buf)));
  // REMB with a wrong identifier or an SSRC count past the end.
  auto afb_buf = from_hex("8fce0004 00000001 00000000 52454d43 00000000");
  EXPECT_FALSE(Remb::parse(*RtcpPacket::parse(afb_buf)));
  auto remb_buf = from_hex("8fce0004 00000001 00000000 52454d42 02000000");
  EXPECT_FALSE(Remb::parse(*RtcpPacket::parse(remb_buf)));
  // Feedback without room for both SSRCs.
  auto fb_buf = from_hex("81ce0001 00000001");
  EXPECT_FALSE(FeedbackPacket::parse(*RtcpPacket::parse(fb_buf)));
}

TEST(Rtcp, SdesSeveralChunksAndMalformed) {
  // Two chunks: CNAME "ab" + NAME "x"; CNAME "c". Each ends with a null and padding.
  auto buf = from_hex(
      "82ca0005"
      "00000001 01026162 02017800"
      "00000002 01016300");
  auto packet = RtcpPacket::parse(buf);
  ASSERT_TRUE(packet);
  SdesReader reader(*packet);
  std::vector<std::string> seen;
  while (auto item = reader.next()) {
    seen.push_back(std::to_string(item->ssrc) + ":" + std::to_string(item->type) + ":" +
                   std::string(as_string_view(item->value)));
  }
  EXPECT_FALSE(reader.malformed());
  EXPECT_EQ(seen, (std::vector<std::string>{"1:1:ab", "1:2:x", "2:1:c"}));

  // An item length past the packet.
  auto bad = from_hex("81ca0002 00000001 01096162");
  SdesReader bad_reader(*RtcpPacket::parse(bad));
  EXPECT_FALSE(bad_reader.next());
  EXPECT_TRUE(bad_reader.malformed());
}

TEST(Rtcp, TransportCcFixedFields) {
  // base seq 0x0102, 3 packets, reference time -1 (0xffffff), fb count 7, one chunk.
  auto buf = from_hex("8fcd0005 00000001 00000002 01020003 ffffff07 20030000");
  auto packet = RtcpPacket::parse(buf);
  ASSERT_TRUE(packet);
  auto cc = TransportCc::parse(*packet);
  ASSERT_TRUE(cc);
  EXPECT_EQ(cc->sender_ssrc(), 1u);
  EXPECT_EQ(cc->media_ssrc(), 2u);
  EXPECT_EQ(cc->base_sequence_number(), 0x0102);
  EXPECT_EQ(cc->packet_status_count(), 3);
  EXPECT_EQ(cc->reference_time(), -1);
  EXPECT_EQ(cc->feedback_packet_count(), 7);
  EXPECT_EQ(cc->chunks().size(), 4u);
  EXPECT_FALSE(Nack::parse(*packet));
}

TEST(Rtcp, RembBitrate) {
  // exponent 2, mantissa 0x3ffff: 262143 * 4 bps, one SSRC.
  auto buf = from_hex("8fce0005 00000001 00000000 52454d42 010bffff 0000abcd");
  auto packet = RtcpPacket::parse(buf);
  ASSERT_TRUE(packet);
  auto remb = Remb::parse(*packet);
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->sender_ssrc(), 1u);
  EXPECT_EQ(remb->bitrate(), 262143u * 4);
  ASSERT_EQ(remb->ssrc_count(), 1u);
  EXPECT_EQ(remb->ssrc(0), 0xabcdu);

  // exponent 63 overflows: saturates instead of wrapping.
  auto huge = from_hex("8fce0004 00000001 00000000 52454d42 00ffffff");
  auto huge_remb = Remb::parse(*RtcpPacket::parse(huge));
  ASSERT_TRUE(huge_remb);
  EXPECT_EQ(huge_remb->bitrate(), ~std::uint64_t{0});
}

}  // namespace
}  // namespace podium::rtp
