#include "sdp/negotiate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sdp_test_data.h"

namespace podium::sdp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::load_fixture;
using ::testing::Not;
using testing::remove_lines;
using testing::replace_all;
using Mode = SectionPlan::Mode;

constexpr const char* kLocalFingerprint =
    "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:"
    "F9";

AnswerOptions options() {
  AnswerOptions o;
  o.ice_ufrag = "pdm1";
  o.ice_pwd = "podiumIcePasswordOf24chr";
  o.fingerprint_sha256 = kLocalFingerprint;
  o.candidates = {"candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host"};
  o.session_id = 8150331546302093445ULL;
  o.session_version = 1;
  return o;
}

SessionDescription offer_from(const std::string& text) {
  auto offer = parse(text);
  EXPECT_TRUE(offer.ok()) << offer.error();
  return offer.ok() ? offer.value() : SessionDescription{};
}

SectionPlan receive(std::vector<std::string> codecs = {}) {
  return SectionPlan{Mode::kReceive, std::nullopt, std::move(codecs), std::nullopt};
}
SectionPlan send(std::uint32_t ssrc, std::vector<std::string> codecs = {}) {
  return SectionPlan{Mode::kSend, LocalSender{ssrc, "podium", "stage", "t" + std::to_string(ssrc)},
                     std::move(codecs), std::nullopt};
}
SectionPlan reject() { return SectionPlan{Mode::kReject, std::nullopt, {}, std::nullopt}; }
SectionPlan inactive() { return SectionPlan{Mode::kInactive, std::nullopt, {}, std::nullopt}; }

SessionDescription answer_ok(const SessionDescription& offer, std::vector<SectionPlan> plans,
                             const AnswerOptions& o = options()) {
  auto answer = build_answer(offer, plans, o);
  EXPECT_TRUE(answer.ok()) << answer.error();
  if (!answer.ok()) return {};
  // Whatever we answer must survive our own parser unchanged.
  auto reparsed = parse(write(answer.value()));
  EXPECT_TRUE(reparsed.ok()) << reparsed.error();
  if (reparsed.ok()) {
    EXPECT_EQ(reparsed.value(), answer.value());
  }
  return answer.value();
}

std::string answer_error(const SessionDescription& offer, std::vector<SectionPlan> plans) {
  auto answer = build_answer(offer, plans, options());
  EXPECT_FALSE(answer.ok());
  return answer.ok() ? std::string() : answer.error();
}

std::vector<std::string> uris(const MediaDescription& m) {
  std::vector<std::string> out;
  for (const Extmap& e : m.extmaps) out.push_back(std::to_string(e.id) + " " + e.uri);
  return out;
}

void expect_transport(const MediaDescription& m) {
  EXPECT_EQ(m.port, 40000);
  ASSERT_TRUE(m.connection);
  EXPECT_EQ(m.connection->address, "192.0.2.10");
  EXPECT_EQ(m.ice.ufrag, "pdm1");
  EXPECT_EQ(m.ice.pwd, "podiumIcePasswordOf24chr");
  ASSERT_EQ(m.fingerprints.size(), 1u);
  EXPECT_EQ(m.fingerprints[0].algorithm, "sha-256");
  EXPECT_EQ(m.fingerprints[0].value, kLocalFingerprint);
  EXPECT_EQ(m.setup, Setup::kPassive);
  EXPECT_TRUE(m.rtcp_mux);
  ASSERT_EQ(m.candidates.size(), 1u);
  EXPECT_EQ(m.candidates[0].port, 40000);
  EXPECT_TRUE(m.end_of_candidates);
}

