#include "net/endpoint.h"

#include <gtest/gtest.h>

#include <unordered_map>
#include <vector>

namespace podium::net {
namespace {

std::vector<std::uint8_t> to_vector(Bytes bytes) { return {bytes.begin(), bytes.end()}; }

TEST(EndpointTest, ParsesAndPrintsIpv4) {
  auto endpoint = Endpoint::parse("192.0.2.17:3478");
  ASSERT_TRUE(endpoint);
  EXPECT_TRUE(endpoint->is_v4());
  EXPECT_EQ(endpoint->family(), AF_INET);
  EXPECT_EQ(endpoint->port(), 3478);
  EXPECT_EQ(to_vector(endpoint->ip_bytes()), (std::vector<std::uint8_t>{192, 0, 2, 17}));
  EXPECT_EQ(endpoint->to_string(), "192.0.2.17:3478");
  EXPECT_EQ(endpoint->sockaddr_length(), sizeof(sockaddr_in));
}

TEST(EndpointTest, ParsesAndPrintsIpv6) {
  auto loopback = Endpoint::parse("[::1]:5");
  ASSERT_TRUE(loopback);
  EXPECT_TRUE(loopback->is_v6());
  EXPECT_EQ(loopback->port(), 5);
  std::vector<std::uint8_t> expected(16, 0);
  expected[15] = 1;
  EXPECT_EQ(to_vector(loopback->ip_bytes()), expected);
  EXPECT_EQ(loopback->to_string(), "[::1]:5");

  // Printed in the RFC 5952 canonical form whatever the input spelling.
  auto doc = Endpoint::parse("[2001:0DB8:0:0:0:0:0:0001]:65535");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->to_string(), "[2001:db8::1]:65535");
  EXPECT_EQ(doc->port(), 65535);
  EXPECT_EQ(doc->sockaddr_length(), sizeof(sockaddr_in6));
}

TEST(EndpointTest, RoundTripsThroughToString) {
  for (const char* text :
       {"0.0.0.0:0", "255.255.255.255:65535", "[::]:0", "[fe80::1:2]:9", "[::ffff:10.0.0.1]:443"}) {
    auto endpoint = Endpoint::parse(text);
    ASSERT_TRUE(endpoint) << text;
    EXPECT_EQ(endpoint->to_string(), text);
    EXPECT_EQ(Endpoint::parse(endpoint->to_string()), endpoint);
  }
}

TEST(EndpointTest, RejectsMalformedText) {
  for (const char* text : {"",
                           ":",
                           "1.2.3.4",
                           "1.2.3.4:",
                           "1.2.3.4:65536",
                           "1.2.3.4:-1",
                           "1.2.3.4:+5",
                           "1.2.3.4:5x",
                           "1.2.3.4:123456",
                           " 1.2.3.4:5",
                           "1.2.3:5",
                           "256.1.1.1:5",
                           "1.2.3.4.5:6",
                           "localhost:80",
                           "::1:5",
                           "[::1]5",
                           "[::1]:",
                           "[::1",
                           "[]:5",
                           "[1.2.3.4]:5",
                           "[::1]:5:6",
                           "[:::1]:5",
                           "[fe80::1%eth0]:5",
                           "[::1]]:5"}) {
    EXPECT_FALSE(Endpoint::parse(text)) << text;
  }
}

TEST(EndpointTest, UnspecifiedByDefault) {
  Endpoint endpoint;
  EXPECT_EQ(endpoint.family(), AF_UNSPEC);
  EXPECT_EQ(endpoint.port(), 0);
  EXPECT_TRUE(endpoint.ip_bytes().empty());
  EXPECT_EQ(endpoint.sockaddr_length(), 0u);
  EXPECT_EQ(endpoint, Endpoint{});
  EXPECT_NE(endpoint, *Endpoint::parse("0.0.0.0:0"));
}

TEST(EndpointTest, BuildsFromIpBytes) {
  const std::uint8_t v4[] = {10, 1, 2, 3};
  auto a = Endpoint::from_ip(v4, 40000);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "10.1.2.3:40000");

  std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 0x42;
  auto b = Endpoint::from_ip(v6, 1);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "[2001:db8::42]:1");

  const std::uint8_t five[] = {1, 2, 3, 4, 5};
  EXPECT_FALSE(Endpoint::from_ip(five, 1));
  EXPECT_FALSE(Endpoint::from_ip({}, 1));
}

