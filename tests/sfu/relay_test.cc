// One conference over two workers: publishers on the home worker, the audience spread to
// the other one, which gets the media through an in-process relay (sfu/relay.h). Real
// clients (ICE, DTLS, SRTP over loopback) on both workers.
#include <chrono>
#include <future>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "sfu/media_server.h"
#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21700;  // and 21701: one UDP port per worker
const std::uint8_t kOpusA[] = {0xfc, 0xff, 0xfe, 0x0a, 0x0a};
const std::uint8_t kOpusZ[] = {0xfc, 0xff, 0xfe, 0x0f, 0x0f, 0x0f};

class Relay : public MediaFixture {
 protected:
  Relay() : MediaFixture(relay_config()) {}

  static sfu::MediaServerConfig relay_config() {
    sfu::MediaServerConfig c = config(kPort, 2);
    c.worker_sessions_before_spread = 0;  // the audience leaves the home at once
    return c;
  }

  sfu::SessionId open(const std::string& participant, bool publish) {
    return MediaFixture::open("plenary", participant, publish);
  }

  // The worker a session landed on, from the UDP port of the answer's host candidate.
  static int worker_of(const std::string& answer) {
    std::smatch m;
    if (!std::regex_search(answer, m, std::regex("udp 2130706431 127\\.0\\.0\\.1 (\\d+) typ host"))) return -1;
    return std::stoi(m[1]) - kPort;
  }

  // Waits (bounded) for the workers to apply what was posted to them; the assertion
  // that follows decides.
  void settle_until(const std::function<bool()>& done) {
    for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // A subscriber of `track` by `offer` that lands on the other worker, connected.
  void subscribe_remotely(TestPeer& peer, const std::string& name, const std::string& offer,
                          const std::string& track) {
    auto session = open(name, false);
    auto answer = negotiate(session, offer, {{"0", track}});
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_EQ(worker_of(answer.sdp_answer), 1);
    ASSERT_TRUE(peer.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(peer.connect());
  }

  // A publisher of one track on the home worker, connected.
  sfu::NegotiateResult publish(TestPeer& peer, const std::string& name, const std::string& kind,
                               std::uint32_t ssrc) {
    auto session = open(name, true);
    auto answer = negotiate(session, peer.make_offer({{kind, "sendonly", ssrc, "0"}}));
    EXPECT_TRUE(answer.ok) << answer.error;
    EXPECT_TRUE(peer.apply_answer(answer.sdp_answer));
    EXPECT_TRUE(peer.connect());
    return answer;
  }
};

TEST_F(Relay, AudienceOnTheOtherWorkerReceivesAndOneCopyCrossesPerPacket) {
  TestPeer alice;
  auto published = publish(alice, "alice", "audio", 1111);
  ASSERT_EQ(published.published.size(), 1u);
  const std::string track = published.published[0].id;
  EXPECT_EQ(worker_of(published.sdp_answer), 0) << "the publisher is on the home worker";

  // Three listeners: the least-loaded worker each time puts two on worker 1, one home.
  TestPeer listeners[3];
  std::vector<sfu::SessionId> sessions;
  int remote = 0;
  for (int i = 0; i < 3; ++i) {
    auto session = open("listener" + std::to_string(i), false);
    sessions.push_back(session);
    auto answer = negotiate(session, listeners[i].make_offer({{"audio", "recvonly", 0, "0"}}), {{"0", track}});
    ASSERT_TRUE(answer.ok) << answer.error;
    EXPECT_NE(answer.sdp_answer.find("a=sendonly"), std::string::npos) << "the track is known on its worker";
    if (worker_of(answer.sdp_answer) == 1) ++remote;
    ASSERT_TRUE(listeners[i].apply_answer(answer.sdp_answer));
    ASSERT_TRUE(listeners[i].connect());
  }
  ASSERT_EQ(remote, 2) << "two listeners on the other worker";

  for (int i = 0; i < 50; ++i) {
    alice.send_rtp(1111, 111, static_cast<std::uint16_t>(100 + i), 960u * i, kOpusA);
    for (auto& l : listeners) l.pump(1);
  }
  for (auto& l : listeners) l.pump(200);
  for (auto& l : listeners) {
    ASSERT_GE(l.received.size(), 45u);
    for (std::size_t i = 1; i < l.received.size(); ++i)
      EXPECT_EQ(static_cast<std::uint16_t>(l.received[i].sequence - l.received[i - 1].sequence), 1);
    EXPECT_EQ(l.received.back().payload, std::vector<std::uint8_t>(std::begin(kOpusA), std::end(kOpusA)));
  }
  std::uint64_t in = metric("podium_rtp_packets_received_total");
  EXPECT_GE(in, 45u);
  // One copy per packet toward the one other worker, not one per remote listener.
  EXPECT_EQ(metric("podium_relay_packets_total"), in);
  EXPECT_EQ(metric("podium_relay_dropped_total"), 0u);
  EXPECT_EQ(metric("podium_relay_producers"), 1u);
  EXPECT_GE(metric("podium_rtp_packets_sent_total"), 3 * in - 10);
}

TEST_F(Relay, PliFromARemoteSubscriberReachesThePublisher) {
  TestPeer alice, bob;
  auto published = publish(alice, "alice", "video", 3333);
  subscribe_remotely(bob, "bob", bob.make_offer({{"video", "recvonly", 0, "0"}}), published.published[0].id);
  if (HasFatalFailure()) return;

  const std::uint8_t delta[] = {0x10, 0x01, 0x00, 0x00, 0xaa};
  const std::uint8_t key[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00};
  for (int i = 0; i < 5; ++i) alice.send_rtp(3333, 96, static_cast<std::uint16_t>(i), 3000u * i, delta, true);
  bob.pump(100);
  EXPECT_EQ(bob.received.size(), 0u) << "the remote consumer waits for a keyframe";
  alice.pump(300);
  EXPECT_GE(alice.pli_received, 1u) << "the remote consumer's start asked the publisher for a keyframe";

  // A new consumer starts its sequence at the source's; bob loses the second packet.
  bob.lose = {6};
  alice.send_rtp(3333, 96, 5, 15000, key, true);
  alice.send_rtp(3333, 96, 6, 18000, delta, true);
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 1u);
  ASSERT_TRUE(bob.lose.empty());

  std::size_t before = alice.pli_received;
  bob.send_pli(bob.received[0].ssrc);
  alice.pump(400);
  EXPECT_GT(alice.pli_received, before) << "a remote subscriber's PLI reaches the publisher";

  // A NACK from the remote subscriber is answered on its own worker, from the relay
  // producer's buffer: the publisher is not asked.
  std::size_t nacked_before = alice.nacked.size();
  bob.send_nack(bob.received[0].ssrc, {static_cast<std::uint16_t>(bob.received[0].sequence + 1)});
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 2u) << "the lost packet was resent";
  EXPECT_EQ(bob.received[1].sequence, static_cast<std::uint16_t>(bob.received[0].sequence + 1));
  EXPECT_EQ(bob.received[1].payload, std::vector<std::uint8_t>(std::begin(delta), std::end(delta)));
  EXPECT_EQ(alice.nacked.size(), nacked_before);
}

