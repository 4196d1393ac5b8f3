#include "ice/stun_message.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "ice/stun_integrity.h"
#include "rfc5769_vectors.h"

namespace podium::ice {
namespace {

const TransactionId kRfcTransactionId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                         0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

TEST(Crc32, PublishedCheckValue) {
  EXPECT_EQ(crc32(as_bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
  // Continuing a computation gives the same result as one pass.
  EXPECT_EQ(crc32(as_bytes("56789"), crc32(as_bytes("1234"))), 0xCBF43926u);
}

TEST(HmacSha1, Rfc2202TestCase2) {
  HmacSha1 mac;
  ASSERT_TRUE(
      hmac_sha1(as_bytes("Jefe"), {as_bytes("what do ya want "), as_bytes("for nothing?")}, mac));
  EXPECT_EQ(to_hex(mac), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(StunMessageType, InterleavesClassAndMethod) {
  EXPECT_EQ(stun_message_type(StunClass::kRequest, stun::kMethodBinding), 0x0001);
  EXPECT_EQ(stun_message_type(StunClass::kIndication, stun::kMethodBinding), 0x0011);
  EXPECT_EQ(stun_message_type(StunClass::kSuccessResponse, stun::kMethodBinding), 0x0101);
  EXPECT_EQ(stun_message_type(StunClass::kErrorResponse, stun::kMethodBinding), 0x0111);
  // TURN Allocate (0x003) and a method with high bits, per RFC 5389 §6 figure 3.
  EXPECT_EQ(stun_message_type(StunClass::kRequest, 0x003), 0x0003);
  EXPECT_EQ(stun_message_type(StunClass::kErrorResponse, 0xFFF), 0x3FFF);
}

TEST(Rfc5769, SampleRequest) {
  auto bytes = rfc5769::request();
  ASSERT_EQ(bytes.size(), 108u);
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->message_class(), StunClass::kRequest);
  EXPECT_EQ(message->method(), stun::kMethodBinding);
  EXPECT_TRUE(message->is_binding_request());
  EXPECT_EQ(message->length(), 0x58);
  EXPECT_EQ(message->transaction_id(), kRfcTransactionId);
  EXPECT_EQ(message->software(), "STUN test client");
  EXPECT_EQ(message->priority(), 0x6e0001ffu);
  EXPECT_EQ(message->ice_controlled(), 0x932ff9b151263b36ULL);
  EXPECT_FALSE(message->ice_controlling());
  EXPECT_FALSE(message->use_candidate());
  EXPECT_EQ(message->username(), "evtj:h6vY");
  ASSERT_TRUE(message->message_integrity());
  EXPECT_EQ(to_hex(*message->message_integrity()), "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2");
  EXPECT_EQ(message->fingerprint(), 0xe57a3bcfu);

  std::vector<std::uint16_t> types;
  for (const auto& attribute : message->attributes()) types.push_back(attribute.type);
  EXPECT_EQ(types, (std::vector<std::uint16_t>{stun::kSoftware, stun::kPriority,
                                               stun::kIceControlled, stun::kUsername,
                                               stun::kMessageIntegrity, stun::kFingerprint}));

  EXPECT_TRUE(verify_message_integrity(bytes, rfc5769::kPassword));
  EXPECT_FALSE(verify_message_integrity(bytes, std::string_view("VOkJxbRl1RmTxUk/WvJxBT")));
  EXPECT_TRUE(verify_fingerprint(bytes));
}

TEST(Rfc5769, SampleIpv4Response) {
  auto bytes = rfc5769::ipv4_response();
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->message_class(), StunClass::kSuccessResponse);
  EXPECT_EQ(message->method(), stun::kMethodBinding);
  EXPECT_EQ(message->transaction_id(), kRfcTransactionId);
  EXPECT_EQ(message->software(), "test vector");
  auto mapped = message->xor_mapped_address();
  ASSERT_TRUE(mapped);
  EXPECT_EQ(*mapped, TransportAddress::ipv4({192, 0, 2, 1}, 32853));
  EXPECT_TRUE(verify_message_integrity(bytes, rfc5769::kPassword));
  EXPECT_TRUE(verify_fingerprint(bytes));
}

TEST(Rfc5769, SampleIpv6Response) {
  auto bytes = rfc5769::ipv6_response();
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->message_class(), StunClass::kSuccessResponse);
  auto mapped = message->xor_mapped_address();
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  EXPECT_TRUE(verify_message_integrity(bytes, rfc5769::kPassword));
  EXPECT_TRUE(verify_fingerprint(bytes));
}

TEST(Rfc5769, SampleRequestWithLongTermAuthentication) {
  auto bytes = rfc5769::long_term_request();
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_TRUE(message->is_binding_request());
  EXPECT_EQ(message->username(), rfc5769::kLongTermUsername);
  EXPECT_EQ(message->nonce(), rfc5769::kLongTermNonce);
  EXPECT_EQ(message->realm(), rfc5769::kLongTermRealm);
  auto key = long_term_key(rfc5769::kLongTermUsername, rfc5769::kLongTermRealm,
                           rfc5769::kLongTermPassword);
  EXPECT_TRUE(verify_message_integrity(bytes, Bytes(key)));
  EXPECT_FALSE(verify_message_integrity(bytes, rfc5769::kLongTermPassword));
  // §2.4 carries no FINGERPRINT.
  EXPECT_FALSE(message->fingerprint());
  EXPECT_FALSE(verify_fingerprint(bytes));
}

TEST(Rfc5769, AnyFlippedBitBreaksIntegrityAndFingerprint) {
  const auto original = rfc5769::request();
  // Skip the MESSAGE-INTEGRITY and FINGERPRINT values themselves.
  for (std::size_t i = 0; i < 80; ++i) {
    auto bytes = original;
    bytes[i] ^= 0x01;
    if (!StunMessage::parse(bytes)) continue;  // e.g. the cookie or a length
    EXPECT_FALSE(verify_message_integrity(bytes, rfc5769::kPassword)) << "byte " << i;
    EXPECT_FALSE(verify_fingerprint(bytes)) << "byte " << i;
  }
}

TEST(StunMessageParse, RejectsMalformedHeaders) {
  auto good = rfc5769::request();
  ASSERT_TRUE(StunMessage::parse(good));

  EXPECT_FALSE(StunMessage::parse({}));
  EXPECT_FALSE(StunMessage::parse(Bytes(good).first(19)));

  auto top_bits = good;
  top_bits[0] |= 0x80;
  EXPECT_FALSE(StunMessage::parse(top_bits));
  top_bits[0] = 0x40;
  EXPECT_FALSE(StunMessage::parse(top_bits));

  auto cookie = good;
  cookie[4] = 0x22;
  EXPECT_FALSE(StunMessage::parse(cookie));

  auto odd_length = good;
  odd_length[3] = 0x57;
  EXPECT_FALSE(StunMessage::parse(odd_length));

  // Length field larger and smaller than the datagram.
  auto longer = good;
  longer[3] = 0x5c;
  EXPECT_FALSE(StunMessage::parse(longer));
  EXPECT_FALSE(StunMessage::parse(Bytes(good).first(good.size() - 4)));
}

TEST(StunMessageParse, RejectsTruncatedAttribute) {
  // Header claims 8 bytes of body; the one attribute claims 8 bytes of value.
  auto bytes = from_hex(
      "00 01 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00"
      "00 06 00 08 61 62 63 64");
  auto parsed = StunMessage::parse(bytes);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "truncated attribute");
  // A value length whose padding runs past the end.
  auto padding = from_hex(
      "00 01 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00"
      "00 06 00 05 61 62 63 64");
  EXPECT_FALSE(StunMessage::parse(padding));
}

TEST(StunMessageParse, EmptyBodyIsValid) {
  auto bytes = from_hex("00 01 00 00 21 12 a4 42 01 02 03 04 05 06 07 08 09 0a 0b 0c");
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->attributes().begin(), message->attributes().end());
  EXPECT_FALSE(message->username());
  EXPECT_FALSE(verify_message_integrity(bytes, std::string_view("x")));
  EXPECT_FALSE(verify_fingerprint(bytes));
}

TEST(StunMessageParse, RejectsAttributeAfterFingerprint) {
  auto bytes = rfc5769::request();
  // Append a PRIORITY after FINGERPRINT and fix the length.
  for (std::uint8_t b : {0x00, 0x24, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04}) {
    bytes.push_back(b);
  }
  store_u16(bytes.data() + 2, static_cast<std::uint16_t>(bytes.size() - 20));
  auto parsed = StunMessage::parse(bytes);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "attribute after FINGERPRINT");
}

