#include "rtp/demux.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace podium::rtp {
namespace {

TEST(Demux, RtpVersusRtcpBySecondByte) {
  // RTP, PT 111 (Opus), marker clear.
  const std::uint8_t rtp[] = {0x80, 0x6F, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_TRUE(looks_like_rtp(rtp));
  EXPECT_FALSE(is_rtcp_packet(rtp));
  // RTP PT 96 with the marker: second byte 0xE0 = 224, just past the RTCP range.
  const std::uint8_t rtp_marker[] = {0x80, 0xE0, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_FALSE(is_rtcp_packet(rtp_marker));
  // Empty RR: 0x80 201.
  const std::uint8_t rr[] = {0x80, 0xC9, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78};
  EXPECT_TRUE(looks_like_rtp(rr));
  EXPECT_TRUE(is_rtcp_packet(rr));
  // PSFB 206 with FMT 1.
  const std::uint8_t pli[] = {0x81, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
  EXPECT_TRUE(is_rtcp_packet(pli));
  // Second byte 192 and 223 are the edges of the RFC 5761 range.
  const std::uint8_t low[] = {0x80, 192, 0, 0};
  const std::uint8_t high[] = {0x80, 223, 0, 0};
  EXPECT_TRUE(is_rtcp_packet(low));
  EXPECT_TRUE(is_rtcp_packet(high));
}

TEST(Demux, Rfc7983Ranges) {
  const std::uint8_t stun[] = {0x00, 0x01, 0x00, 0x00};
  const std::uint8_t dtls[] = {22, 0xFE, 0xFD, 0x00};
  const std::uint8_t v3[] = {0xC0, 0xC8, 0x00, 0x00};
  EXPECT_FALSE(looks_like_rtp(stun));
  EXPECT_FALSE(looks_like_rtp(dtls));
  EXPECT_FALSE(looks_like_rtp(v3));
  EXPECT_FALSE(is_rtcp_packet(v3));
  EXPECT_FALSE(looks_like_rtp(Bytes{}));
  const std::uint8_t short_rtcp[] = {0x80, 0xC8};
  EXPECT_FALSE(is_rtcp_packet(short_rtcp));
}

}  // namespace
}  // namespace podium::rtp
