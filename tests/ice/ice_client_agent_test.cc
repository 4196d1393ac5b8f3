#include "ice/ice_client_agent.h"

#include <gtest/gtest.h>

#include "ice/connectivity_check.h"
#include "ice/ice_lite_server.h"
#include "ice/stun_writer.h"

namespace podium::ice {
namespace {

const TransportAddress kClient = TransportAddress::ipv4({127, 0, 0, 1}, 50000);
const TransportAddress kServer = TransportAddress::ipv4({127, 0, 0, 1}, 40000);
const TransportAddress kOther = TransportAddress::ipv4({127, 0, 0, 2}, 40000);

class IceClientAgentTest : public ::testing::Test {
 protected:
  IceClientAgentTest() : server_("srvufrag", "server-password-0123456789", 1) {
    server_.set_remote_credentials("cliufrag", "client-password-0123456789");
    agent_.set_remote_credentials("srvufrag", "server-password-0123456789");
  }

  // Delivers everything the agent wants sent to the lite server at kServer (and drops
  // what goes elsewhere); the server's answers go back to the agent.
  int exchange() {
    int delivered = 0;
    for (auto& transmit : agent_.take_outgoing()) {
      if (!(transmit.to == kServer)) continue;
      ++delivered;
      auto outcome = server_.handle_request(transmit.data, kClient, clock_.now());
      if (!outcome.response.empty()) agent_.handle_datagram(outcome.response, kServer, clock_.now());
    }
    return delivered;
  }

  FakeClock clock_;
  IceLiteServer server_;
  IceClientAgent agent_{"cliufrag", "client-password-0123456789", 0xC0FFEE};
};

TEST_F(IceClientAgentTest, NominatesThePairTheLiteServerAnswers) {
  agent_.add_remote_candidate(kServer, 2130706431);
  agent_.start(clock_.now());
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kChecking);
  // A check, then (RFC 8445 §8.1.1 regular nomination) the same check with USE-CANDIDATE.
  EXPECT_EQ(exchange(), 1);
  EXPECT_FALSE(server_.nominated());
  EXPECT_EQ(exchange(), 1);
  EXPECT_TRUE(server_.nominated());
  EXPECT_EQ(server_.selected(), kClient);
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kConnected);
  EXPECT_EQ(agent_.selected(), kServer);
}

TEST_F(IceClientAgentTest, ChecksCarryTheRfc8445Attributes) {
  agent_.add_remote_candidate(kServer, 1);
  agent_.start(clock_.now());
  auto out = agent_.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  auto message = StunMessage::parse(out[0].data);
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->is_binding_request());
  EXPECT_EQ(message->username(), "srvufrag:cliufrag");
  EXPECT_EQ(message->ice_controlling(), 0xC0FFEEu);
  EXPECT_EQ(message->priority(), agent_.check_priority());
  EXPECT_TRUE(verify_message_integrity(out[0].data, std::string_view("server-password-0123456789")));
  EXPECT_TRUE(verify_fingerprint(out[0].data));
}

TEST_F(IceClientAgentTest, RetransmitsWithDoublingTimeoutThenFails) {
  agent_.add_remote_candidate(kServer, 1);
  agent_.start(clock_.now());
  agent_.take_outgoing();  // lost
  // RFC 5389 §7.2.1: sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; failed at 39.5 s.
  const int expected_at_ms[] = {500, 1500, 3500, 7500, 15500, 31500};
  TimePoint start = clock_.now();
  for (int at : expected_at_ms) {
    auto next = agent_.next_timeout();
    ASSERT_TRUE(next);
    EXPECT_EQ(*next - start, std::chrono::milliseconds(at));
    clock_.set(*next);
    agent_.handle_timeout(clock_.now());
    EXPECT_EQ(agent_.take_outgoing().size(), 1u);
  }
  EXPECT_EQ(agent_.retransmissions(), 6u);
  clock_.set(*agent_.next_timeout());
  EXPECT_EQ(clock_.now() - start, std::chrono::milliseconds(39500));
  agent_.handle_timeout(clock_.now());
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kFailed);
  EXPECT_TRUE(agent_.take_outgoing().empty());
}

TEST_F(IceClientAgentTest, ARetransmissionThatArrivesStillConnects) {
  agent_.add_remote_candidate(kServer, 1);
  agent_.start(clock_.now());
  agent_.take_outgoing();  // the first check is lost
  clock_.advance(std::chrono::milliseconds(500));
  agent_.handle_timeout(clock_.now());
  EXPECT_EQ(exchange(), 1);
  EXPECT_EQ(exchange(), 1);
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kConnected);
}

TEST_F(IceClientAgentTest, MovesToTheNextCandidateWhenOneFails) {
  agent_.add_remote_candidate(kServer, 100);
  agent_.add_remote_candidate(kOther, 200);  // higher priority: tried first, never answers
  agent_.start(clock_.now());
  auto first = agent_.take_outgoing();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].to, kOther);
  // kOther never answers; after its last timeout the agent checks kServer.
  for (int i = 0; i < 20 && agent_.state() == IceClientAgent::State::kChecking; ++i) {
    if (exchange() > 0) continue;
    clock_.set(*agent_.next_timeout());
    agent_.handle_timeout(clock_.now());
  }
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kConnected);
  EXPECT_EQ(agent_.selected(), kServer);
}