TEST(StunMessageFind, IgnoresAttributesAfterMessageIntegrity) {
  // RFC 5769 §2.1 without FINGERPRINT, then a USE-CANDIDATE and a second USERNAME after
  // MESSAGE-INTEGRITY (RFC 5389 §15.4: they must be ignored).
  auto bytes = rfc5769::request();
  bytes.resize(bytes.size() - 8);
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{0x00, 0x25, 0x00, 0x00, 0x00, 0x06,
                                                            0x00, 0x04, 'e', 'v', 'i', 'l'}) {
    bytes.push_back(b);
  }
  store_u16(bytes.data() + 2, static_cast<std::uint16_t>(bytes.size() - 20));
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_FALSE(message->use_candidate());
  EXPECT_EQ(message->username(), "evtj:h6vY");
  int count = 0;
  for (const auto& attribute : message->attributes()) {
    (void)attribute;
    ++count;
  }
  EXPECT_EQ(count, 7);
  // The HMAC covers only what precedes it, so it still verifies.
  EXPECT_TRUE(verify_message_integrity(bytes, rfc5769::kPassword));
}

TEST(StunMessageAccessors, WrongSizedValuesAreAbsent) {
  // PRIORITY of 2 bytes, ICE-CONTROLLING of 4, XOR-MAPPED-ADDRESS of family 3,
  // ERROR-CODE with class 7.
  auto bytes = from_hex(
      "00 01 00 28 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00"
      "00 24 00 02 01 02 00 00"
      "80 2a 00 04 01 02 03 04"
      "00 20 00 08 00 03 a1 47 e1 12 a6 43"
      "00 09 00 08 00 00 07 01 61 62 63 64");
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_FALSE(message->priority());
  EXPECT_FALSE(message->ice_controlling());
  EXPECT_FALSE(message->xor_mapped_address());
  EXPECT_FALSE(message->error_code());
}

