#include "ice/ice_lite_server.h"

#include <gtest/gtest.h>

#include <set>

#include "ice/connectivity_check.h"
#include "ice/stun_message.h"
#include "ice/stun_writer.h"
#include "rfc5769_vectors.h"

namespace podium::ice {
namespace {

using std::chrono::seconds;

constexpr std::string_view kServerUfrag = "srvUfrag0123abcd";
constexpr std::string_view kServerPassword = "srvPassword0123456789abcdefghijk";
constexpr std::string_view kClientUfrag = "cli1";
constexpr std::string_view kClientPassword = "clientPassword0123456789";
constexpr std::uint64_t kServerTieBreaker = 0x8000000000000000ULL;

const TransactionId kId = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

class IceLiteServerTest : public ::testing::Test {
 protected:
  IceLiteServerTest()
      : server_(std::string(kServerUfrag), std::string(kServerPassword), kServerTieBreaker) {}

  std::vector<std::uint8_t> check(bool use_candidate, std::string_view password = kServerPassword,
                                  std::string_view server_ufrag = kServerUfrag,
                                  std::string_view client_ufrag = kClientUfrag) {
    return make_binding_request(server_ufrag, client_ufrag, password, 42, 0x6e0001ff, use_candidate,
                                kId);
  }

  IceLiteServer server_;
  FakeClock clock_;
  TransportAddress client_ = TransportAddress::ipv4({198, 51, 100, 7}, 50000);
  TransportAddress other_ = *TransportAddress::parse("[2001:db8::7]:50001");
};

TEST_F(IceLiteServerTest, AnswersCheckWithVerifiableSuccess) {
  auto outcome = server_.handle_request(check(false), client_, clock_.now());
  ASSERT_TRUE(outcome.valid) << outcome.reason;
  EXPECT_FALSE(outcome.use_candidate);
  ASSERT_FALSE(outcome.response.empty());
  EXPECT_TRUE(is_success_response_for(outcome.response, kId, kServerPassword));
  EXPECT_TRUE(verify_fingerprint(outcome.response));
  auto response = StunMessage::parse(outcome.response);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->xor_mapped_address(), client_);
  // Not nominated, but the first good tuple is used.
  EXPECT_EQ(server_.selected(), client_);
  EXPECT_FALSE(server_.nominated());
}

TEST_F(IceLiteServerTest, XorMappedAddressOfIpv6Sender) {
  auto outcome = server_.handle_request(check(false), other_, clock_.now());
  ASSERT_TRUE(outcome.valid) << outcome.reason;
  EXPECT_EQ(StunMessage::parse(outcome.response)->xor_mapped_address(), other_);
}

TEST_F(IceLiteServerTest, WrongPasswordIsRejectedWith401AndDoesNotNominate) {
  auto outcome = server_.handle_request(check(true, "not the password"), client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  EXPECT_FALSE(outcome.use_candidate);
  EXPECT_EQ(outcome.reason, "bad MESSAGE-INTEGRITY");
  auto response = StunMessage::parse(outcome.response);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->message_class(), StunClass::kErrorResponse);
  EXPECT_EQ(response->transaction_id(), kId);
  EXPECT_EQ(response->error_code()->code, 401);
  // RFC 5389 §10.1.2: no MESSAGE-INTEGRITY on an authentication failure.
  EXPECT_FALSE(response->message_integrity());
  EXPECT_FALSE(server_.selected());
  EXPECT_FALSE(server_.last_consent());
}

TEST_F(IceLiteServerTest, WrongUsernameIsRejected) {
  auto outcome =
      server_.handle_request(check(true, kServerPassword, "someoneElse"), client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  EXPECT_EQ(outcome.reason, "unknown USERNAME");
  EXPECT_EQ(StunMessage::parse(outcome.response)->error_code()->code, 401);
  EXPECT_FALSE(server_.selected());

  // A ufrag that merely starts with ours is not ours.
  auto prefix = make_binding_request(std::string(kServerUfrag) + "x", kClientUfrag, kServerPassword,
                                     1, 1, true, kId);
  EXPECT_FALSE(server_.handle_request(prefix, client_, clock_.now()).valid);
  auto empty_remote = check(false, kServerPassword, kServerUfrag, "");
  EXPECT_FALSE(server_.handle_request(empty_remote, client_, clock_.now()).valid);
}

TEST_F(IceLiteServerTest, RemoteUfragIsEnforcedOnceKnown) {
  server_.set_remote_credentials(std::string(kClientUfrag), std::string(kClientPassword));
  EXPECT_TRUE(server_.handle_request(check(false), client_, clock_.now()).valid);
  auto outcome = server_.handle_request(check(false, kServerPassword, kServerUfrag, "cli2"),
                                        client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  EXPECT_EQ(outcome.reason, "unknown USERNAME");
}

TEST_F(IceLiteServerTest, UseCandidateNominates) {
  ASSERT_TRUE(server_.handle_request(check(false), client_, clock_.now()).valid);
  EXPECT_EQ(server_.selected(), client_);
  // A later non-nominating check from another tuple does not move the selection.
  ASSERT_TRUE(server_.handle_request(check(false), other_, clock_.now()).valid);
  EXPECT_EQ(server_.selected(), client_);
  EXPECT_FALSE(server_.nominated());
  // A nomination does.
  auto outcome = server_.handle_request(check(true), other_, clock_.now());
  ASSERT_TRUE(outcome.valid);
  EXPECT_TRUE(outcome.use_candidate);
  EXPECT_EQ(server_.selected(), other_);
  EXPECT_TRUE(server_.nominated());
  // And once nominated, a plain check elsewhere does not take it away.
  ASSERT_TRUE(server_.handle_request(check(false), client_, clock_.now()).valid);
  EXPECT_EQ(server_.selected(), other_);
}

TEST_F(IceLiteServerTest, ConsentExpiresAfter30SecondsOfSilence) {
  EXPECT_FALSE(server_.is_expired(clock_.now()));  // nothing heard yet: owner's deadline
  ASSERT_TRUE(server_.handle_request(check(true), client_, clock_.now()).valid);
  EXPECT_EQ(server_.last_consent(), clock_.now());
  clock_.advance(seconds(29));
  EXPECT_FALSE(server_.is_expired(clock_.now()));
  // A refresh restarts the 30 s.
  ASSERT_TRUE(server_.handle_request(check(false), client_, clock_.now()).valid);
  clock_.advance(seconds(29));
  EXPECT_FALSE(server_.is_expired(clock_.now()));
  // Checks on another tuple and keepalive indications do not refresh consent.
  ASSERT_TRUE(server_.handle_request(check(false), other_, clock_.now()).valid);
  StunWriter indication(StunClass::kIndication, stun::kMethodBinding, kId);
  indication.add_fingerprint();
  auto keepalive = server_.handle_request(indication.bytes(), client_, clock_.now());
  EXPECT_TRUE(keepalive.valid);
  EXPECT_TRUE(keepalive.response.empty());
  clock_.advance(seconds(1));
  EXPECT_TRUE(server_.is_expired(clock_.now()));
  EXPECT_FALSE(server_.is_expired(clock_.now(), seconds(31)));
  // A bad check does not revive it.
  server_.handle_request(check(true, "bad"), client_, clock_.now());
  EXPECT_TRUE(server_.is_expired(clock_.now()));
}

TEST_F(IceLiteServerTest, RoleConflictWhenPeerAlsoControlled) {
  auto request_with_controlled = [&](std::uint64_t tie_breaker) {
    StunWriter writer(StunClass::kRequest, stun::kMethodBinding, kId);
    writer.add_username(std::string(kServerUfrag) + ":" + std::string(kClientUfrag))
        .add_priority(1)
        .add_ice_controlled(tie_breaker)
        .add_message_integrity(kServerPassword)
        .add_fingerprint();
    return std::move(writer).take();
  };
  // RFC 8445 §7.3.1.1: our tie-breaker is larger or equal -> 487, integrity-protected.
  for (std::uint64_t theirs : {std::uint64_t{1}, kServerTieBreaker}) {
    auto outcome = server_.handle_request(request_with_controlled(theirs), client_, clock_.now());
    EXPECT_FALSE(outcome.valid);
    EXPECT_EQ(outcome.reason, "role conflict");
    auto response = StunMessage::parse(outcome.response);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->error_code()->code, 487);
    EXPECT_TRUE(verify_message_integrity(outcome.response, kServerPassword));
    EXPECT_TRUE(verify_fingerprint(outcome.response));
    EXPECT_FALSE(server_.selected());
  }
  // Ours is smaller: the peer keeps controlled, the check succeeds.
  auto outcome =
      server_.handle_request(request_with_controlled(kServerTieBreaker + 1), client_, clock_.now());
  EXPECT_TRUE(outcome.valid) << outcome.reason;
  EXPECT_TRUE(is_success_response_for(outcome.response, kId, kServerPassword));
}

TEST_F(IceLiteServerTest, MissingIntegrityGets400) {
  StunWriter writer(StunClass::kRequest, stun::kMethodBinding, kId);
  writer.add_username(std::string(kServerUfrag) + ":" + std::string(kClientUfrag))
      .add_fingerprint();
  auto outcome = server_.handle_request(writer.bytes(), client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  EXPECT_EQ(StunMessage::parse(outcome.response)->error_code()->code, 400);
}

TEST_F(IceLiteServerTest, UnknownComprehensionRequiredAttributeGets420) {
  StunWriter writer(StunClass::kRequest, stun::kMethodBinding, kId);
  const std::uint8_t value[4] = {1, 2, 3, 4};
  writer.add_username(std::string(kServerUfrag) + ":" + std::string(kClientUfrag))
      .add(0x7777, value)
      .add(0xC057, value)  // optional range (Chromium's GOOG-NETWORK-INFO): fine
      .add_message_integrity(kServerPassword)
      .add_fingerprint();
  auto outcome = server_.handle_request(writer.bytes(), client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  auto response = StunMessage::parse(outcome.response);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->error_code()->code, 420);
  auto unknown = response->find(stun::kUnknownAttributes);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(to_hex(unknown->value), "7777");
}

TEST_F(IceLiteServerTest, BadFingerprintIsDroppedSilently) {
  auto request = check(true);
  request.back() ^= 0xFF;
  auto outcome = server_.handle_request(request, client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  EXPECT_TRUE(outcome.response.empty());
  EXPECT_EQ(outcome.reason, "bad FINGERPRINT");
}

TEST_F(IceLiteServerTest, ResponsesAndOtherMethodsAreDropped) {
  auto response = server_.handle_request(rfc5769::ipv4_response(), client_, clock_.now());
  EXPECT_FALSE(response.valid);
  EXPECT_TRUE(response.response.empty());
  StunWriter allocate(StunClass::kRequest, 0x003, kId);  // TURN Allocate
  allocate.add_fingerprint();
  auto outcome = server_.handle_request(allocate.bytes(), client_, clock_.now());
  EXPECT_FALSE(outcome.valid);
  EXPECT_TRUE(outcome.response.empty());
}

TEST_F(IceLiteServerTest, TruncatedAndGarbageInputIsRejected) {
  const auto good = check(true);
  for (std::size_t size = 0; size < good.size(); ++size) {
    auto outcome = server_.handle_request(Bytes(good).first(size), client_, clock_.now());
    EXPECT_FALSE(outcome.valid) << size;
    EXPECT_TRUE(outcome.response.empty()) << size;
  }
  std::vector<std::uint8_t> garbage(200);
  std::uint32_t state = 12345;
  for (int round = 0; round < 200; ++round) {
    for (auto& b : garbage) {
      state = state * 1664525u + 1013904223u;
      b = static_cast<std::uint8_t>(state >> 24);
    }
    if (round % 2 == 0) {  // make it look like STUN so parsing goes further
      garbage[0] = 0;
      garbage[1] = 1;
      store_u16(garbage.data() + 2, static_cast<std::uint16_t>(garbage.size() - 20));
      store_u32(garbage.data() + 4, stun::kMagicCookie);
    }
    EXPECT_FALSE(server_.handle_request(garbage, client_, clock_.now()).valid);
  }
  EXPECT_FALSE(server_.selected());
}

TEST(IceLiteServerCredentials, RandomUfragAndPasswordUseIceChars) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto ufrag = IceLiteServer::random_ufrag();
    auto password = IceLiteServer::random_password();
    EXPECT_EQ(ufrag.size(), 16u);
    EXPECT_EQ(password.size(), 32u);
    for (char c : ufrag + password) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') << c;
    }
    seen.insert(ufrag);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(IceLiteServerCredentials, RandomTieBreakersDiffer) {
  IceLiteServer a("a", "p"), b("b", "p");
  EXPECT_NE(a.tie_breaker(), b.tie_breaker());
}

}  // namespace
}  // namespace podium::ice