TEST(BuildAnswer, ChromiumPublisherWithSimulcastAndSubscription) {
  auto offer = offer_from(load_fixture("chrome_offer.sdp"));
  auto answer = answer_ok(offer, {receive(), receive(), send(1111, {"VP8"}), reject()});

  EXPECT_TRUE(answer.ice_lite);
  EXPECT_EQ(answer.origin.session_id, "8150331546302093445");
  EXPECT_EQ(answer.origin.session_version, "1");
  EXPECT_EQ(answer.msid_semantic, "WMS *");
  EXPECT_TRUE(answer.extmap_allow_mixed);
  ASSERT_EQ(answer.groups.size(), 1u);
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0", "1", "2"));  // 3 rejected
  ASSERT_EQ(answer.media.size(), 4u);

  const MediaDescription& audio = answer.media[0];
  expect_transport(audio);
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.direction, Direction::kRecvOnly);
  EXPECT_EQ(audio.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_TRUE(audio.rtcp_rsize);
  EXPECT_THAT(audio.formats, ElementsAre("111"));  // no red, G722, PCMU/A, CN, DTMF
  ASSERT_EQ(audio.codecs.size(), 1u);
  EXPECT_EQ(audio.codecs[0].fmtp, "minptime=10;useinbandfec=1");
  EXPECT_THAT(audio.codecs[0].rtcp_fb, ElementsAre("transport-cc"));
  EXPECT_THAT(
      uris(audio),
      ElementsAre("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                  "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                  "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                  "4 urn:ietf:params:rtp-hdrext:sdes:mid"));
  EXPECT_TRUE(audio.msids.empty());
  EXPECT_TRUE(audio.ssrcs.empty());

  const MediaDescription& video = answer.media[1];
  expect_transport(video);
  EXPECT_EQ(video.direction, Direction::kRecvOnly);
  // VP8, VP9 profile 0 and 2, AV1, H264 mode 1, then the rtx of each (RFC 4588); not
  // red, ulpfec, H264 mode 0 or the rtx of codecs left out.
  EXPECT_THAT(video.formats,
              ElementsAre("96", "98", "100", "45", "102", "97", "99", "101", "46", "103"));
  EXPECT_EQ(video.codecs.front().name, "VP8");
  EXPECT_EQ(video.find_codec(97)->fmtp, "apt=96");
  EXPECT_TRUE(video.find_codec(97)->rtcp_fb.empty());
  EXPECT_EQ(video.find_codec(103)->fmtp, "apt=102");
  EXPECT_EQ(rtx_payload_type_for(video, 100), 101);
  EXPECT_EQ(rtx_payload_type_for(video, 104), std::nullopt);
  EXPECT_EQ(video.find_codec(100)->fmtp, "profile-id=2");
  EXPECT_EQ(video.find_codec(102)->fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
  EXPECT_THAT(video.find_codec(96)->rtcp_fb,
              ElementsAre("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"));
  EXPECT_THAT(
      uris(video),
      ElementsAre("2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                  "13 urn:3gpp:video-orientation",
                  "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                  "5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
                  "4 urn:ietf:params:rtp-hdrext:sdes:mid",
                  "10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
                  "11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"));
  ASSERT_EQ(video.rids.size(), 3u);
  EXPECT_EQ(video.rids[0].id, "q");
  EXPECT_EQ(video.rids[0].direction, RidDirection::kRecv);
  ASSERT_TRUE(video.simulcast);
  EXPECT_EQ(format_simulcast(*video.simulcast), "recv q;h;f");

  const MediaDescription& subscription = answer.media[2];
  expect_transport(subscription);
  EXPECT_EQ(subscription.direction, Direction::kSendOnly);
  EXPECT_THAT(subscription.formats, ElementsAre("96", "97"));
  EXPECT_TRUE(subscription.ssrc_groups.empty()) << "the sender has no rtx SSRC";
  ASSERT_EQ(subscription.msids.size(), 1u);
  EXPECT_EQ(subscription.msids[0].stream_id, "stage");
  EXPECT_EQ(subscription.msids[0].track_id, "t1111");
  ASSERT_EQ(subscription.ssrcs.size(), 2u);
  EXPECT_EQ(subscription.ssrcs[0].ssrc, 1111u);
  EXPECT_EQ(subscription.ssrcs[0].attribute, "cname");
  EXPECT_EQ(subscription.ssrcs[0].value, "podium");
  EXPECT_EQ(subscription.ssrcs[1].attribute, "msid");
  EXPECT_EQ(subscription.ssrcs[1].value, "stage t1111");
  EXPECT_TRUE(subscription.rids.empty());

  const MediaDescription& data = answer.media[3];
  EXPECT_EQ(data.port, 0);
  EXPECT_EQ(data.mid, "3");
  EXPECT_TRUE(data.is_rejected());
  EXPECT_TRUE(data.candidates.empty());
  EXPECT_TRUE(data.ice.ufrag.empty());

  std::string text = write(answer);
  EXPECT_THAT(text, HasSubstr("a=group:BUNDLE 0 1 2\r\n"));
  EXPECT_THAT(text, HasSubstr("a=ice-lite\r\n"));
  EXPECT_THAT(text, HasSubstr("m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.10\r\n"
                              "a=mid:0\r\na=recvonly\r\n"));
  EXPECT_THAT(text, HasSubstr("a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\n"
                              "a=simulcast:recv q;h;f\r\n"));
  EXPECT_THAT(text, HasSubstr("a=msid:stage t1111\r\n"));
  EXPECT_THAT(text, HasSubstr("a=ssrc:1111 cname:podium\r\na=ssrc:1111 msid:stage t1111\r\n"));
  EXPECT_THAT(text, HasSubstr("m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                              "c=IN IP4 0.0.0.0\r\na=mid:3\r\na=inactive\r\n"));
  EXPECT_THAT(text, HasSubstr("a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"));
  EXPECT_THAT(text, Not(HasSubstr("apt=104")));
  EXPECT_THAT(text, Not(HasSubstr("setup:actpass")));
}

TEST(BuildAnswer, CodecPreferenceOrderFromThePlan) {
  auto offer = offer_from(load_fixture("chrome_offer.sdp"));
  auto answer =
      answer_ok(offer, {receive({"OPUS"}), receive({"h264", "VP8"}), send(7, {"H264"}), reject()});
  EXPECT_THAT(answer.media[0].formats, ElementsAre("111"));
  EXPECT_THAT(answer.media[1].formats, ElementsAre("102", "96", "103", "97"));
  EXPECT_THAT(answer.media[2].formats, ElementsAre("102", "103"));
  EXPECT_EQ(answer.media[2].codecs[0].fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
}

TEST(BuildAnswer, FirefoxSessionLevelFingerprintAndExtmapDirections) {
  auto offer = offer_from(load_fixture("firefox_offer.sdp"));
  auto answer = answer_ok(offer, {receive(), send(2222)});
  ASSERT_EQ(answer.groups.size(), 1u);
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0", "1"));

  const MediaDescription& audio = answer.media[0];
  expect_transport(audio);
  EXPECT_EQ(audio.direction, Direction::kRecvOnly);  // offer sendrecv, Podium receives
  EXPECT_THAT(audio.formats, ElementsAre("109"));
  EXPECT_EQ(audio.codecs[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  // csrc-audio-level (2/recvonly) is not one Podium keeps.
  EXPECT_THAT(uris(audio), ElementsAre("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                                       "3 urn:ietf:params:rtp-hdrext:sdes:mid"));

  const MediaDescription& video = answer.media[1];
  EXPECT_EQ(video.direction, Direction::kSendOnly);  // offer sendrecv, Podium sends
  EXPECT_THAT(video.formats, ElementsAre("120", "124"));  // first supported, and its rtx
  EXPECT_EQ(video.ssrcs[0].ssrc, 2222u);

  // Receiving: H264 97 lacks packetization-mode=1.
  auto receiving = answer_ok(offer, {receive(), receive()});
  EXPECT_THAT(receiving.media[1].formats, ElementsAre("120", "121", "126", "124", "125", "127"));
}

TEST(BuildAnswer, ExtmapDirectionIsMirrored) {
  std::string text =
      replace_all(load_fixture("whep_offer.sdp"), "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                  "a=extmap:4/recvonly urn:ietf:params:rtp-hdrext:sdes:mid");
  auto answer = answer_ok(offer_from(text), {send(1), send(2)});
  ASSERT_TRUE(answer.media[0].extmap_id("urn:ietf:params:rtp-hdrext:sdes:mid"));
  for (const Extmap& e : answer.media[0].extmaps) {
    if (e.id == 4) {
      EXPECT_EQ(e.direction, Direction::kSendOnly);
    }
  }
  EXPECT_THAT(write(answer),
              HasSubstr("a=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n"));
}

// The whole answer to a WHEP player, line by line.
TEST(BuildAnswer, WhepPlayerAnswerText) {
  auto offer = offer_from(load_fixture("whep_offer.sdp"));
  AnswerOptions o = options();
  o.session_id = 42;
  o.session_version = 7;
  SectionPlan video = send(1002, {"VP8"});
  video.sender->rtx_ssrc = 2002;
  auto answer = answer_ok(offer, {send(1001, {"opus"}), video}, o);
  std::string fp = kLocalFingerprint;
  std::string candidate = "a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n";
  std::string transport =
      "a=ice-ufrag:pdm1\r\na=ice-pwd:podiumIcePasswordOf24chr\r\n"
      "a=fingerprint:sha-256 " +
      fp + "\r\na=setup:passive\r\na=rtcp-mux\r\n";
  std::string expected =
      "v=0\r\n"
      "o=- 42 7 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1\r\n"
      "a=extmap-allow-mixed\r\n"
      "a=msid-semantic: WMS *\r\n"
      "a=ice-lite\r\n"
      "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"
      "c=IN IP4 192.0.2.10\r\n"
      "a=mid:0\r\n"
      "a=sendonly\r\n" +
      transport +
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=msid:stage t1001\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=rtcp-fb:111 transport-cc\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=ssrc:1001 cname:podium\r\n"
      "a=ssrc:1001 msid:stage t1001\r\n" +
      candidate +
      "a=end-of-candidates\r\n"
      "m=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\n"
      "c=IN IP4 192.0.2.10\r\n"
      "a=mid:1\r\n"
      "a=sendonly\r\n" +
      transport +
      "a=rtcp-rsize\r\n"
      "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
      "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=extmap:13 urn:3gpp:video-orientation\r\n"
      "a=msid:stage t1002\r\n"
      "a=rtpmap:96 VP8/90000\r\n"
      "a=rtcp-fb:96 goog-remb\r\n"
      "a=rtcp-fb:96 transport-cc\r\n"
      "a=rtcp-fb:96 ccm fir\r\n"
      "a=rtcp-fb:96 nack\r\n"
      "a=rtcp-fb:96 nack pli\r\n"
      "a=rtpmap:97 rtx/90000\r\n"
      "a=fmtp:97 apt=96\r\n"
      "a=ssrc-group:FID 1002 2002\r\n"
      "a=ssrc:1002 cname:podium\r\n"
      "a=ssrc:1002 msid:stage t1002\r\n"
      "a=ssrc:2002 cname:podium\r\n"
      "a=ssrc:2002 msid:stage t1002\r\n" +
      candidate + "a=end-of-candidates\r\n";
  EXPECT_EQ(write(answer), expected);
}

TEST(BuildAnswer, AiortcSendrecvOffer) {
  auto offer = offer_from(load_fixture("aiortc_offer.sdp"));
  auto answer = answer_ok(offer, {receive(), receive()});
  EXPECT_EQ(answer.media[0].direction, Direction::kRecvOnly);
  EXPECT_THAT(answer.media[0].formats, ElementsAre("96"));
  EXPECT_THAT(answer.media[1].formats, ElementsAre("97", "99", "101", "98", "100", "102"));
  EXPECT_THAT(answer.media[1].find_codec(97)->rtcp_fb,
              ElementsAre("nack", "nack pli", "goog-remb"));
  EXPECT_FALSE(answer.media[0].rtcp_rsize);  // not offered
  EXPECT_FALSE(answer.extmap_allow_mixed);
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0", "1"));
}

TEST(BuildAnswer, GStreamerWithoutBundleGetsTheSameTransportEverywhere) {
  auto offer = offer_from(load_fixture("gstreamer_offer.sdp"));
  auto answer = answer_ok(offer, {receive(), receive()});
  EXPECT_TRUE(answer.groups.empty());
  ASSERT_EQ(answer.media.size(), 2u);
  for (const auto& m : answer.media) {
    expect_transport(m);
    EXPECT_EQ(m.direction, Direction::kRecvOnly);
  }
  EXPECT_EQ(answer.media[0].mid, "video0");
  EXPECT_THAT(answer.media[0].formats, ElementsAre("96"));
  EXPECT_EQ(answer.media[0].codecs[0].fmtp,
            "packetization-mode=1;profile-level-id=42c01f;level-asymmetry-allowed=1");
  EXPECT_THAT(answer.media[0].codecs[0].rtcp_fb, ElementsAre("nack", "nack pli", "ccm fir"));
  EXPECT_EQ(answer.media[1].codecs[0].name, "OPUS");  // matched case-insensitively
}

TEST(BuildAnswer, DirectionsNeverExceedTheOffer) {
  auto offer = offer_from(load_fixture("chrome_offer.sdp"));
  // Offer sendonly + kSend, offer recvonly + kReceive: nothing can flow.
  auto answer = answer_ok(offer, {send(5), inactive(), receive(), reject()});
  EXPECT_EQ(answer.media[0].direction, Direction::kInactive);
  EXPECT_TRUE(answer.media[0].ssrcs.empty());
  EXPECT_TRUE(answer.media[0].msids.empty());
  EXPECT_EQ(answer.media[1].direction, Direction::kInactive);
  EXPECT_FALSE(answer.media[1].simulcast);
  EXPECT_EQ(answer.media[2].direction, Direction::kInactive);
  // Inactive sections are still accepted and bundled.
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0", "1", "2"));
  EXPECT_TRUE(answer.media[1].end_of_candidates);
}

TEST(BuildAnswer, OfferedPortZeroAndPlainRtpAreRejected) {
  std::string text = load_fixture("aiortc_offer.sdp");
  text = replace_all(text, "m=video 50123 UDP/TLS/RTP/SAVPF", "m=video 0 UDP/TLS/RTP/SAVPF");
  auto answer = answer_ok(offer_from(text), {receive(), receive()});
  EXPECT_EQ(answer.media[1].port, 0);
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0"));

  std::string plain = replace_all(load_fixture("aiortc_offer.sdp"),
                                  "m=audio 50123 UDP/TLS/RTP/SAVPF", "m=audio 50123 RTP/AVP");
  auto plain_answer = answer_ok(offer_from(plain), {receive(), receive()});
  EXPECT_EQ(plain_answer.media[0].port, 0);
  EXPECT_EQ(plain_answer.media[1].port, 40000);
}

// RFC 8843 §7.1.3: bundled sections may leave transport attributes to the BUNDLE tag.
TEST(BuildAnswer, BundleOnlySectionTakesTransportFromTheTag) {
  auto offer = offer_from(load_fixture("whep_offer.sdp"));
  MediaDescription& video = offer.media[1];
  video.port = 0;
  video.bundle_only = true;
  video.ice = {};
  video.fingerprints.clear();
  video.setup.reset();
  video.rtcp_mux = false;
  auto answer = answer_ok(offer, {receive(), receive()});
  EXPECT_EQ(answer.media[1].port, 40000);
  EXPECT_FALSE(answer.media[1].bundle_only);
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0", "1"));

  // Without BUNDLE the same section has no transport of its own.
  offer.groups.clear();
  offer.media[1].port = 9;
  offer.media[1].bundle_only = false;
  EXPECT_EQ(answer_error(offer, {receive(), receive()}), "m-section 1 (video): no ice-ufrag");
}

TEST(BuildAnswer, SectionWithoutCommonCodecIsRejected) {
  auto offer = offer_from(load_fixture("whep_offer.sdp"));
  auto answer = answer_ok(offer, {receive(), receive({"AV1"})});
  EXPECT_EQ(answer.media[1].port, 0);
  EXPECT_THAT(answer.groups[0].mids, ElementsAre("0"));

  EXPECT_EQ(answer_error(offer, {receive({"PCMU"}), reject()}),
            "m-section 0 (audio): no common codec (offered opus, G722, PCMU, PCMA)");
}

TEST(BuildAnswer, RejectsUnusableOffers) {
  std::string whep = load_fixture("whep_offer.sdp");
  EXPECT_EQ(answer_error(offer_from("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), {}),
            "offer has no media");
  EXPECT_EQ(answer_error(offer_from(remove_lines(whep, "a=ice-ufrag")), {receive(), receive()}),
            "m-section 0 (audio): no ice-ufrag");
  EXPECT_EQ(answer_error(offer_from(remove_lines(whep, "a=ice-pwd")), {receive(), receive()}),
            "m-section 0 (audio): no ice-pwd");
  EXPECT_EQ(answer_error(offer_from(remove_lines(whep, "a=fingerprint")), {receive(), receive()}),
            "m-section 0 (audio): no fingerprint");
  EXPECT_EQ(answer_error(offer_from(remove_lines(whep, "a=rtcp-mux")), {receive(), receive()}),
            "m-section 0 (audio): rtcp-mux is required");
  EXPECT_EQ(answer_error(offer_from(replace_all(whep, "a=setup:actpass", "a=setup:passive")),
                         {receive(), receive()}),
            "m-section 0 (audio): offer has a=setup:passive, but Podium is always DTLS passive");
  EXPECT_EQ(answer_error(offer_from(whep), {receive()}), "2 m-sections offered but 1 plans given");
  SectionPlan no_sender{Mode::kSend, std::nullopt, {}, std::nullopt};
  EXPECT_EQ(answer_error(offer_from(whep), {no_sender, receive()}),
            "m-section 0 (audio): send plan has no sender");
}

TEST(BuildAnswer, SetupActiveOrAbsentIsAccepted) {
  std::string whep = load_fixture("whep_offer.sdp");
  auto active = answer_ok(offer_from(replace_all(whep, "a=setup:actpass", "a=setup:active")),
                          {receive(), receive()});
  EXPECT_EQ(active.media[0].setup, Setup::kPassive);
  // RFC 4145 §4: absent means active.
  auto absent = answer_ok(offer_from(remove_lines(whep, "a=setup")), {receive(), receive()});
  EXPECT_EQ(absent.media[1].setup, Setup::kPassive);
}

TEST(BuildAnswer, LocalOptionsAreChecked) {
  auto offer = offer_from(load_fixture("whep_offer.sdp"));
  AnswerOptions o = options();
  o.candidates = {"candidate:1 1 udp"};
  EXPECT_FALSE(build_answer(offer, std::vector{receive(), receive()}, o).ok());
  o = options();
  o.fingerprint_sha256.clear();
  EXPECT_FALSE(build_answer(offer, std::vector{receive(), receive()}, o).ok());
  // No candidates: dummy port 9 and 0.0.0.0 (RFC 8829 §5.3.1), still end-of-candidates.
  o = options();
  o.candidates.clear();
  auto answer = answer_ok(offer, {receive(), receive()}, o);
  EXPECT_EQ(answer.media[0].port, 9);
  EXPECT_EQ(answer.media[0].connection->address, "0.0.0.0");
  // IPv6 default candidate.
  o.candidates = {"a=candidate:2 1 UDP 2130706431 2001:db8::10 40002 typ host"};
  answer = answer_ok(offer, {receive(), receive()}, o);
  EXPECT_EQ(answer.media[0].port, 40002);
  EXPECT_EQ(answer.media[0].connection->addr_type, "IP6");
  EXPECT_EQ(answer.media[0].connection->address, "2001:db8::10");
}

TEST(Fmtp, ParameterLookup) {
  std::string fmtp = "level-asymmetry-allowed=1; packetization-mode=1;profile-level-id=42e01f";
  EXPECT_EQ(fmtp_parameter(fmtp, "packetization-mode"), "1");
  EXPECT_EQ(fmtp_parameter(fmtp, "Profile-Level-Id"), "42e01f");
  EXPECT_FALSE(fmtp_parameter(fmtp, "max-fs"));
  EXPECT_FALSE(fmtp_parameter("", "apt"));
}

TEST(SupportedTables, ContainWhatTheSfuForwards) {
  std::vector<std::string> names;
  for (const auto& codec : supported_codecs()) names.emplace_back(codec.name);
  EXPECT_THAT(names, ElementsAre("opus", "VP8", "VP9", "H264", "AV1"));
  EXPECT_EQ(supported_rtcp_feedback().size(), 5u);
  EXPECT_EQ(supported_extensions().size(), 8u);
}

}  // namespace
}  // namespace podium::sdp

namespace podium::sdp {
namespace {

// RFC 4588 §8.7: the FID group announces the RTX SSRC only when rtx was negotiated.
TEST(BuildAnswer, RtxSsrcIsAnnouncedOnlyWhenTheSubscriberOfferedRtx) {
  auto chrome = offer_from(load_fixture("chrome_offer.sdp"));
  SectionPlan plan = send(1111, {"VP8"});
  plan.sender->rtx_ssrc = 2222;
  auto answer = answer_ok(chrome, {reject(), reject(), plan, reject()});
  const MediaDescription& video = answer.media[2];
  EXPECT_THAT(video.formats, ElementsAre("96", "97"));
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_THAT(video.ssrc_groups[0].ssrcs, ElementsAre(1111u, 2222u));
  EXPECT_EQ(video.ssrcs.size(), 4u);

  // GStreamer offers no rtx: plain retransmission, no group, no second SSRC.
  auto gstreamer = offer_from(load_fixture("gstreamer_offer.sdp"));
  SectionPlan plain = send(1111);
  plain.sender->rtx_ssrc = 2222;
  auto plain_answer = answer_ok(gstreamer, {plain, reject()});
  EXPECT_THAT(plain_answer.media[0].formats, ElementsAre("96"));
  EXPECT_TRUE(plain_answer.media[0].ssrc_groups.empty());
  for (const auto& ssrc : plain_answer.media[0].ssrcs) EXPECT_EQ(ssrc.ssrc, 1111u);
}

}  // namespace
}  // namespace podium::sdp

namespace podium::sdp {
namespace {

Codec codec(std::string name, std::string fmtp, std::uint8_t pt = 100) {
  return Codec{pt, std::move(name), 90000, 0, std::move(fmtp), {}};
}

TEST(ReceiveMismatch, H264ProfileLevelAndPacketizationMode) {
  auto h264 = [](std::string profile_level_id, std::string mode = "1") {
    return codec("H264", "level-asymmetry-allowed=1;packetization-mode=" + mode +
                             ";profile-level-id=" + profile_level_id);
  };
  EXPECT_EQ(receive_mismatch(h264("42e01f"), h264("42e01f")), std::nullopt);
  // RFC 6184 §8.1: Constrained Baseline written three ways.
  EXPECT_EQ(receive_mismatch(h264("4de01f"), h264("42e01f")), std::nullopt);
  EXPECT_EQ(receive_mismatch(h264("42e01f"), h264("58c01f")), std::nullopt);
  // A Baseline decoder takes Constrained Baseline, not the other way round.
  EXPECT_EQ(receive_mismatch(h264("42001f"), h264("42e01f")), std::nullopt);
  EXPECT_EQ(receive_mismatch(h264("42e01f"), h264("42001f")),
            "H.264 profile constrained-baseline but the stream is baseline");
  EXPECT_EQ(receive_mismatch(h264("4d001f"), h264("640c1f")),
            "H.264 profile main but the stream is constrained-high");
  EXPECT_EQ(receive_mismatch(h264("640032"), h264("640c1f")),
            "H.264 profile high but the stream is constrained-high");
  // Levels: the receiver's must reach the stream's (1b sits between 1 and 1.1).
  EXPECT_EQ(receive_mismatch(h264("42e034"), h264("42e01f")), std::nullopt);
  EXPECT_EQ(receive_mismatch(h264("42e01e"), h264("42e01f")),
            "H.264 level 3.0 is below the stream's 3.1");
  EXPECT_EQ(receive_mismatch(h264("42f00b"), h264("42e00a")), std::nullopt);  // 1b ≥ 1
  EXPECT_NE(receive_mismatch(h264("42f00b"), h264("42e00b")), std::nullopt);  // 1b < 1.1
  EXPECT_EQ(receive_mismatch(h264("42e01f", "0"), h264("42e01f")),
            "packetization-mode 0 but the stream uses 1");
  // Absent profile-level-id is 42000A (Baseline 1.0); garbage is refused.
  EXPECT_EQ(receive_mismatch(codec("H264", "packetization-mode=1"), h264("42e00a")), std::nullopt);
  EXPECT_EQ(receive_mismatch(h264("zz001f"), h264("42e01f")), "profile-level-id not understood");
  EXPECT_EQ(receive_mismatch(h264("42e01f"), h264("42e0")),
            "the stream's profile-level-id is not understood");
}

TEST(ReceiveMismatch, Vp9AndAv1Profiles) {
  EXPECT_EQ(receive_mismatch(codec("VP9", "profile-id=0"), codec("VP9", "")), std::nullopt);
  EXPECT_EQ(receive_mismatch(codec("VP9", "profile-id=0"), codec("VP9", "profile-id=2")),
            "VP9 profile-id 0 but the stream is 2");
  EXPECT_EQ(receive_mismatch(codec("AV1", "level-idx=5;profile=0;tier=0"), codec("AV1", "")),
            std::nullopt);
  EXPECT_EQ(receive_mismatch(codec("AV1", "profile=0"), codec("AV1", "profile=1")),
            "AV1 profile 0 but the stream is 1");
  EXPECT_EQ(receive_mismatch(codec("VP8", ""), codec("VP8", "")), std::nullopt);
}

TEST(BuildAnswer, ReceivingANamedCodecKeepsItsFirstOfferedFormat) {
  auto offer = offer_from(load_fixture("chrome_offer.sdp"));
  auto answer = answer_ok(offer, {receive({"opus"}), receive({"VP9"}), inactive(), reject()});
  // VP9 profile-id=0 (98) and its rtx; not profile 2 (100).
  EXPECT_THAT(answer.media[1].formats, ElementsAre("98", "99"));
  EXPECT_EQ(answer.media[1].codecs[0].fmtp, "profile-id=0");
}

TEST(BuildAnswer, SubscriberGetsTheFormatThatCanReceiveTheForwardedStream) {
  auto offer = offer_from(load_fixture("chrome_offer.sdp"));
  SectionPlan plan = send(9, {"H264"});
  // A Constrained Baseline stream: the subscriber's 102 (42e01f) takes it, with its rtx.
  plan.forwarded_codec =
      codec("H264", "packetization-mode=1;profile-level-id=4de01e;level-asymmetry-allowed=1", 120);
  auto answer = answer_ok(offer, {receive(), receive(), plan, reject()});
  EXPECT_THAT(answer.media[2].formats, ElementsAre("102", "103"));
  EXPECT_EQ(answer.media[2].codecs[0].fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");

  // A High stream cannot be received: the section is rejected, the reason says why.
  plan.forwarded_codec = codec("H264", "packetization-mode=1;profile-level-id=640c1f", 120);
  auto refused = answer_ok(offer, {receive(), receive(), plan, reject()});
  EXPECT_EQ(refused.media[2].port, 0);
  EXPECT_THAT(answer_error(offer, {reject(), reject(), plan, reject()}),
              HasSubstr("m-section 2 (video): cannot receive the H264 stream (fmtp "
                        "'packetization-mode=1;profile-level-id=640c1f'): 102 H264: H.264 profile "
                        "constrained-baseline but the stream is constrained-high"));

  // A codec the subscriber did not offer at all.
  plan.forwarded_codec = codec("AV1", "", 45);
  plan.codec_names = {"AV1"};
  EXPECT_THAT(answer_error(offer, {reject(), reject(), plan, reject()}),
              HasSubstr("cannot receive the AV1 stream (offered VP8, rtx, H264)"));
}

TEST(BuildAnswer, OpusStereoOfTheForwardedStreamIsAnnounced) {
  auto offer = offer_from(load_fixture("chrome_offer.sdp"));
  offer.media[0].direction = Direction::kRecvOnly;
  SectionPlan plan = send(9, {"opus"});
  plan.forwarded_codec = Codec{111, "opus", 48000, 2, "minptime=10;stereo=1;useinbandfec=1", {}};
  auto answer = answer_ok(offer, {plan, reject(), reject(), reject()});
  EXPECT_EQ(answer.media[0].codecs[0].fmtp, "minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1");
  plan.forwarded_codec->fmtp = "minptime=10;useinbandfec=1";
  answer = answer_ok(offer, {plan, reject(), reject(), reject()});
  EXPECT_EQ(answer.media[0].codecs[0].fmtp, "minptime=10;useinbandfec=1");
}

}  // namespace
}  // namespace podium::sdp
