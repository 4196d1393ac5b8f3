// ICE-TCP (RFC 6544 passive, RFC 4571 framing), a client's network change (RFC 8445
// §7.3.1.5 nomination from a new 5-tuple) and ICE restart (RFC 8445 §9), with real
// transports over loopback against a running MediaServer.
#include <poll.h>

#include <future>
#include <regex>

#include <gtest/gtest.h>

#include "net/tcp_connection.h"
#include "sfu/media_server.h"
#include "tests/integration/test_peer.h"
#include "util/log.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21330;
const std::uint8_t kOpusPayload[] = {0xfc, 0xff, 0xfe, 0x01, 0x02, 0x03};

struct IcePaths : ::testing::Test {
  IcePaths() : media(config(), {}) {
    log::set_level(log::Level::kInfo);
    media.start();
  }
  ~IcePaths() override { media.stop(); }

  static sfu::MediaServerConfig config() {
    sfu::MediaServerConfig c;
    c.udp_address = "127.0.0.1";
    c.udp_port = kPort;
    c.tcp_port = kPort + 10;  // distinct from UDP so a test can tell the paths apart
    c.workers = 1;
    return c;
  }

  sfu::NegotiateResult negotiate(sfu::SessionId id, std::string offer,
                                 std::map<std::string, std::string> subscriptions = {}) {
    std::promise<sfu::NegotiateResult> promise;
    sfu::NegotiateRequest request;
    request.sdp_offer = std::move(offer);
    request.subscriptions = std::move(subscriptions);
    media.negotiate(id, request, [&](sfu::NegotiateResult r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  }

  sfu::SessionId open(const std::string& participant, bool publish) {
    sfu::SessionOptions o;
    o.conference = "room";
    o.participant_id = participant;
    o.may_publish = publish;
    return media.open_session(o);
  }

  // alice publishes audio, bob receives it; both connected (over UDP unless `tcp`).
  void connect_pair(TestPeer& alice, TestPeer& bob, bool tcp) {
    auto alice_session = open("alice", true);
    alice_answer = negotiate(alice_session, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
    ASSERT_TRUE(alice_answer.ok) << alice_answer.error;
    alice_session_id = alice_session;
    ASSERT_TRUE(alice.apply_answer(alice_answer.sdp_answer));
    if (tcp) ASSERT_TRUE(alice.use_tcp());
    ASSERT_TRUE(alice.connect());
    auto bob_session = open("bob", false);
    auto bob_answer = negotiate(bob_session, bob.make_offer({{"audio", "recvonly", 0, "0"}}),
                                {{"0", alice_answer.published[0].id}});
    ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
    ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
    if (tcp) ASSERT_TRUE(bob.use_tcp());
    ASSERT_TRUE(bob.connect());
  }

  // Sends `count` packets from alice starting at `first`; returns how many bob got.
  std::size_t send_audio(TestPeer& alice, TestPeer& bob, std::uint16_t first, int count) {
    std::size_t before = bob.received.size();
    for (int i = 0; i < count; ++i) {
      auto sequence = static_cast<std::uint16_t>(first + i);
      alice.send_rtp(1111, 111, sequence, 960u * sequence, kOpusPayload);
      bob.pump(2);
    }
    bob.pump(200);
    return bob.received.size() - before;
  }

  std::uint64_t metric(const std::string& name) {
    auto text = media.metrics_text();
    auto pos = text.find("\n" + name + " ");
    if (pos == std::string::npos) return ~0ULL;
    return std::stoull(text.substr(pos + name.size() + 2));
  }

  static std::string ice_ufrag(const std::string& sdp) {
    std::smatch m;
    if (!std::regex_search(sdp, m, std::regex("a=ice-ufrag:(\\S+)"))) return "";
    return m[1];
  }

  sfu::MediaServer media;
  sfu::NegotiateResult alice_answer;
  sfu::SessionId alice_session_id = 0;
};

TEST_F(IcePaths, AnswerOffersUdpFirstAndAPassiveTcpCandidateWithLowerPriority) {
  TestPeer alice;
  auto answer = negotiate(open("alice", true), alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  std::smatch udp, tcp;
  ASSERT_TRUE(std::regex_search(answer.sdp_answer, udp,
                                std::regex("a=candidate:\\S+ 1 udp (\\d+) 127\\.0\\.0\\.1 21330 typ host")))
      << answer.sdp_answer;
  ASSERT_TRUE(std::regex_search(answer.sdp_answer, tcp,
                                std::regex("a=candidate:\\S+ 1 tcp (\\d+) 127\\.0\\.0\\.1 21340 typ host tcptype passive")))
      << answer.sdp_answer;
  EXPECT_GT(std::stoul(udp[1]), std::stoul(tcp[1]));
  EXPECT_LT(answer.sdp_answer.find(" udp "), answer.sdp_answer.find(" tcp "));
  EXPECT_NE(answer.sdp_answer.find("m=audio 21330 "), std::string::npos);  // default is UDP
}

TEST_F(IcePaths, ClientsOnTcpOnlyPublishAndReceiveMediaBothWays) {
  TestPeer alice, bob;
  connect_pair(alice, bob, /*tcp=*/true);
  auto datagrams_before = metric("podium_datagrams_received_total");
  EXPECT_GE(send_audio(alice, bob, 1000, 50), 45u);
  for (auto& packet : bob.received)
    EXPECT_EQ(packet.payload, std::vector<std::uint8_t>(std::begin(kOpusPayload), std::end(kOpusPayload)));
  // Server to publisher over TCP too: its receiver reports (every ~1 s).
  alice.pump(1300);
  bob.pump(100);
  EXPECT_GE(alice.rtcp_received, 1u);
  EXPECT_GE(bob.rtcp_received, 1u);  // sender reports for bob's consumer
  EXPECT_GE(metric("podium_datagrams_received_total") - datagrams_before, 50u);
  EXPECT_EQ(metric("podium_transports_connected"), 2u);
}

TEST_F(IcePaths, MixedUdpPublisherAndTcpSubscriber) {
  TestPeer alice, bob;
  auto alice_session = open("alice", true);
  auto answer = negotiate(alice_session, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(answer.ok);
  ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(alice.connect());
  auto bob_answer = negotiate(open("bob", false), bob.make_offer({{"audio", "recvonly", 0, "0"}}),
                              {{"0", answer.published[0].id}});
  ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
  ASSERT_TRUE(bob.use_tcp());
  ASSERT_TRUE(bob.connect());
  EXPECT_GE(send_audio(alice, bob, 1, 40), 36u);
}

TEST_F(IcePaths, GarbageTooLargeFramesAndUnknownChecksCloseTheTcpConnection) {
  auto tcp = *net::Endpoint::parse("127.0.0.1:21340");
  auto closed_by_server = [](net::TcpConnection& c) {
    for (int i = 0; i < 40; ++i) {
      pollfd p{c.fd(), POLLIN, 0};
      if (poll(&p, 1, 50) == 1 && c.read() == net::TcpConnection::ReadStatus::kClosed) return true;
    }
    return false;
  };
  {
    auto c = net::TcpConnection::connect(tcp);
    ASSERT_TRUE(c);
    const std::uint8_t garbage[] = {0x00, 0x04, 0x55, 0x55, 0x55, 0x55};  // RFC 7983: nothing we speak
    ASSERT_TRUE(c->write(garbage));
    ASSERT_TRUE(c->flush());
    EXPECT_TRUE(closed_by_server(*c));
  }
  {
    auto c = net::TcpConnection::connect(tcp);
    ASSERT_TRUE(c);
    const std::uint8_t huge[] = {0xff, 0xff, 0x80};  // 65535 announced: no WebRTC packet is
    ASSERT_TRUE(c->write(huge));
    ASSERT_TRUE(c->flush());
    EXPECT_TRUE(closed_by_server(*c));
  }
  {
    // SRTP before any check: the connection belongs to no transport.
    auto c = net::TcpConnection::connect(tcp);
    ASSERT_TRUE(c);
    const std::uint8_t rtp[] = {0x00, 0x0c, 0x80, 0x6f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    ASSERT_TRUE(c->write(rtp));
    ASSERT_TRUE(c->flush());
    EXPECT_TRUE(closed_by_server(*c));
  }
  // The server goes on: a real client still gets media through over TCP.
  TestPeer alice, bob;
  connect_pair(alice, bob, /*tcp=*/true);
  EXPECT_GE(send_audio(alice, bob, 1, 30), 27u);
}

TEST_F(IcePaths, MediaContinuesAfterTheClientsUdpPortChanges) {
  TestPeer alice, bob;
  connect_pair(alice, bob, /*tcp=*/false);
  ASSERT_GE(send_audio(alice, bob, 100, 20), 18u);

  // The publisher roams: same credentials, new 5-tuple, nominated by its next check.
  auto old_port = alice.local_udp_port();
  alice.rebind_udp();
  ASSERT_NE(alice.local_udp_port(), old_port);
  ASSERT_TRUE(alice.check());
  EXPECT_GE(send_audio(alice, bob, 120, 30), 27u) << "SRTP from the new port is accepted";

  // The subscriber roams: media must follow it to its new port.
  bob.rebind_udp();
  ASSERT_TRUE(bob.check());
  bob.received.clear();
  EXPECT_GE(send_audio(alice, bob, 150, 30), 27u) << "media is sent to the new port";
  ASSERT_FALSE(bob.received.empty());
  EXPECT_EQ(bob.received.back().sequence - bob.received.front().sequence + 1u, bob.received.size())
      << "one continuous SRTP stream: no gap, no re-keying";
}

TEST_F(IcePaths, IceRestartGivesNewCredentialsAndKeepsDtlsAndSrtp) {
  TestPeer alice, bob;
  connect_pair(alice, bob, /*tcp=*/false);
  ASSERT_GE(send_audio(alice, bob, 1, 20), 18u);
  std::string first_ufrag = ice_ufrag(alice_answer.sdp_answer);
  ASSERT_FALSE(first_ufrag.empty());

  // Same offer again, same credentials: no restart.
  auto again = negotiate(alice_session_id, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(ice_ufrag(again.sdp_answer), first_ufrag);

  // New ice-ufrag/ice-pwd in the offer: the answer carries new local ones.
  alice.restart_ice();
  auto restarted = negotiate(alice_session_id, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(restarted.ok) << restarted.error;
  std::string new_ufrag = ice_ufrag(restarted.sdp_answer);
  EXPECT_NE(new_ufrag, first_ufrag);
  EXPECT_EQ(new_ufrag.size(), first_ufrag.size());

  // Media keeps flowing on the old path while the client re-checks (DTLS is not redone).
  EXPECT_GE(send_audio(alice, bob, 21, 20), 18u);
  ASSERT_TRUE(alice.apply_answer(restarted.sdp_answer));
  auto errors_before = alice.stun_errors_received;
  ASSERT_TRUE(alice.check()) << "a check with the new credentials succeeds";
  EXPECT_EQ(alice.stun_errors_received, errors_before);
  EXPECT_GE(send_audio(alice, bob, 41, 30), 27u);
  EXPECT_EQ(metric("podium_transports_connected"), 2u);
}

TEST_F(IcePaths, ChecksWithTheOldCredentialsFailAfterARestart) {
  TestPeer alice, bob;
  connect_pair(alice, bob, /*tcp=*/false);
  // The client restarts but keeps the old answer: its checks name the retired ufrag.
  alice.restart_ice();
  auto restarted = negotiate(alice_session_id, alice.make_offer({{"audio", "sendonly", 1111, "0"}}));
  ASSERT_TRUE(restarted.ok) << restarted.error;
  EXPECT_FALSE(alice.check(500));
}

}  // namespace
}  // namespace podium::testing
