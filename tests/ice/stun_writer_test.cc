#include "ice/stun_writer.h"

#include <gtest/gtest.h>

#include "rfc5769_vectors.h"

namespace podium::ice {
namespace {

const TransactionId kRfcTransactionId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                         0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

// The attribute bytes of `message` from `offset`, `size` long.
std::string attribute_hex(const std::vector<std::uint8_t>& message, std::size_t offset,
                          std::size_t size) {
  return to_hex(Bytes(message).subspan(offset, size));
}

TEST(StunWriter, HeaderOnly) {
  StunWriter writer(StunClass::kIndication, stun::kMethodBinding, kRfcTransactionId);
  EXPECT_EQ(to_hex(writer.bytes()), "001100002112a442b7e7a701bc34d686fa87dfae");
}

TEST(StunWriter, XorMappedAddressMatchesRfc5769Ipv4) {
  StunWriter writer(StunClass::kSuccessResponse, stun::kMethodBinding, kRfcTransactionId);
  writer.add_xor_mapped_address(TransportAddress::ipv4({192, 0, 2, 1}, 32853));
  // §2.2: "00 20 00 08 00 01 a1 47 e1 12 a6 43"
  EXPECT_EQ(attribute_hex(writer.bytes(), 20, 12), "002000080001a147e112a643");
  EXPECT_EQ(attribute_hex(rfc5769::ipv4_response(), 36, 12), "002000080001a147e112a643");
}

TEST(StunWriter, XorMappedAddressMatchesRfc5769Ipv6) {
  auto address = TransportAddress::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  ASSERT_TRUE(address);
  StunWriter writer(StunClass::kSuccessResponse, stun::kMethodBinding, kRfcTransactionId);
  writer.add_xor_mapped_address(*address);
  EXPECT_EQ(attribute_hex(writer.bytes(), 20, 24), attribute_hex(rfc5769::ipv6_response(), 36, 24));
}

TEST(StunWriter, ReproducesRfc5769Ipv4ResponseExceptPadding) {
  // The RFC pads SOFTWARE with a space; we pad with zero as RFC 5389 §15 suggests, so
  // integrity and fingerprint differ but must verify, and all else matches.
  StunWriter writer(StunClass::kSuccessResponse, stun::kMethodBinding, kRfcTransactionId);
  writer.add_software("test vector")
      .add_xor_mapped_address(TransportAddress::ipv4({192, 0, 2, 1}, 32853))
      .add_message_integrity(rfc5769::kPassword)
      .add_fingerprint();
  auto ours = writer.bytes();
  auto theirs = rfc5769::ipv4_response();
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(attribute_hex(ours, 0, 35), attribute_hex(theirs, 0, 35));
  EXPECT_EQ(ours[35], 0x00);
  EXPECT_EQ(attribute_hex(ours, 36, 16), attribute_hex(theirs, 36, 16));  // XMA + MI header
  EXPECT_TRUE(verify_message_integrity(ours, rfc5769::kPassword));
  EXPECT_TRUE(verify_fingerprint(ours));
}

TEST(StunWriter, RoundTripsEveryAttribute) {
  const TransactionId id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  StunWriter writer(StunClass::kErrorResponse, stun::kMethodBinding, id);
  writer.add_username("abc:defgh")
      .add_priority(0x6e0001ff)
      .add_use_candidate()
      .add_ice_controlling(0x0102030405060708ULL)
      .add_ice_controlled(0x1112131415161718ULL)
      .add_error_code(487, "Role Conflict")
      .add_xor_mapped_address(*TransportAddress::parse("[::1]:9"))
      .add_message_integrity(std::string_view("key"))
      .add_fingerprint();
  const auto& bytes = writer.bytes();
  ASSERT_EQ(bytes.size() % 4, 0u);
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->message_class(), StunClass::kErrorResponse);
  EXPECT_EQ(message->method(), stun::kMethodBinding);
  EXPECT_EQ(message->transaction_id(), id);
  EXPECT_EQ(message->username(), "abc:defgh");
  EXPECT_EQ(message->priority(), 0x6e0001ffu);
  EXPECT_TRUE(message->use_candidate());
  EXPECT_EQ(message->ice_controlling(), 0x0102030405060708ULL);
  EXPECT_EQ(message->ice_controlled(), 0x1112131415161718ULL);
  ASSERT_TRUE(message->error_code());
  EXPECT_EQ(message->error_code()->code, 487);
  EXPECT_EQ(message->error_code()->reason, "Role Conflict");
  EXPECT_EQ(message->xor_mapped_address()->to_string(), "[::1]:9");
  EXPECT_TRUE(verify_message_integrity(bytes, std::string_view("key")));
  EXPECT_FALSE(verify_message_integrity(bytes, std::string_view("kez")));
  EXPECT_TRUE(verify_fingerprint(bytes));
}

TEST(StunWriter, IntegrityWithoutFingerprint) {
  const TransactionId id{};
  StunWriter writer(StunClass::kRequest, stun::kMethodBinding, id);
  writer.add_username("a:b").add_message_integrity(std::string_view("pw"));
  EXPECT_TRUE(verify_message_integrity(writer.bytes(), std::string_view("pw")));
  EXPECT_FALSE(verify_fingerprint(writer.bytes()));
}

}  // namespace
}  // namespace podium::ice
