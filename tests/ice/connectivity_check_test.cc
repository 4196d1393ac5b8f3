#include "ice/connectivity_check.h"

#include <gtest/gtest.h>

#include "ice/stun_writer.h"

namespace podium::ice {
namespace {

const TransactionId kId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

TEST(MakeBindingRequest, CarriesRfc8445Attributes) {
  auto bytes =
      make_binding_request("remote", "local", "secret", 0xAABBCCDDEEFF0011ULL, 1234, true, kId);
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_TRUE(message->is_binding_request());
  EXPECT_EQ(message->transaction_id(), kId);
  EXPECT_EQ(message->username(), "remote:local");
  EXPECT_EQ(message->priority(), 1234u);
  EXPECT_EQ(message->ice_controlling(), 0xAABBCCDDEEFF0011ULL);
  EXPECT_FALSE(message->ice_controlled());
  EXPECT_TRUE(message->use_candidate());
  EXPECT_TRUE(verify_message_integrity(bytes, std::string_view("secret")));
  EXPECT_TRUE(verify_fingerprint(bytes));

  auto plain = make_binding_request("remote", "local", "secret", 1, 1, false, kId);
  EXPECT_FALSE(StunMessage::parse(plain)->use_candidate());
}

TEST(IsSuccessResponseFor, ChecksClassTransactionAndIntegrity) {
  auto response = [](StunClass cls, const TransactionId& id, std::string_view key) {
    StunWriter writer(cls, stun::kMethodBinding, id);
    writer.add_xor_mapped_address(TransportAddress::ipv4({127, 0, 0, 1}, 9))
        .add_message_integrity(key)
        .add_fingerprint();
    return std::move(writer).take();
  };
  EXPECT_TRUE(is_success_response_for(response(StunClass::kSuccessResponse, kId, "pw"), kId, "pw"));
  EXPECT_FALSE(
      is_success_response_for(response(StunClass::kSuccessResponse, kId, "pw"), kId, "pW"));
  EXPECT_FALSE(is_success_response_for(response(StunClass::kErrorResponse, kId, "pw"), kId, "pw"));
  TransactionId other = kId;
  other[11] ^= 1;
  EXPECT_FALSE(
      is_success_response_for(response(StunClass::kSuccessResponse, other, "pw"), kId, "pw"));
  auto corrupted = response(StunClass::kSuccessResponse, kId, "pw");
  corrupted.back() ^= 1;  // FINGERPRINT
  EXPECT_FALSE(is_success_response_for(corrupted, kId, "pw"));
  EXPECT_FALSE(is_success_response_for({}, kId, "pw"));
}

TEST(RandomTransactionId, Differs) { EXPECT_NE(random_transaction_id(), random_transaction_id()); }

}  // namespace
}  // namespace podium::ice
