// Codecs beyond VP8 and the SRTP profiles through a running MediaServer: H.264 is
// received in the publisher's preferred format, forwarded to a subscriber in the
// payload type of the same profile, starting at a keyframe; a subscriber that cannot
// decode the stream is refused with a reason; Opus stereo is kept; clients offering a
// single SRTP profile (AES-256-GCM, HMAC-SHA1-32) get working sessions.
#include <algorithm>
#include <span>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21450;

class Codecs : public MediaFixture {
 public:
  Codecs() : MediaFixture(kPort) {}
  sfu::SessionId open_session(const std::string& participant, bool publish) { return open("room", participant, publish); }
  sfu::NegotiateResult negotiate_offer(sfu::SessionId id, std::string offer,
                                       std::map<std::string, std::string> subscriptions = {}) {
    return negotiate(id, std::move(offer), std::move(subscriptions));
  }
};

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// The test peer's video offer (VP8 at 96) with these formats instead, in this order.
// Each entry is {payload type, "a=rtpmap/fmtp lines"}.
std::string with_video_formats(std::string offer,
                               const std::vector<std::pair<int, std::string>>& formats) {
  std::string list, lines;
  for (const auto& [pt, text] : formats) {
    list += (list.empty() ? "" : " ") + std::to_string(pt);
    lines += text;
  }
  offer = replace(offer, "UDP/TLS/RTP/SAVPF 96\r\n", "UDP/TLS/RTP/SAVPF " + list + "\r\n");
  return replace(offer, "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n", lines);
}

std::string h264(int pt, const std::string& profile_level_id, int mode = 1) {
  return fmt::format(
      "a=rtpmap:{0} H264/90000\r\na=rtcp-fb:{0} nack\r\na=rtcp-fb:{0} nack pli\r\n"
      "a=fmtp:{0} level-asymmetry-allowed=1;packetization-mode={1};profile-level-id={2}\r\n",
      pt, mode, profile_level_id);
}
std::string vp8(int pt) { return fmt::format("a=rtpmap:{0} VP8/90000\r\na=rtcp-fb:{0} nack pli\r\n", pt); }

// RFC 6184: a non-IDR slice (NAL 1), STAP-A (24) with SPS (7), PPS (8) and an IDR slice
// (5), and an FU-A (28) continuing an IDR slice.
const std::uint8_t kNonIdr[] = {0x41, 0x9a, 0x02, 0x03};
const std::uint8_t kStapA[] = {0x78, 0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f, 0x00, 0x02,
                               0x68, 0xce, 0x00, 0x03, 0x65, 0x88, 0x84};
const std::uint8_t kFuAEnd[] = {0x7c, 0x45, 0x11, 0x22};

TEST_F(Codecs, H264IsReceivedAsPreferredAndForwardedInTheSubscribersMatchingProfile) {
  TestPeer alice, bob;
  auto alice_session = open("room", "alice", true);
  // The publisher prefers H.264 Constrained Baseline, then VP8.
  std::string offer = with_video_formats(alice.make_offer({{"video", "sendonly", 4444, "0"}}),
                                         {{102, h264(102, "42e01f")}, {96, vp8(96)}});
  auto answer = negotiate(alice_session, offer);
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_NE(answer.sdp_answer.find("UDP/TLS/RTP/SAVPF 102\r\n"), std::string::npos)
      << answer.sdp_answer;
  EXPECT_NE(answer.sdp_answer.find("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
                                   "profile-level-id=42e01f"),
            std::string::npos);
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());

  // The subscriber offers VP8, then H.264 High, Constrained Baseline in mode 0, Baseline
  // (42001f: no constraint_set1), and Constrained Baseline written as 4de01f.
  auto bob_session = open("room", "bob", false);
  std::string bob_offer = with_video_formats(
      bob.make_offer({{"video", "recvonly", 0, "0"}}),
      {{96, vp8(96)}, {100, h264(100, "640c1f")}, {104, h264(104, "42e01f", 0)},
       {106, h264(106, "42001f")}, {108, h264(108, "4de01f")}});
  auto bob_answer = negotiate(bob_session, bob_offer, {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
  // Not High, not mode 0; a Baseline decoder (106) takes Constrained Baseline (and 4de01f,
  // Main with constraint_set1, would be Constrained Baseline itself).
  EXPECT_NE(bob_answer.sdp_answer.find("UDP/TLS/RTP/SAVPF 106\r\n"), std::string::npos)
      << bob_answer.sdp_answer;
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.connect());

  alice.send_rtp(4444, 102, 10, 3000, kNonIdr, true);
  alice.send_rtp(4444, 102, 11, 6000, kNonIdr, true);
  bob.pump(100);
  EXPECT_TRUE(bob.received.empty()) << "slices before the first IDR are not forwarded";
  alice.pump(200);
  EXPECT_GE(alice.pli_received, 1u);

  alice.send_rtp(4444, 102, 12, 9000, kStapA, false);
  alice.send_rtp(4444, 102, 13, 9000, kFuAEnd, true);
  alice.send_rtp(4444, 102, 14, 12000, kNonIdr, true);
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 3u);
  EXPECT_EQ(bob.received[0].payload_type, 106);
  EXPECT_EQ(bob.received[0].payload, std::vector<std::uint8_t>(std::begin(kStapA), std::end(kStapA)));
  EXPECT_EQ(static_cast<std::uint16_t>(bob.received[1].sequence - bob.received[0].sequence), 1);
  EXPECT_EQ(bob.received[2].payload, std::vector<std::uint8_t>(std::begin(kNonIdr), std::end(kNonIdr)));
}