// The playout delay asked while a publisher's path needs repairs (sfu/playout_delay.h)
// reaches viewers on the other worker too: it travels with the relayed packets.
TEST_F(Relay, RemoteViewersAreAskedForThePlayoutDelayOfTheOriginal) {
  TestPeer alice, bob;
  auto published = publish(alice, "alice", "video", 3333);
  subscribe_remotely(bob, "bob", TestPeer::with_playout_delay(bob.make_offer({{"video", "recvonly", 0, "0"}})),
                     published.published[0].id);
  if (HasFatalFailure()) return;

  const std::uint8_t delta[] = {0x10, 0x01, 0x00, 0x00, 0xaa};
  const std::uint8_t key[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00};
  std::uint16_t s = 0;
  auto send = [&](std::uint16_t sequence) {
    if (sequence == 0) alice.send_rtp(3333, 96, sequence, 0, key, true);
    else alice.send_rtp(3333, 96, sequence, 3000u * sequence, delta, true);
  };
  for (; s < 5; ++s) send(s);
  bob.pump(150);
  ASSERT_GE(bob.received.size(), 1u);
  for (auto& p : bob.received) EXPECT_FALSE(p.playout_delay);

  // Three gaps, each resent 80 ms later, as over a long path.
  send_with_repaired_gaps(alice, bob, s, 3, 80, send);
  bob.received.clear();
  for (int i = 0; i < 5; ++i, ++s) send(s);
  bob.pump(150);
  ASSERT_EQ(bob.received.size(), 5u);
  for (auto& p : bob.received) {
    ASSERT_TRUE(p.playout_delay) << "packet " << p.sequence;
    EXPECT_GE(p.playout_delay->min_10ms * 10, 80);
  }
}

