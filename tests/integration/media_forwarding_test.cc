// Real transports over real loopback sockets: two clients with Podium's protocol layers
// in the client role publish and subscribe through a running MediaServer.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"
#include "util/log.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21310;

class Fixture : public MediaFixture {
 protected:
  Fixture() : MediaFixture(kPort, 2) { log::set_level(log::Level::kDebug); }
  std::string metrics() { return media_.metrics_text(); }
};

const std::uint8_t kOpusPayload[] = {0xfc, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05};

TEST_F(Fixture, PublisherAudioReachesSubscriberWithItsOwnSsrcAndContinuousSequence) {
  TestPeer alice, bob;
  auto alice_session = open("room", "alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_EQ(answer.published.size(), 1u);
  EXPECT_NE(answer.sdp_answer.find("a=recvonly"), std::string::npos);
  EXPECT_NE(answer.sdp_answer.find("a=ice-lite"), std::string::npos);
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());

  auto bob_session = open("room", "bob", false);
  auto bob_answer = negotiate(bob_session, bob.make_offer({{"audio", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
  std::uint32_t consumer_ssrc = answer_ssrc(bob_answer.sdp_answer);
  ASSERT_NE(consumer_ssrc, 0u);
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.connect());

  for (int i = 0; i < 50; ++i) {
    alice.send_rtp(1111, 111, static_cast<std::uint16_t>(1000 + i), 960u * i, kOpusPayload);
    bob.pump(2);
  }
  bob.pump(200);
  ASSERT_GE(bob.received.size(), 45u);
  for (std::size_t i = 0; i < bob.received.size(); ++i) {
    EXPECT_EQ(bob.received[i].ssrc, consumer_ssrc);
    EXPECT_EQ(bob.received[i].payload_type, 111);
    EXPECT_EQ(bob.received[i].payload, std::vector<std::uint8_t>(std::begin(kOpusPayload), std::end(kOpusPayload)));
    if (i) EXPECT_EQ(static_cast<std::uint16_t>(bob.received[i].sequence - bob.received[i - 1].sequence), 1);
  }
  EXPECT_GE(metric("podium_rtp_packets_sent_total"), 45u);
  EXPECT_EQ(metric("podium_producers"), 1u);
  EXPECT_EQ(metric("podium_consumers"), 1u);
}

// The worker's 20 ms tick visits the sessions that have timers to run (a handshake, a
// published track's NACKs, probing); connected listeners wait for the one-second visit.
TEST_F(Fixture, TheShortTickVisitsOnlySessionsThatNeedIt) {
  TestPeer alice, listeners[2];
  auto answer = join(alice, "room", "alice", true, {{"audio", "sendonly", 1111, "0"}});
  ASSERT_TRUE(answer.ok);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(join(listeners[i], "room", "listener" + std::to_string(i), false,
                     {{"audio", "recvonly", 0, "0"}}, {{"0", answer.published[0].id}})
                    .ok);
  }
  for (int i = 0; i < 20; ++i) {
    alice.send_rtp(1111, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusPayload);
    for (auto& listener : listeners) listener.pump(2);
  }
  for (auto& listener : listeners) {
    listener.pump(100);
    EXPECT_GE(listener.received.size(), 15u);
  }
  EXPECT_EQ(metric("podium_peers_on_short_tick"), 1u) << "only the publisher has timers to run";

  // A session still waiting for its handshake is visited: its DTLS retransmissions.
  TestPeer late;
  auto late_session = open("room", "late", false);
  auto late_answer = negotiate(late_session, late.make_offer({{"audio", "recvonly", 0, "0"}}),
                               {{"0", answer.published[0].id}});
  ASSERT_TRUE(late_answer.ok) << late_answer.error;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(metric("podium_peers_on_short_tick"), 2u);
  ASSERT_TRUE(late.apply_answer(late_answer.sdp_answer));
  ASSERT_TRUE(late.connect());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(metric("podium_peers_on_short_tick"), 1u);
}

TEST_F(Fixture, AttendeeCannotPublishAndConferencesAreIsolated) {
  TestPeer carol;
  auto session = open("room", "carol", false);
  auto result = negotiate(session, carol.make_offer({{"audio", "sendonly", 2222, "0"}}));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 403);

  TestPeer alice;
  auto alice_session = open("room-a", "alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(answer.ok);
  // A subscriber in another conference cannot name that track.
  TestPeer eve;
  auto eve_session = open("room-b", "eve", false);
  auto eve_answer = negotiate(eve_session, eve.make_offer({{"audio", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(eve_answer.ok) << eve_answer.error;
  EXPECT_NE(eve_answer.sdp_answer.find("a=inactive"), std::string::npos);
  EXPECT_EQ(eve_answer.sdp_answer.find("a=ssrc:"), std::string::npos);
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  ASSERT_TRUE(eve.apply_answer(eve_answer.sdp_answer));
  ASSERT_TRUE(eve.connect());
  for (int i = 0; i < 20; ++i) alice.send_rtp(1111, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusPayload);
  eve.pump(200);
  EXPECT_TRUE(eve.received.empty()) << "media of room-a reached a subscriber in room-b";
}

TEST_F(Fixture, MalformedSdpIsRejectedWithAReason) {
  auto session = open("room", "x", true);
  auto result = negotiate(session, "this is not sdp");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.status, 400);
  EXPECT_FALSE(result.error.empty());
}

TEST_F(Fixture, GarbageAndForgedPacketsAreDroppedCountedAndForwardingGoesOn) {
  TestPeer alice, bob;
  auto alice_session = open("room", "alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(answer.ok);
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  auto bob_session = open("room", "bob", false);
  auto bob_answer = negotiate(bob_session, bob.make_offer({{"audio", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.connect());

  // Garbage of every first-byte class, truncated STUN, a DTLS-looking record, and RTP
  // that was never protected (fails SRTP authentication).
  std::vector<std::vector<std::uint8_t>> junk = {
      {0xff, 0x00, 0x01},
      {0x00, 0x01, 0x00},
      {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42},
      {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3},
      {0x80, 0x6f, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0x04, 0x57, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14},
      {0x80},
      {},
  };
  for (int round = 0; round < 20; ++round)
    for (auto& j : junk) alice.send_raw(j);
  for (int i = 0; i < 30; ++i) {
    alice.send_rtp(1111, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusPayload);
    bob.pump(2);
  }
  bob.pump(200);
  EXPECT_GE(bob.received.size(), 25u);
  auto text = metrics();
  EXPECT_NE(text.find("podium_packets_dropped_total{reason=\"srtp_unprotect\"} "), std::string::npos);
  EXPECT_EQ(text.find("podium_packets_dropped_total{reason=\"srtp_unprotect\"} 0\n"), std::string::npos);
  EXPECT_EQ(text.find("podium_packets_dropped_total{reason=\"unknown_first_byte\"} 0\n"), std::string::npos);
  EXPECT_EQ(text.find("podium_packets_dropped_total{reason=\"stun_rejected\"} 0\n"), std::string::npos);
}

TEST_F(Fixture, SubscriberPliReachesThePublisherAndVideoWaitsForAKeyframe) {
  TestPeer alice, bob;
  auto alice_session = open("room", "alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"video", "sendonly", 3333, "0"}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  auto bob_session = open("room", "bob", false);
  auto bob_answer = negotiate(bob_session, bob.make_offer({{"video", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.connect());

  // VP8 payload descriptor S=1 PID=0, then a VP8 header: P bit 1 = interframe, 0 = keyframe.
  const std::uint8_t delta[] = {0x10, 0x01, 0x00, 0x00, 0xaa};
  const std::uint8_t key[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00};
  for (int i = 0; i < 5; ++i) alice.send_rtp(3333, 96, static_cast<std::uint16_t>(i), 3000u * i, delta, true);
  bob.pump(100);
  EXPECT_EQ(bob.received.size(), 0u) << "delta frames before the first keyframe are not forwarded";
  alice.pump(300);
  EXPECT_GE(alice.pli_received, 1u) << "the consumer's start asked the publisher for a keyframe";

  alice.send_rtp(3333, 96, 5, 15000, key, true);
  alice.send_rtp(3333, 96, 6, 18000, delta, true);
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 2u);

  std::size_t before = alice.pli_received;
  bob.send_pli(bob.received[0].ssrc);
  alice.pump(300);
  EXPECT_GT(alice.pli_received, before) << "a subscriber's PLI is forwarded to the publisher";
}

TEST_F(Fixture, ASubscriberJoiningInsideTheKeyframeRequestIntervalGetsItsKeyframeWhenTheIntervalEnds) {
  // The producer asks its publisher for a keyframe at most every 300 ms. A subscriber
  // joining inside that interval must not wait for its consumer's one-second retry:
  // its request is held and goes out when the interval ends.
  TestPeer alice, bob, carol;
  auto alice_session = open("room", "alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"video", "sendonly", 3333, "0"}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  const std::uint8_t delta[] = {0x10, 0x01, 0x00, 0x00, 0xaa};
  const std::uint8_t key[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00};
  std::uint16_t sequence = 0;
  auto send = [&](const auto& payload) {
    alice.send_rtp(3333, 96, sequence, 3000u * sequence, payload, true);
    ++sequence;
  };
  auto subscribe = [&](TestPeer& peer, const std::string& name) {
    auto session = open("room", name, false);
    auto subscribed = negotiate(session, peer.make_offer({{"video", "recvonly", 0, "0"}}),
                                {{"0", answer.published[0].id}});
    ASSERT_TRUE(subscribed.ok) << subscribed.error;
    ASSERT_TRUE(peer.apply_answer(subscribed.sdp_answer));
    ASSERT_TRUE(peer.connect());
  };
  send(delta);  // the producer learns the SSRC
  alice.pump(50);
  subscribe(bob, "bob");
  alice.pump(100);
  ASSERT_GE(alice.pli_received, 1u) << "bob's consumer asked for a keyframe";
  send(key);
  bob.pump(100);
  ASSERT_EQ(bob.received.size(), 1u);
  alice.pump(400);  // past the interval

  // Bob asks again (a decoder error, say); the publisher answers at once.
  std::size_t before = alice.pli_received;
  bob.send_pli(bob.received[0].ssrc);
  for (int i = 0; i < 20 && alice.pli_received == before; ++i) alice.pump(10);
  ASSERT_EQ(alice.pli_received, before + 1);
  send(key);
  // Carol connects just after that keyframe went by: her request falls inside the
  // interval.
  subscribe(carol, "carol");
  // The publisher goes on at 30 frames a second, as a camera does; 700 ms is well
  // short of the consumer's one-second retry.
  for (int i = 0; i < 21 && alice.pli_received < before + 2; ++i) {
    send(delta);
    alice.pump(33);
  }
  EXPECT_EQ(alice.pli_received, before + 2) << "carol's held request went out when the interval ended";
  carol.pump(50);
  EXPECT_EQ(carol.received.size(), 0u) << "no delta frame before her keyframe";
  send(key);
  send(delta);
  carol.pump(200);
  EXPECT_EQ(carol.received.size(), 2u) << "carol gets the keyframe she asked for and what follows";

  // Answered: no further request while frames keep coming.
  for (int i = 0; i < 15; ++i) {
    send(delta);
    alice.pump(33);
  }
  EXPECT_EQ(alice.pli_received, before + 2);
}

}  // namespace
}  // namespace podium::testing