// A two-stream simulcast publisher in `format` (payload type `pt`); a subscriber on the
// low stream is moved to the high one: it switches at the high stream's keyframe
// (`key`; `delta` otherwise) with sequence numbers and timestamps continuing.
void expect_switch_at_keyframe(Codecs& t, sfu::MediaServer& media, int pt, const std::string& format,
                               std::span<const std::uint8_t> key, std::span<const std::uint8_t> delta) {
  const std::vector<std::string> rids = {"l", "h"};
  const std::uint32_t ssrcs[] = {8100, 8200};
  TestPeer alice, bob;
  auto alice_session = t.open_session("alice", true);
  std::string offer = TestPeer::with_simulcast(alice.make_offer({{"video", "sendonly", 0, "0"}}), "0", rids);
  auto answer = t.negotiate_offer(alice_session, with_video_formats(offer, {{pt, format}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_NE(answer.sdp_answer.find("a=simulcast:recv l;h"), std::string::npos) << answer.sdp_answer;
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  auto bob_session = t.open_session("bob", false);
  auto bob_answer = t.negotiate_offer(bob_session, with_video_formats(bob.make_offer({{"video", "recvonly", 0, "0"}}),
                                                                      {{pt, format}}),
                                      {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.connect());
  media.set_preferred_layers(bob_session, "0", 0);

  // Each stream its own sequence and timestamp lines; the last payload byte names it.
  std::uint16_t sequence[] = {100, 40000};
  std::uint32_t timestamp[] = {1000, 700000};
  auto send_frame = [&](int keyframe_layer) {
    for (int l = 0; l < 2; ++l) {
      auto bytes = l == keyframe_layer ? key : delta;
      std::vector<std::uint8_t> payload(bytes.begin(), bytes.end());
      payload.push_back(static_cast<std::uint8_t>(l));
      alice.send_rtp_with_rid(ssrcs[l], static_cast<std::uint8_t>(pt), sequence[l]++, timestamp[l], "0",
                              rids[static_cast<std::size_t>(l)], payload, true);
      timestamp[l] += 3000;
    }
    alice.pump(20);
    bob.pump(20);
  };
  send_frame(0);
  for (int i = 0; i < 4; ++i) send_frame(-1);
  bob.pump(100);
  ASSERT_EQ(bob.received.size(), 5u);

  media.set_preferred_layers(bob_session, "0", 1);
  for (int i = 0; i < 3; ++i) send_frame(-1);  // no keyframe on the high stream yet
  send_frame(1);
  for (int i = 0; i < 3; ++i) send_frame(-1);
  bob.pump(200);

  // The low stream goes on until the high stream's keyframe (that frame's low packet went
  // first), then only the high stream.
  ASSERT_EQ(bob.received.size(), 5u + 3u + 1u + 4u);
  for (std::size_t i = 0; i < bob.received.size(); ++i) {
    const auto& p = bob.received[i];
    EXPECT_EQ(p.payload.back(), i < 9 ? 0 : 1) << "packet " << i;
    if (i) {
      EXPECT_EQ(static_cast<std::uint16_t>(p.sequence - bob.received[i - 1].sequence), 1) << i;
      auto step = static_cast<std::int32_t>(p.timestamp - bob.received[i - 1].timestamp);
      EXPECT_GT(step, 0) << "timestamps go forward across the switch, at " << i;
    }
  }
  EXPECT_TRUE(std::equal(key.begin(), key.end(), bob.received[9].payload.begin()))
      << "the high stream starts at its keyframe";
}

TEST_F(Codecs, H264SimulcastSwitchesAtTheNewStreamsIdrWithContinuousNumbers) {
  expect_switch_at_keyframe(*this, media_, 102, h264(102, "42e01f"), kStapA, kNonIdr);
}

// RFC 9628 §4.2: VP9 simulcast (one spatial layer per stream, as Chromium sends it)
// switches at a picture that is not inter-predicted (P=0) and starts a frame (B=1).
TEST_F(Codecs, Vp9SimulcastSwitchesAtTheNewStreamsKeyframeWithContinuousNumbers) {
  const std::uint8_t key[] = {0x0C, 0x82, 0x49};    // B E, then VP9 frame bytes
  const std::uint8_t delta[] = {0x4C, 0x86, 0x00};  // P B E
  expect_switch_at_keyframe(*this, media_, 98, "a=rtpmap:98 VP9/90000\r\na=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\na=fmtp:98 profile-id=0\r\n",
                            key, delta);
}

TEST_F(Codecs, ASubscriberThatCannotDecodeTheProfileIsRefusedWithAReason) {
  TestPeer alice, bob, carol;
  auto alice_session = open("room", "alice", true);
  auto answer = negotiate(alice_session,
                          with_video_formats(alice.make_offer({{"video", "sendonly", 5555, "0"}}),
                                             {{102, h264(102, "640c1f")}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_EQ(answer.published.size(), 1u);

  // Only Constrained Baseline and VP8: the High stream cannot be decoded.
  auto bob_session = open("room", "bob", false);
  auto refused = negotiate(bob_session,
                           with_video_formats(bob.make_offer({{"video", "recvonly", 0, "0"}}),
                                              {{96, vp8(96)}, {102, h264(102, "42e01f")}}),
                           {{"0", answer.published[0].id}});
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.error.find("profile constrained-baseline but the stream is constrained-high"),
            std::string::npos)
      << refused.error;

  // With audio beside it, only the video section is rejected (port 0).
  std::string both = carol.make_offer({{"audio", "recvonly", 0, "0"}, {"video", "recvonly", 0, "1"}});
  both = with_video_formats(both, {{102, h264(102, "640c0b")}});
  auto carol_session = open("room", "carol", false);
  auto partial = negotiate(carol_session, both, {{"1", answer.published[0].id}});
  ASSERT_TRUE(partial.ok) << partial.error;
  EXPECT_NE(partial.sdp_answer.find("m=video 0 "), std::string::npos) << partial.sdp_answer;

  // A level at least the stream's is accepted.
  auto dave_session = open("room", "dave", false);
  TestPeer dave;
  auto accepted = negotiate(dave_session,
                            with_video_formats(dave.make_offer({{"video", "recvonly", 0, "0"}}),
                                               {{110, h264(110, "640c34")}}),
                            {{"0", answer.published[0].id}});
  ASSERT_TRUE(accepted.ok) << accepted.error;
  EXPECT_NE(accepted.sdp_answer.find("UDP/TLS/RTP/SAVPF 110\r\n"), std::string::npos);
}

TEST_F(Codecs, OpusStereoOfThePublisherReachesTheSubscribersAnswer) {
  TestPeer alice, bob;
  auto alice_session = open("room", "alice", true);
  std::string offer = replace(alice.make_offer({{"audio", "sendonly", 6666, "0"}}),
                              "a=fmtp:111 minptime=10;useinbandfec=1",
                              "a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1");
  auto answer = negotiate(alice_session, offer);
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_NE(answer.sdp_answer.find("a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1"),
            std::string::npos)
      << answer.sdp_answer;

  auto bob_session = open("room", "bob", false);
  auto bob_answer = negotiate(bob_session, bob.make_offer({{"audio", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
  EXPECT_NE(bob_answer.sdp_answer.find("a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1"),
            std::string::npos)
      << bob_answer.sdp_answer;
}

TEST_F(Codecs, ClientsOfferingOnlyAes256GcmOrHmacSha1_32HaveWorkingSessions) {
  TestPeer alice, bob;
  alice.srtp_profiles = {dtls::SrtpProfile::kAeadAes256Gcm};
  bob.srtp_profiles = {dtls::SrtpProfile::kAes128CmSha1_32};
  auto alice_session = open("room", "alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"audio", "sendonly", 7777, "0"}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  EXPECT_EQ(alice.srtp_profile(), dtls::SrtpProfile::kAeadAes256Gcm);

  auto bob_session = open("room", "bob", false);
  auto bob_answer = negotiate(bob_session, bob.make_offer({{"audio", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.connect());
  EXPECT_EQ(bob.srtp_profile(), dtls::SrtpProfile::kAes128CmSha1_32);

  const std::uint8_t opus[] = {0xfc, 0xff, 0xfe, 0x01, 0x02};
  for (int i = 0; i < 20; ++i) {
    alice.send_rtp(7777, 111, static_cast<std::uint16_t>(100 + i), 960u * i, opus);
    bob.pump(2);
  }
  bob.pump(200);
  // Alice's AES-256-GCM packets were unprotected by Podium and protected again with
  // HMAC-SHA1-32 for Bob, who could authenticate and decrypt them.
  ASSERT_GE(bob.received.size(), 18u);
  EXPECT_EQ(bob.received[0].payload, std::vector<std::uint8_t>(std::begin(opus), std::end(opus)));
  // And RTCP flows back (receiver reports protected as SRTCP with the 80-bit tag).
  alice.pump(1200);
  EXPECT_GE(alice.rtcp_received, 1u);
}

}  // namespace
}  // namespace podium::testing