TEST_F(Relay, RemoteStageSubscriberFollowsSetStage) {
  TestPeer alice, zoe, viewer;
  publish(alice, "alice", "audio", 1111);
  publish(zoe, "zoe", "audio", 2222);
  media_.set_stage("plenary", "alice");
  auto session = open("viewer", false);
  auto answer = negotiate(session, viewer.make_offer({{"audio", "recvonly", 0, "0"}}), {}, true);
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_EQ(worker_of(answer.sdp_answer), 1);
  ASSERT_TRUE(viewer.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(viewer.connect());

  auto send_both = [&](int from) {
    for (int i = from; i < from + 20; ++i) {
      alice.send_rtp(1111, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusA);
      zoe.send_rtp(2222, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusZ);
      viewer.pump(1);
    }
    viewer.pump(150);
  };
  const std::vector<std::uint8_t> a(std::begin(kOpusA), std::end(kOpusA));
  const std::vector<std::uint8_t> z(std::begin(kOpusZ), std::end(kOpusZ));
  send_both(0);
  ASSERT_GE(viewer.received.size(), 15u);
  for (const auto& p : viewer.received) EXPECT_EQ(p.payload, a) << "the stage is alice";

  media_.set_stage("plenary", "zoe");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the control post lands
  viewer.received.clear();
  send_both(20);
  ASSERT_GE(viewer.received.size(), 15u);
  for (const auto& p : viewer.received) EXPECT_EQ(p.payload, z) << "the remote stage follows set_stage";
}

TEST_F(Relay, ClosingSessionsOnBothWorkersLeavesNothing) {
  TestPeer alice, bob, carol;
  auto published = publish(alice, "alice", "video", 3333);
  std::vector<sfu::SessionId> audience;
  for (TestPeer* peer : {&bob, &carol}) {
    auto session = open(peer == &bob ? "bob" : "carol", false);
    audience.push_back(session);
    auto answer = negotiate(session, peer->make_offer({{"video", "recvonly", 0, "0"}}),
                            {{"0", published.published[0].id}});
    ASSERT_TRUE(answer.ok);
    ASSERT_TRUE(peer->apply_answer(answer.sdp_answer));
    ASSERT_TRUE(peer->connect());
  }
  EXPECT_EQ(metric("podium_relay_producers"), 1u);
  // A second publisher after the audience spread: relayed as well.
  TestPeer dave;
  publish(dave, "dave", "audio", 4444);
  settle_until([&] { return metric("podium_relay_producers") == 2u; });
  EXPECT_EQ(metric("podium_relay_producers"), 2u);

  // The publishers leave first (their relays end on the other worker), then the rest.
  for (sfu::SessionId id = 1; id <= 10; ++id) media_.close_session(id);
  settle_until([&] {
    return metric("podium_relay_producers") == 0u && metric("podium_consumers") == 0u &&
           metric("podium_transports") == 0u;
  });
  EXPECT_EQ(metric("podium_relay_producers"), 0u);
  EXPECT_EQ(metric("podium_producers"), 0u);
  EXPECT_EQ(metric("podium_consumers"), 0u);
  EXPECT_EQ(metric("podium_transports"), 0u);

  // The conference starts over on both workers afterwards.
  TestPeer erin, frank;
  auto again = publish(erin, "erin", "audio", 5555);
  auto session = open("frank", false);
  auto answer = negotiate(session, frank.make_offer({{"audio", "recvonly", 0, "0"}}), {{"0", again.published[0].id}});
  ASSERT_TRUE(answer.ok);
  EXPECT_NE(answer.sdp_answer.find("a=sendonly"), std::string::npos);
  ASSERT_TRUE(frank.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(frank.connect());
  for (int i = 0; i < 20; ++i) {
    erin.send_rtp(5555, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusA);
    frank.pump(1);
  }
  frank.pump(150);
  EXPECT_GE(frank.received.size(), 15u);
  // Sessions still open at stop() are torn down by the server (asan checks the rest).
}

}  // namespace
}  // namespace podium::testing
