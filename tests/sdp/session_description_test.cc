#include "sdp/session_description.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sdp_test_data.h"

namespace podium::sdp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::load_fixture;

SessionDescription parse_ok(const std::string& text) {
  auto result = parse(text);
  EXPECT_TRUE(result.ok()) << result.error();
  return result.ok() ? result.value() : SessionDescription{};
}

std::string parse_error(const std::string& text) {
  auto result = parse(text);
  EXPECT_FALSE(result.ok()) << "parsed:\n" << text;
  return result.ok() ? std::string() : result.error();
}

constexpr const char* kHead = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

TEST(SdpParse, ChromiumOffer) {
  auto s = parse_ok(load_fixture("chrome_offer.sdp"));
  EXPECT_EQ(s.origin.session_id, "4611731400430051336");
  EXPECT_EQ(s.origin.session_version, "2");
  EXPECT_EQ(s.origin.address, "127.0.0.1");
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].semantics, "BUNDLE");
  EXPECT_THAT(s.groups[0].mids, ElementsAre("0", "1", "2", "3"));
  EXPECT_TRUE(s.extmap_allow_mixed);
  EXPECT_EQ(s.msid_semantic, "WMS 5c1d2f0e-8d55-4a2a-9e3b-2b3c1d0e9f11");
  EXPECT_FALSE(s.ice_lite);
  ASSERT_EQ(s.media.size(), 4u);

  const MediaDescription& audio = s.media[0];
  EXPECT_EQ(audio.kind, "audio");
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_THAT(audio.formats, ElementsAre("111", "63", "9", "0", "8", "13", "110", "126"));
  ASSERT_TRUE(audio.connection);
  EXPECT_EQ(audio.connection->address, "0.0.0.0");
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.direction, Direction::kSendOnly);
  EXPECT_TRUE(audio.rtcp_mux);
  EXPECT_TRUE(audio.rtcp_rsize);
  EXPECT_EQ(audio.ice.ufrag, "hF0K");
  EXPECT_EQ(audio.ice.pwd, "u7zM4yZ8Rk2nLqJg0P1sXw3e");
  EXPECT_THAT(audio.ice.options, ElementsAre("trickle"));
  ASSERT_EQ(audio.fingerprints.size(), 1u);
  EXPECT_EQ(audio.fingerprints[0].algorithm, "sha-256");
  EXPECT_EQ(audio.fingerprints[0].value.substr(0, 8), "ED:64:ED");
  EXPECT_EQ(audio.setup, Setup::kActpass);
  ASSERT_EQ(audio.codecs.size(), 8u);
  const Codec& opus = audio.codecs[0];
  EXPECT_EQ(opus.payload_type, 111);
  EXPECT_EQ(opus.name, "opus");
  EXPECT_EQ(opus.clock_rate, 48000u);
  EXPECT_EQ(opus.channels, 2);
  EXPECT_EQ(opus.fmtp, "minptime=10;useinbandfec=1");
  EXPECT_THAT(opus.rtcp_fb, ElementsAre("transport-cc"));
  ASSERT_NE(audio.find_codec(0), nullptr);
  EXPECT_EQ(audio.find_codec(0)->name, "PCMU");
  ASSERT_EQ(audio.extmaps.size(), 4u);
  EXPECT_EQ(audio.extmaps[0].id, 1);
  EXPECT_EQ(audio.extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  EXPECT_FALSE(audio.extmaps[0].direction);
  EXPECT_EQ(audio.extmap_id("urn:ietf:params:rtp-hdrext:sdes:mid"), 4);
  ASSERT_EQ(audio.candidates.size(), 2u);
  EXPECT_EQ(audio.candidates[0].address, "3f4c2b1a-1234-4d5e-8f9a-0b1c2d3e4f5a.local");
  EXPECT_EQ(audio.candidates[0].type, "host");
  EXPECT_EQ(audio.candidates[1].priority, 1686052607u);
  EXPECT_EQ(audio.candidates[1].port, 54400);
  EXPECT_EQ(audio.candidates[1].type, "srflx");
  EXPECT_EQ(audio.candidates[1].related_address, "0.0.0.0");
  EXPECT_EQ(audio.candidates[1].related_port, 0);
  EXPECT_FALSE(audio.end_of_candidates);
  ASSERT_EQ(audio.msids.size(), 1u);
  EXPECT_EQ(audio.msids[0].stream_id, "5c1d2f0e-8d55-4a2a-9e3b-2b3c1d0e9f11");
  EXPECT_EQ(audio.msids[0].track_id, "0f4c7c2a-3b1e-4d8a-9f00-6a1b2c3d4e5f");
  ASSERT_EQ(audio.ssrcs.size(), 2u);
  EXPECT_EQ(audio.ssrcs[0].ssrc, 3735928559u);
  EXPECT_EQ(audio.ssrcs[0].attribute, "cname");
  EXPECT_EQ(audio.ssrcs[0].value, "Zk3oN2pQ8vXyT4bA");
  EXPECT_EQ(audio.ssrcs[1].attribute, "msid");
  // a=rtcp is not interpreted but kept.
  ASSERT_EQ(audio.other_attributes.size(), 1u);
  EXPECT_EQ(audio.other_attributes[0].name, "rtcp");
  EXPECT_EQ(audio.other_attributes[0].value, "9 IN IP4 0.0.0.0");

  const MediaDescription& simulcast = s.media[1];
  EXPECT_EQ(simulcast.direction, Direction::kSendOnly);
  EXPECT_EQ(simulcast.codecs.size(), 15u);
  ASSERT_NE(simulcast.find_codec(104), nullptr);
  EXPECT_EQ(simulcast.find_codec(104)->fmtp,
            "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f");
  EXPECT_THAT(simulcast.find_codec(96)->rtcp_fb,
              ElementsAre("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"));
  ASSERT_EQ(simulcast.rids.size(), 3u);
  EXPECT_EQ(simulcast.rids[0].id, "q");
  EXPECT_EQ(simulcast.rids[0].direction, RidDirection::kSend);
  ASSERT_TRUE(simulcast.simulcast);
  EXPECT_TRUE(simulcast.simulcast->recv.empty());
  ASSERT_EQ(simulcast.simulcast->send.size(), 3u);
  EXPECT_EQ(simulcast.simulcast->send[2][0].id, "f");
  EXPECT_EQ(simulcast.simulcast->raw, "send q;h;f");
  EXPECT_EQ(simulcast.extmap_id("urn:3gpp:video-orientation"), 13);

  EXPECT_EQ(s.media[2].direction, Direction::kRecvOnly);
  EXPECT_TRUE(s.media[2].ssrcs.empty());

  const MediaDescription& data = s.media[3];
  EXPECT_EQ(data.kind, "application");
  EXPECT_EQ(data.protocol, "UDP/DTLS/SCTP");
  EXPECT_THAT(data.formats, ElementsAre("webrtc-datachannel"));
  EXPECT_FALSE(data.is_rtp());
  EXPECT_TRUE(data.codecs.empty());
  ASSERT_EQ(data.other_attributes.size(), 2u);
  EXPECT_EQ(data.other_attributes[0].name, "sctp-port");
  EXPECT_EQ(data.other_attributes[0].value, "5000");
  EXPECT_EQ(data.other_attributes[1].name, "max-message-size");
}