TEST(StunMessageAccessors, ErrorCode) {
  auto bytes = from_hex(
      "01 11 00 14 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00"
      "00 09 00 10 00 00 04 01 55 6e 61 75 74 68 6f 72 69 7a 65 64");
  auto message = StunMessage::parse(bytes);
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->message_class(), StunClass::kErrorResponse);
  auto error = message->error_code();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, 401);
  EXPECT_EQ(error->reason, "Unauthorized");
}

TEST(StunDemux, LooksLikeStun) {
  EXPECT_TRUE(looks_like_stun(rfc5769::request()));
  EXPECT_TRUE(looks_like_stun(rfc5769::ipv6_response()));
  auto dtls = rfc5769::request();
  dtls[0] = 22;  // DTLS handshake content type
  EXPECT_FALSE(looks_like_stun(dtls));
  auto rtp = rfc5769::request();
  rtp[0] = 0x80;
  EXPECT_FALSE(looks_like_stun(rtp));
  auto no_cookie = rfc5769::request();
  no_cookie[7] = 0x43;
  EXPECT_FALSE(looks_like_stun(no_cookie));
  EXPECT_FALSE(looks_like_stun(Bytes(rfc5769::request()).first(8)));
}

TEST(StunDemux, Username) {
  EXPECT_EQ(stun_username(rfc5769::request()), "evtj:h6vY");
  EXPECT_FALSE(stun_username(rfc5769::ipv4_response()));
  auto truncated = rfc5769::request();
  truncated.resize(60);
  EXPECT_FALSE(stun_username(truncated));
}

}  // namespace
}  // namespace podium::ice
