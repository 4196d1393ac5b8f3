#include "ice/transport_address.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace podium::ice {
namespace {

TEST(TransportAddress, Ipv4ToStringAndParse) {
  auto address = TransportAddress::ipv4({192, 0, 2, 1}, 3478);
  EXPECT_EQ(address.family, 4);
  EXPECT_EQ(address.to_string(), "192.0.2.1:3478");
  EXPECT_EQ(TransportAddress::parse("192.0.2.1:3478"), address);
}

TEST(TransportAddress, Ipv6ToStringAndParse) {
  auto parsed = TransportAddress::parse("[2001:db8::1]:443");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->family, 6);
  EXPECT_EQ(parsed->ip[0], 0x20);
  EXPECT_EQ(parsed->ip[1], 0x01);
  EXPECT_EQ(parsed->ip[15], 0x01);
  EXPECT_EQ(parsed->port, 443);
  EXPECT_EQ(parsed->to_string(), "[2001:db8::1]:443");
  EXPECT_EQ(parsed->ip_string(), "2001:db8::1");
}

TEST(TransportAddress, ParseRejectsBadText) {
  EXPECT_FALSE(TransportAddress::parse(""));
  EXPECT_FALSE(TransportAddress::parse("192.0.2.1"));
  EXPECT_FALSE(TransportAddress::parse("192.0.2.1:"));
  EXPECT_FALSE(TransportAddress::parse("192.0.2.1:65536"));
  EXPECT_FALSE(TransportAddress::parse("192.0.2.256:1"));
  EXPECT_FALSE(TransportAddress::parse("2001:db8::1:80"));
  EXPECT_FALSE(TransportAddress::parse("[2001:db8::1]80"));
  EXPECT_FALSE(TransportAddress::parse("[192.0.2.1]:80"));
  EXPECT_FALSE(TransportAddress::parse("192.0.2.1:8x"));
}

TEST(TransportAddress, EqualityAndHashDistinguishFamilyIpAndPort) {
  auto a = TransportAddress::ipv4({10, 0, 0, 1}, 5000);
  auto b = TransportAddress::ipv4({10, 0, 0, 1}, 5001);
  auto c = TransportAddress::ipv4({10, 0, 0, 2}, 5000);
  std::array<std::uint8_t, 16> v6{};
  v6[0] = 10;
  v6[3] = 1;
  auto d = TransportAddress::ipv6(v6, 5000);  // same bytes as a, other family
  EXPECT_EQ(a, TransportAddress::ipv4({10, 0, 0, 1}, 5000));
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  std::unordered_set<TransportAddress, TransportAddressHash> set{a, b, c, d, a};
  EXPECT_EQ(set.size(), 4u);
}

}  // namespace
}  // namespace podium::ice
