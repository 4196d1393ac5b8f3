// The conference's decisions enforced in the media path: a publisher that is not
// allowed to send reaches no one even when its client keeps sending, and the WHEP stage
// follows the participant the conference names.
#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint8_t kOpus[] = {0xfc, 0xff, 0xfe, 0x01};
// VP8 payload descriptor S=1 PID=0, then a keyframe (P bit 0) or an interframe header.
constexpr std::uint8_t kKeyframe[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01};
constexpr std::uint8_t kDelta[] = {0x10, 0x01, 0x00, 0x00, 0xaa};

class Enforcement : public MediaFixture {
 protected:
  Enforcement() : MediaFixture(21380) {}

  // `publisher` publishes audio with `ssrc`; returns its track id.
  std::string publish(TestPeer& peer, const std::string& participant, std::uint32_t ssrc,
                      const std::string& kind = "audio") {
    auto session = open("room", participant, true);
    auto answer = negotiate(session, peer.make_offer({{kind, "sendonly", ssrc, "0"}}));
    EXPECT_TRUE(answer.ok) << answer.error;
    EXPECT_TRUE(peer.apply_answer(answer.sdp_answer));
    EXPECT_TRUE(peer.connect());
    return answer.published.at(0).id;
  }

  void subscribe(TestPeer& peer, const std::string& participant, const std::string& track,
                 const std::string& kind = "audio") {
    auto session = open("room", participant, false);
    auto answer = negotiate(session, peer.make_offer({{kind, "recvonly", 0, "0"}}), {{"0", track}});
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_TRUE(peer.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(peer.connect());
  }

  // Sends `count` audio packets from `peer` and returns how many `receiver` got.
  std::size_t audio_through(TestPeer& peer, std::uint32_t ssrc, TestPeer& receiver, int count) {
    std::size_t before = receiver.received.size();
    for (int i = 0; i < count; ++i) {
      peer.send_rtp(ssrc, 111, next_sequence_++, 960u * next_sequence_, kOpus);
      receiver.pump(2);
    }
    receiver.pump(150);
    return receiver.received.size() - before;
  }

  std::uint16_t next_sequence_ = 100;
};

TEST_F(Enforcement, APublisherWithoutPermissionReachesNoOneUntilAllowedAgain) {
  TestPeer speaker, listener;
  auto track = publish(speaker, "speaker", 1111);
  subscribe(listener, "listener", track);
  EXPECT_GE(audio_through(speaker, 1111, listener, 20), 18u);

  // The floor moves away: the client ignores it and keeps sending.
  media_.set_send_permission("room", "speaker", false, false);
  EXPECT_EQ(audio_through(speaker, 1111, listener, 20), 0u);

  // Given the floor again: forwarding resumes, with no gap in the receiver's sequence.
  media_.set_send_permission("room", "speaker", true, true);
  EXPECT_GE(audio_through(speaker, 1111, listener, 20), 18u);
  for (std::size_t i = 1; i < listener.received.size(); ++i)
    EXPECT_EQ(static_cast<std::uint16_t>(listener.received[i].sequence - listener.received[i - 1].sequence), 1)
        << "at " << i;
  EXPECT_NE(media_.metrics_text().find("podium_packets_dropped_total{reason=\"not_allowed\"} "),
            std::string::npos);
}

TEST_F(Enforcement, APermissionGivenBeforePublishingAppliesToTheNewTrack) {
  TestPeer speaker, listener;
  auto speaker_session = open("room", "speaker", true);
  media_.set_send_permission("room", "speaker", false, false);
  auto answer = negotiate(speaker_session, speaker.make_offer({{"audio", "sendonly", 2222, "0"}}));
  ASSERT_TRUE(answer.ok);
  ASSERT_TRUE(speaker.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(speaker.connect());
  subscribe(listener, "listener", answer.published.at(0).id);
  EXPECT_EQ(audio_through(speaker, 2222, listener, 20), 0u);
}

TEST_F(Enforcement, VideoResumesOnAKeyframeAfterAPause) {
  TestPeer speaker, listener;
  auto track = publish(speaker, "speaker", 3333, "video");
  subscribe(listener, "listener", track, "video");
  speaker.send_rtp(3333, 96, 1, 3000, kKeyframe, true);
  speaker.send_rtp(3333, 96, 2, 6000, kDelta, true);
  listener.pump(150);
  ASSERT_EQ(listener.received.size(), 2u);

  media_.set_send_permission("room", "speaker", true, false);
  speaker.send_rtp(3333, 96, 3, 9000, kDelta, true);
  listener.pump(100);
  EXPECT_EQ(listener.received.size(), 2u);

  std::size_t plis = speaker.pli_received;
  media_.set_send_permission("room", "speaker", true, true);
  speaker.pump(200);
  EXPECT_GT(speaker.pli_received, plis) << "resuming asks the publisher for a keyframe";
  speaker.send_rtp(3333, 96, 4, 12000, kDelta, true);  // not a keyframe: held back
  speaker.send_rtp(3333, 96, 5, 15000, kKeyframe, true);
  listener.pump(150);
  ASSERT_EQ(listener.received.size(), 3u);
  EXPECT_EQ(listener.received[2].payload, std::vector<std::uint8_t>(std::begin(kKeyframe), std::end(kKeyframe)));
}

TEST_F(Enforcement, TheStageFollowsTheParticipantTheConferenceNames) {
  TestPeer first, second, viewer;
  publish(first, "first", 4444);
  publish(second, "second", 5555);  // newest: the stage by default
  auto session = open("room", "viewer", false);
  auto answer = negotiate(session, viewer.make_offer({{"audio", "recvonly", 0, "0"}}), {}, true);
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_TRUE(viewer.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(viewer.connect());

  EXPECT_EQ(audio_through(first, 4444, viewer, 10), 0u);
  EXPECT_GE(audio_through(second, 5555, viewer, 10), 9u);

  media_.set_stage("room", "first");  // the floor goes to the first speaker
  viewer.pump(50);
  EXPECT_GE(audio_through(first, 4444, viewer, 10), 9u);
  EXPECT_EQ(audio_through(second, 5555, viewer, 10), 0u);
}

TEST_F(Enforcement, APromotedAttendeeMayPublishAndADemotedOneMayNot) {
  TestPeer attendee;
  auto session = open("room", "attendee", false);
  auto refused = negotiate(session, attendee.make_offer({{"audio", "sendonly", 6666, "0"}}));
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 403);

  media_.set_may_publish(session, true);  // raised a hand, given the floor
  auto accepted = negotiate(session, attendee.make_offer({{"audio", "sendonly", 6666, "0"}}));
  ASSERT_TRUE(accepted.ok) << accepted.error;
  EXPECT_EQ(accepted.published.size(), 1u);

  TestPeer other;
  auto other_session = open("room", "other", true);
  media_.set_may_publish(other_session, false);
  auto demoted = negotiate(other_session, other.make_offer({{"audio", "sendonly", 7777, "0"}}));
  EXPECT_EQ(demoted.status, 403);
}

}  // namespace
}  // namespace podium::testing