TEST(EndpointTest, BuildsFromSockaddr) {
  auto original = *Endpoint::parse("[2001:db8::7]:8443");
  auto copy = Endpoint::from_sockaddr(original.sockaddr_ptr(), original.sockaddr_length());
  ASSERT_TRUE(copy);
  EXPECT_EQ(*copy, original);
  // Too short for the family it claims.
  EXPECT_FALSE(Endpoint::from_sockaddr(original.sockaddr_ptr(), sizeof(sockaddr_in)));
  sockaddr unix_family{};
  unix_family.sa_family = AF_UNIX;
  EXPECT_FALSE(Endpoint::from_sockaddr(&unix_family, sizeof(sockaddr_in6)));
}

TEST(EndpointTest, EqualityComparesFamilyAddressAndPort) {
  auto a = *Endpoint::parse("10.0.0.1:5000");
  EXPECT_EQ(a, *Endpoint::parse("10.0.0.1:5000"));
  EXPECT_NE(a, *Endpoint::parse("10.0.0.1:5001"));
  EXPECT_NE(a, *Endpoint::parse("10.0.0.2:5000"));
  EXPECT_NE(a, *Endpoint::parse("[::ffff:10.0.0.1]:5000"));  // different family until unmapped
  EXPECT_EQ(*Endpoint::parse("[::1]:1"), *Endpoint::parse("[0:0::1]:1"));
  EXPECT_NE(*Endpoint::parse("[::1]:1"), *Endpoint::parse("[::2]:1"));
}

TEST(EndpointTest, MapsAndUnmapsIpv4) {
  auto v4 = *Endpoint::parse("198.51.100.9:7");
  auto mapped = v4.v4_mapped();
  EXPECT_TRUE(mapped.is_v6());
  EXPECT_TRUE(mapped.is_v4_mapped());
  EXPECT_EQ(mapped.to_string(), "[::ffff:198.51.100.9]:7");
  EXPECT_EQ(mapped.unmapped(), v4);
  EXPECT_FALSE(v4.is_v4_mapped());
  EXPECT_EQ(v4.unmapped(), v4);
  auto v6 = *Endpoint::parse("[2001:db8::1]:7");
  EXPECT_FALSE(v6.is_v4_mapped());
  EXPECT_EQ(v6.unmapped(), v6);
  EXPECT_EQ(v6.v4_mapped(), v6);
}

TEST(EndpointTest, HashAgreesWithEqualityAndSpreads) {
  EndpointHash hash;
  EXPECT_EQ(hash(*Endpoint::parse("10.0.0.1:5000")), hash(*Endpoint::parse("10.0.0.1:5000")));
  EXPECT_EQ(hash(*Endpoint::parse("[::1]:9")), hash(*Endpoint::parse("[0::1]:9")));

  // Typical demux keys differ only in the low bits of the port or address.
  std::unordered_map<Endpoint, int, EndpointHash> by_endpoint;
  std::unordered_map<std::size_t, int> buckets;
  for (int i = 0; i < 256; ++i) {
    auto port_key = *Endpoint::parse("10.0.0.1:" + std::to_string(40000 + i));
    auto addr_key = *Endpoint::parse("10.0.1." + std::to_string(i) + ":40000");
    auto v6_key = *Endpoint::parse("[2001:db8::" + std::to_string(i) + "]:40000");
    by_endpoint[port_key] = i;
    by_endpoint[addr_key] = 1000 + i;
    by_endpoint[v6_key] = 2000 + i;
    ++buckets[hash(port_key) % 1024];
    ++buckets[hash(addr_key) % 1024];
  }
  EXPECT_EQ(by_endpoint.size(), 768u);
  EXPECT_EQ(by_endpoint.at(*Endpoint::parse("10.0.0.1:40005")), 5);
  EXPECT_EQ(by_endpoint.at(*Endpoint::parse("10.0.1.7:40000")), 1007);
  EXPECT_EQ(by_endpoint.at(*Endpoint::parse("[2001:db8::9]:40000")), 2009);
  // 512 keys over 1024 buckets: a decent hash leaves no bucket crowded.
  for (auto& [bucket, count] : buckets) EXPECT_LE(count, 6) << bucket;
}

}  // namespace
}  // namespace podium::net