TEST(SdpParse, FirefoxOfferWithSessionLevelFingerprint) {
  auto s = parse_ok(load_fixture("firefox_offer.sdp"));
  EXPECT_EQ(s.origin.username, "mozilla...THIS_IS_SDPARTA-120.0");
  EXPECT_EQ(s.msid_semantic, "WMS *");
  ASSERT_EQ(s.fingerprints.size(), 1u);
  EXPECT_THAT(s.ice.options, ElementsAre("trickle"));
  ASSERT_EQ(s.media.size(), 2u);

  const MediaDescription& audio = s.media[0];
  EXPECT_TRUE(audio.fingerprints.empty());
  auto fingerprint = effective_fingerprint(audio, s);
  ASSERT_TRUE(fingerprint);
  EXPECT_EQ(fingerprint->algorithm, "sha-256");
  EXPECT_EQ(fingerprint->value, s.fingerprints[0].value);
  IceParameters ice = effective_ice(audio, s);
  EXPECT_EQ(ice.ufrag, "8d1e2f3a");
  EXPECT_EQ(ice.pwd, "4f0b3c2a1e9d8c7b6a5f4e3d2c1b0a99");
  EXPECT_THAT(ice.options, ElementsAre("trickle"));  // from session level
  EXPECT_EQ(effective_setup(audio, s), Setup::kActpass);
  EXPECT_EQ(audio.direction, Direction::kSendRecv);
  ASSERT_EQ(audio.extmaps.size(), 3u);
  EXPECT_EQ(audio.extmaps[1].id, 2);
  EXPECT_EQ(audio.extmaps[1].direction, Direction::kRecvOnly);
  EXPECT_EQ(audio.extmaps[1].uri, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
  // Firefox writes fmtp before rtpmap; both land on the same codec.
  const Codec* opus = audio.find_codec(109);
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->name, "opus");
  EXPECT_EQ(opus->fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  EXPECT_EQ(audio.find_codec(9)->channels, 1);
  EXPECT_EQ(audio.msids[0].stream_id, "{6b1d2a54-3c2e-4f0a-9b8c-7d6e5f4a3b2c}");

  const MediaDescription& video = s.media[1];
  EXPECT_EQ(video.find_codec(126)->fmtp,
            "profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1");
  EXPECT_EQ(video.find_codec(124)->fmtp, "apt=120");
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_THAT(video.ssrc_groups[0].ssrcs, ElementsAre(1523412673u, 3318046581u));
  EXPECT_EQ(video.extmaps[3].direction, Direction::kRecvOnly);
}

TEST(SdpParse, WhepOfferWithLfLineEnds) {
  std::string text = load_fixture("whep_offer.sdp");
  ASSERT_EQ(text.find('\r'), std::string::npos) << "fixture is meant to use LF only";
  auto s = parse_ok(text);
  ASSERT_EQ(s.media.size(), 2u);
  EXPECT_EQ(s.msid_semantic, "WMS");
  EXPECT_EQ(s.media[0].direction, Direction::kRecvOnly);
  EXPECT_EQ(s.media[1].direction, Direction::kRecvOnly);
  EXPECT_EQ(s.media[1].codecs.size(), 4u);
  EXPECT_TRUE(s.media[1].msids.empty());
}

TEST(SdpParse, AiortcOfferWithSeveralFingerprints) {
  auto s = parse_ok(load_fixture("aiortc_offer.sdp"));
  ASSERT_EQ(s.media.size(), 2u);
  const MediaDescription& audio = s.media[0];
  EXPECT_EQ(audio.port, 50123);
  EXPECT_EQ(audio.connection->address, "192.168.1.20");
  ASSERT_EQ(audio.fingerprints.size(), 3u);
  EXPECT_EQ(audio.fingerprints[1].algorithm, "sha-384");
  EXPECT_EQ(effective_fingerprints(audio, s).size(), 3u);
  EXPECT_EQ(effective_fingerprint(audio, s)->algorithm, "sha-256");
  EXPECT_TRUE(audio.end_of_candidates);
  ASSERT_EQ(audio.candidates.size(), 2u);
  EXPECT_EQ(audio.candidates[1].related_address, "192.168.1.20");
  EXPECT_EQ(audio.candidates[1].related_port, 50123);
  EXPECT_EQ(s.media[1].ssrc_groups[0].ssrcs.size(), 2u);
  EXPECT_EQ(s.media[1].codecs.size(), 6u);
}

TEST(SdpParse, GStreamerOfferWithoutBundle) {
  auto s = parse_ok(load_fixture("gstreamer_offer.sdp"));
  EXPECT_TRUE(s.groups.empty());
  ASSERT_EQ(s.media.size(), 2u);
  EXPECT_EQ(s.media[0].mid, "video0");
  EXPECT_EQ(s.media[1].mid, "audio1");
  EXPECT_NE(s.media[0].ice.ufrag, s.media[1].ice.ufrag);
  EXPECT_EQ(s.media[1].codecs[0].name, "OPUS");
  EXPECT_TRUE(iequals(s.media[1].codecs[0].name, "opus"));
  EXPECT_EQ(s.media[0].ssrcs[0].value, "user2318412478@host-4a7b webrtctransceiver0");
}

class SdpRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(SdpRoundTrip, WriteThenParsePreservesTheModel) {
  auto first = parse_ok(load_fixture(GetParam()));
  std::string text = write(first);
  // CRLF everywhere, no bare LF.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  EXPECT_EQ(text.substr(0, 5), "v=0\r\n");
  auto second = parse_ok(text);
  EXPECT_EQ(first, second);
  EXPECT_EQ(write(second), text);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SdpRoundTrip,
                         ::testing::Values("chrome_offer.sdp", "firefox_offer.sdp",
                                           "whep_offer.sdp", "aiortc_offer.sdp",
                                           "gstreamer_offer.sdp"));

TEST(SdpWrite, LineOrderFollowsRfc8866) {
  auto s = parse_ok(load_fixture("firefox_offer.sdp"));
  std::string text = write(s);
  EXPECT_EQ(text.substr(0, text.find("a=")),
            "v=0\r\no=mozilla...THIS_IS_SDPARTA-120.0 7519466359519519136 0 IN IP4 0.0.0.0\r\n"
            "s=-\r\nt=0 0\r\n");
  EXPECT_THAT(text, HasSubstr("m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\nc=IN IP4 0.0.0.0\r\n"
                              "a=mid:0\r\na=sendrecv\r\n"));
  EXPECT_THAT(text,
              HasSubstr("a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"));
  EXPECT_THAT(text, HasSubstr("a=rtpmap:109 opus/48000/2\r\n"
                              "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"));
  EXPECT_THAT(text, HasSubstr("a=ssrc-group:FID 1523412673 3318046581\r\n"));
}

TEST(SdpParse, LenientWithWhatPodiumDoesNotUse) {
  auto s = parse_ok(std::string(kHead) +
                    "i=session info\r\n"
                    "a=recvonly\r\n"
                    "a=x-custom:1 2 3\r\n"
                    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\n"
                    "i=media title\r\n"
                    "b=AS:2500\r\n"
                    "a=rtpmap:96 VP8/90000\r\n"
                    "a=rtpmap:98 H264/90000\r\n"
                    "a=rtcp-fb:* nack\r\n"
                    "a=rtpmap:120 VP9/90000\r\n"
                    "a=candidate:garbage\r\n"
                    "a=simulcast:send rid=h;~m,l\r\n"
                    "\r\n");
  EXPECT_EQ(s.direction, Direction::kRecvOnly);
  ASSERT_EQ(s.other_attributes.size(), 1u);
  EXPECT_EQ(s.other_attributes[0].value, "1 2 3");
  ASSERT_EQ(s.media.size(), 1u);
  const MediaDescription& m = s.media[0];
  EXPECT_EQ(m.direction, Direction::kRecvOnly);  // inherited from session level
  EXPECT_THAT(m.bandwidths, ElementsAre("AS:2500"));
  // 97 has no rtpmap: kept on the m= line, not usable as a codec.
  EXPECT_THAT(m.formats, ElementsAre("96", "97", "98"));
  ASSERT_EQ(m.codecs.size(), 2u);
  EXPECT_THAT(m.codecs[0].rtcp_fb, ElementsAre("nack"));
  EXPECT_THAT(m.codecs[1].rtcp_fb, ElementsAre("nack"));
  // rtpmap for a format not on the m= line is kept as an unknown attribute.
  ASSERT_EQ(m.other_attributes.size(), 1u);
  EXPECT_EQ(m.other_attributes[0].name, "rtpmap");
  EXPECT_TRUE(m.candidates.empty());
  // Draft syntax "rid=" and paused '~' rids.
  ASSERT_TRUE(m.simulcast);
  ASSERT_EQ(m.simulcast->send.size(), 2u);
  EXPECT_EQ(m.simulcast->send[0][0].id, "h");
  EXPECT_TRUE(m.simulcast->send[1][0].paused);
  EXPECT_EQ(m.simulcast->send[1][0].id, "m");
  EXPECT_EQ(m.simulcast->send[1][1].id, "l");
}

TEST(SdpParse, RidWithRestrictions) {
  auto s = parse_ok(std::string(kHead) +
                    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
                    "a=rtpmap:96 VP8/90000\r\n"
                    "a=rtpmap:97 VP9/90000\r\n"
                    "a=rid:hi send pt=96,97;max-width=1280;max-height=720\r\n"
                    "a=rid:lo recv\r\n"
                    "a=simulcast:recv lo send hi\r\n");
  const MediaDescription& m = s.media[0];
  ASSERT_EQ(m.rids.size(), 2u);
  EXPECT_THAT(m.rids[0].payload_types, ElementsAre(96, 97));
  ASSERT_EQ(m.rids[0].params.size(), 2u);
  EXPECT_EQ(m.rids[0].params[0].key, "max-width");
  EXPECT_EQ(m.rids[0].params[0].value, "1280");
  EXPECT_EQ(m.rids[1].direction, RidDirection::kRecv);
  EXPECT_EQ(m.simulcast->recv[0][0].id, "lo");
  EXPECT_EQ(m.simulcast->send[0][0].id, "hi");
  EXPECT_THAT(write(s), HasSubstr("a=rid:hi send pt=96,97;max-width=1280;max-height=720\r\n"));
}

TEST(SdpCandidate, ParsesTcpAndExtensions) {
  auto c = parse_candidate(
      "candidate:3 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->foundation, "3");
  EXPECT_EQ(c->transport, "tcp");
  EXPECT_EQ(c->port, 9);
  ASSERT_EQ(c->extensions.size(), 2u);
  EXPECT_EQ(c->extensions[0].first, "tcptype");
  EXPECT_EQ(c->extensions[0].second, "active");
  EXPECT_EQ(c->raw,
            "candidate:3 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0");

  EXPECT_FALSE(parse_candidate("candidate:1 1 udp 1 192.0.2.1 99999 typ host").ok());
  EXPECT_FALSE(parse_candidate("candidate:1 1 udp 1 192.0.2.1 5000 type host").ok());
  EXPECT_FALSE(parse_candidate("candidate:1 1 udp").ok());
}

TEST(SdpHelpers, DirectionAndSetupNames) {
  EXPECT_EQ(parse_direction("sendonly"), Direction::kSendOnly);
  EXPECT_FALSE(parse_direction("send"));
  EXPECT_EQ(reverse(Direction::kSendOnly), Direction::kRecvOnly);
  EXPECT_EQ(reverse(Direction::kRecvOnly), Direction::kSendOnly);
  EXPECT_EQ(reverse(Direction::kSendRecv), Direction::kSendRecv);
  EXPECT_EQ(to_string(Direction::kInactive), "inactive");
  EXPECT_EQ(parse_setup("ACTPASS"), Setup::kActpass);
  EXPECT_EQ(to_string(Setup::kPassive), "passive");
  EXPECT_FALSE(parse_setup("both"));
  Simulcast simulcast;
  simulcast.recv = {{{"h", false}}, {{"m", true}, {"l", false}}};
  EXPECT_EQ(format_simulcast(simulcast), "recv h;~m,l");
}

struct MalformedCase {
  std::string text;
  std::string error;
};

class SdpMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(SdpMalformed, RejectedWithLineAndReason) {
  EXPECT_EQ(parse_error(GetParam().text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SdpMalformed,
    ::testing::Values(
        MalformedCase{"", "empty SDP: no v= line"},
        MalformedCase{"\r\n\r\n", "empty SDP: no v= line"},
        MalformedCase{"o=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n",
                      "line 1: SDP must start with a v= line"},
        MalformedCase{"v=1\r\n", "line 1: unsupported SDP version '1'"},
        MalformedCase{"v=0\r\ns=-\r\nt=0 0\r\n", "missing o= line"},
        MalformedCase{"v=0\r\nhello world\r\n", "line 2: expected '<type>=<value>'"},
        MalformedCase{"v=0\r\no=- 1 IN IP4 127.0.0.1\r\n", "line 2: o= line needs 6 fields"},
        MalformedCase{std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF\r\n",
                      "line 5: m= line needs at least 4 fields"},
        MalformedCase{std::string(kHead) + "m=audio nine UDP/TLS/RTP/SAVPF 111\r\n",
                      "line 5: bad port 'nine' in m= line"},
        MalformedCase{std::string(kHead) + "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n",
                      "line 5: bad port '70000' in m= line"},
        MalformedCase{std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111 opus\r\n",
                      "line 5: bad payload type 'opus' in m= line"},
        MalformedCase{std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 200\r\n",
                      "line 5: bad payload type '200' in m= line"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus\r\n",
            "line 6: bad rtpmap '111 opus'"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:x opus/48000/2\r\n",
            "line 6: bad rtpmap 'x opus/48000/2'"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/fast/2\r\n",
            "line 6: bad rtpmap '111 opus/fast/2'"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:sideways\r\n",
            "line 6: unknown setup value 'sideways'"},
        MalformedCase{std::string(kHead) + "a=fingerprint:sha-256\r\n",
                      "line 5: bad fingerprint, expected '<hash-func> <fingerprint>'"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:0 urn:x\r\n",
            "line 6: bad extmap id '0'"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:1/both urn:x\r\n",
            "line 6: bad extmap direction 'both'"},
        MalformedCase{std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\n"
                                           "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:a\r\n",
                      "line 8: duplicate mid 'a'"},
        MalformedCase{
            std::string(kHead) + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ssrc:-5 cname:x\r\n",
            "line 6: bad ssrc '-5'"},
        MalformedCase{std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:h sideways\r\n",
                      "line 6: bad rid direction 'sideways'"},
        MalformedCase{
            std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:both h\r\n",
            "line 6: bad simulcast direction 'both'"},
        MalformedCase{std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4\r\n",
                      "line 6: c= line needs 3 fields"}));

}  // namespace
}  // namespace podium::sdp