TEST_F(IceClientAgentTest, IgnoresAResponseThatDoesNotAuthenticate) {
  agent_.add_remote_candidate(kServer, 1);
  agent_.start(clock_.now());
  auto out = agent_.take_outgoing();
  auto request = StunMessage::parse(out[0].data);
  StunWriter forged(StunClass::kSuccessResponse, stun::kMethodBinding, request->transaction_id());
  forged.add_xor_mapped_address(kClient).add_message_integrity(std::string_view("wrong")).add_fingerprint();
  EXPECT_TRUE(agent_.handle_datagram(forged.bytes(), kServer, clock_.now()));
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kChecking);
  EXPECT_TRUE(agent_.take_outgoing().empty());  // no nomination followed
  // Not STUN at all: refused, nothing changes.
  const std::uint8_t junk[] = {0x16, 0xfe, 0xfd, 0, 0};
  EXPECT_FALSE(agent_.handle_datagram(junk, kServer, clock_.now()));
}

TEST_F(IceClientAgentTest, WrongServerPasswordIsRefusedAndTheAgentFails) {
  agent_.set_remote_credentials("srvufrag", "not-the-password-at-all-xx");
  agent_.add_remote_candidate(kServer, 1);
  agent_.start(clock_.now());
  exchange();  // the lite server answers 401 without MESSAGE-INTEGRITY
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kFailed);
  EXPECT_NE(agent_.failure_reason().find("401"), std::string::npos);
}

TEST_F(IceClientAgentTest, KeepsConsentFresh) {
  agent_.add_remote_candidate(kServer, 1);
  agent_.start(clock_.now());
  exchange();
  exchange();
  ASSERT_EQ(agent_.state(), IceClientAgent::State::kConnected);
  clock_.set(*agent_.next_timeout());
  agent_.handle_timeout(clock_.now());
  EXPECT_EQ(exchange(), 1);  // a consent check, answered
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kConnected);
  // Then the server goes away: consent expires 30 s after the last answer.
  for (int i = 0; i < 100 && agent_.state() == IceClientAgent::State::kConnected; ++i) {
    clock_.set(*agent_.next_timeout());
    agent_.handle_timeout(clock_.now());
    agent_.take_outgoing();
  }
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kFailed);
  EXPECT_EQ(agent_.failure_reason(), "consent expired");
}

TEST_F(IceClientAgentTest, AnswersTheChecksOfAFullPeer) {
  // A full agent (Janus) checks us too: USERNAME "<our ufrag>:<theirs>", our password.
  auto id = random_transaction_id();
  auto check = make_binding_request("cliufrag", "srvufrag", "client-password-0123456789", 5, 7,
                                    false, id);
  // Their request says ICE-CONTROLLING too; rewrite as controlled by building by hand.
  StunWriter controlled(StunClass::kRequest, stun::kMethodBinding, id);
  controlled.add_username("cliufrag:srvufrag").add_priority(7).add_ice_controlled(5)
      .add_message_integrity(std::string_view("client-password-0123456789")).add_fingerprint();
  ASSERT_TRUE(agent_.handle_datagram(controlled.bytes(), kServer, clock_.now()));
  auto out = agent_.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, kServer);
  EXPECT_TRUE(is_success_response_for(out[0].data, id, "client-password-0123456789"));
  EXPECT_EQ(StunMessage::parse(out[0].data)->xor_mapped_address(), kServer);

  // Both controlling and ours is larger (0xC0FFEE > 5): 487.
  ASSERT_TRUE(agent_.handle_datagram(check, kServer, clock_.now()));
  out = agent_.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(StunMessage::parse(out[0].data)->error_code()->code, 487);

  // Wrong password: 401.
  auto bad = make_binding_request("cliufrag", "srvufrag", "nope", 5, 7, false, id);
  agent_.handle_datagram(bad, kServer, clock_.now());
  out = agent_.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(StunMessage::parse(out[0].data)->error_code()->code, 401);
  EXPECT_EQ(agent_.requests_answered(), 1u);
}

TEST(IceClientAgent, SwitchesRoleOnA487AndStillConnects) {
  // RFC 8445 §7.2.5.1: the lite server (controlled, larger tie-breaker) refuses a check
  // that also says controlled; the agent becomes controlling and nominates.
  FakeClock clock;
  IceLiteServer server("srvufrag", "server-password-0123456789", ~0ULL);
  IceClientAgent agent("cliufrag", "client-password-0123456789", 7);
  agent.set_controlling(false);
  agent.set_remote_credentials("srvufrag", "server-password-0123456789");
  agent.add_remote_candidate(kServer, 1);
  agent.start(clock.now());
  int refused = 0;
  for (int i = 0; i < 4 && agent.state() == IceClientAgent::State::kChecking; ++i) {
    for (auto& transmit : agent.take_outgoing()) {
      auto outcome = server.handle_request(transmit.data, kClient, clock.now());
      if (!outcome.valid) ++refused;
      agent.handle_datagram(outcome.response, kServer, clock.now());
    }
  }
  EXPECT_EQ(refused, 1);
  EXPECT_TRUE(agent.controlling());
  EXPECT_EQ(agent.state(), IceClientAgent::State::kConnected);
  EXPECT_TRUE(server.nominated());
}

TEST_F(IceClientAgentTest, FailsAtOnceWithoutCandidates) {
  agent_.start(clock_.now());
  EXPECT_EQ(agent_.state(), IceClientAgent::State::kFailed);
}

}  // namespace
}  // namespace podium::ice
