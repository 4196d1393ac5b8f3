#include "net/udp_socket.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace podium::net {
namespace {

UdpSocket bind_or_die(const char* text) {
  auto socket = UdpSocket::bind(*Endpoint::parse(text));
  EXPECT_TRUE(socket) << socket.error();
  return std::move(socket).value();
}

bool wait_readable(int fd, int timeout_ms = 5000) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

// Receives until `count` datagrams arrived or nothing more comes within the timeout.
std::vector<std::pair<std::string, Endpoint>> receive(UdpSocket& socket, std::size_t count,
                                                      std::size_t* largest_batch = nullptr) {
  std::vector<std::pair<std::string, Endpoint>> out;
  while (out.size() < count && wait_readable(socket.fd())) {
    auto batch = socket.receive_batch();
    if (largest_batch) *largest_batch = std::max(*largest_batch, batch.size());
    for (const Datagram& datagram : batch) {
      out.emplace_back(std::string(as_string_view(datagram.data)), datagram.from);
    }
  }
  return out;
}

bool ipv6_loopback_available() { return UdpSocket::bind(*Endpoint::parse("[::1]:0")).ok(); }

TEST(UdpSocketTest, BindsToAnEphemeralPort) {
  auto socket = bind_or_die("127.0.0.1:0");
  EXPECT_GE(socket.fd(), 0);
  EXPECT_TRUE(socket.local_endpoint().is_v4());
  EXPECT_NE(socket.local_endpoint().port(), 0);
  EXPECT_EQ(socket.local_endpoint().to_string(),
            "127.0.0.1:" + std::to_string(socket.local_endpoint().port()));
}

// A load client binds hundreds of sockets to port 0. With SO_REUSEADDR the kernel may
// hand one ephemeral port to two of them; the server then sees two clients as one address
// and their packets land on each other's transports.
TEST(UdpSocketTest, EphemeralPortsAreNeverShared) {
  std::vector<UdpSocket> sockets;
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 800; ++i) {
    sockets.push_back(bind_or_die("127.0.0.1:0"));
    ports.insert(sockets.back().local_endpoint().port());
  }
  EXPECT_EQ(ports.size(), sockets.size());
}

// A second server on a media port in use fails to start instead of splitting its traffic.
TEST(UdpSocketTest, APortInUseCannotBeBoundTwice) {
  auto first = bind_or_die("127.0.0.1:0");
  auto second = UdpSocket::bind(first.local_endpoint());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("in use"), std::string::npos) << second.error();
}

// A fixed port that was free a moment ago: a server's media port.
Endpoint free_port(const char* address) {
  auto probe = bind_or_die(address);
  return probe.local_endpoint();
}

// A server's socket sends through a second socket on its port. Every datagram that
// arrives, from any source port, must still reach the receiving socket (without the
// reuseport program the kernel would hash about half of the sources to the sender, which
// nobody reads), and what it sends must come from the same address and port.
TEST(UdpSocketTest, SeparateSenderReceivesEverythingAndRepliesFromTheSamePort) {
  auto bound = UdpSocket::bind(free_port("127.0.0.1:0"), {.separate_sender = true});
  ASSERT_TRUE(bound) << bound.error();
  UdpSocket server = std::move(*bound);  // both sockets survive the move
  ASSERT_TRUE(server.has_separate_sender());
  std::vector<UdpSocket> clients;
  for (int i = 0; i < 32; ++i) {
    clients.push_back(bind_or_die("127.0.0.1:0"));
    for (int j = 0; j < 4; ++j) clients.back().send(as_bytes(std::to_string(i)), server.local_endpoint());
    clients.back().flush();
  }
  auto received = receive(server, 32 * 4);
  ASSERT_EQ(received.size(), 32u * 4);
  std::set<std::string> sources;
  for (auto& [text, from] : received) sources.insert(from.to_string());
  EXPECT_EQ(sources.size(), 32u);

  for (UdpSocket& client : clients) server.send(as_bytes("reply"), client.local_endpoint());
  server.flush();
  EXPECT_EQ(server.counters().datagrams_sent, 32u);
  for (UdpSocket& client : clients) {
    auto reply = receive(client, 1);
    ASSERT_EQ(reply.size(), 1u);
    EXPECT_EQ(reply[0].first, "reply");
    EXPECT_EQ(reply[0].second, server.local_endpoint());
  }
}

// Two sockets on the port must not open it to a second server: its bind fails as before,
// with or without a separate sender of its own; once the first closes, the port is free.
TEST(UdpSocketTest, SeparateSenderKeepsThePortExclusive) {
  const Endpoint port = free_port("127.0.0.1:0");
  {
    auto first = UdpSocket::bind(port, {.separate_sender = true});
    ASSERT_TRUE(first) << first.error();
    EXPECT_TRUE(first->has_separate_sender());
    for (UdpBindOptions options : {UdpBindOptions{}, UdpBindOptions{.separate_sender = true}}) {
      auto second = UdpSocket::bind(port, options);
      ASSERT_FALSE(second);
      EXPECT_NE(second.error().find("in use"), std::string::npos) << second.error();
    }
  }
  auto again = UdpSocket::bind(port, {.separate_sender = true});
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(again->has_separate_sender());
}

// Port 0 has no port to share yet: the one socket does both.
TEST(UdpSocketTest, EphemeralPortKeepsOneSocket) {
  auto socket = UdpSocket::bind(*Endpoint::parse("127.0.0.1:0"), {.separate_sender = true});
  ASSERT_TRUE(socket) << socket.error();
  EXPECT_FALSE(socket->has_separate_sender());
}

TEST(UdpSocketTest, SeparateSenderOnADualStackPort) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
  auto bound = UdpSocket::bind(free_port("[::]:0"), {.separate_sender = true});
  ASSERT_TRUE(bound) << bound.error();
  ASSERT_TRUE(bound->has_separate_sender());
  auto v4 = bind_or_die("127.0.0.1:0");
  auto v6 = bind_or_die("[::1]:0");
  const auto port = std::to_string(bound->local_endpoint().port());
  v4.send(as_bytes("four"), *Endpoint::parse("127.0.0.1:" + port));
  v4.flush();
  v6.send(as_bytes("six"), *Endpoint::parse("[::1]:" + port));
  v6.flush();
  auto received = receive(*bound, 2);
  ASSERT_EQ(received.size(), 2u);
  for (auto& [text, from] : received) bound->send(as_bytes("back " + text), from);
  bound->flush();
  auto four = receive(v4, 1);
  auto six = receive(v6, 1);
  ASSERT_EQ(four.size(), 1u);
  ASSERT_EQ(six.size(), 1u);
  EXPECT_EQ(four[0].first, "back four");
  EXPECT_EQ(six[0].first, "back six");
}

TEST(UdpSocketTest, BindFailsWithReasonForForeignAddress) {
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a local address.
  auto socket = UdpSocket::bind(*Endpoint::parse("192.0.2.1:0"));
  ASSERT_FALSE(socket);
  EXPECT_NE(socket.error().find("192.0.2.1:0"), std::string::npos) << socket.error();
  EXPECT_FALSE(UdpSocket::bind(Endpoint{}));
}

std::int64_t realtime_now_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// A forwarding server's bookkeeping: the datagram carries the kernel's arrival time, and
// what is sent on its behalf as forwarded lands once in the delay histogram; other sends
// (and sockets without timestamps) leave it alone.
TEST(UdpSocketTest, ForwardedSendsCountTheirDelayFromArrival) {
  auto server = bind_or_die("127.0.0.1:0");
  auto client = bind_or_die("127.0.0.1:0");
  ASSERT_TRUE(server.enable_arrival_timestamps());
  const std::int64_t before = realtime_now_ns();
  client.send(as_bytes(std::string_view("publish")), server.local_endpoint());
  client.flush();
  ASSERT_TRUE(wait_readable(server.fd()));
  auto batch = server.receive_batch();
  ASSERT_EQ(batch.size(), 1u);
  const std::int64_t arrival = batch[0].received_ns;
  EXPECT_GE(arrival, before);
  EXPECT_LE(arrival, realtime_now_ns());

  server.set_send_origin(arrival);
  auto slot = server.send_slot();
  std::memcpy(slot.data(), "copy", 4);
  server.commit_slot(4, client.local_endpoint(), /*forwarded=*/true);
  slot = server.send_slot();
  std::memcpy(slot.data(), "rtcp", 4);
  server.commit_slot(4, client.local_endpoint());  // not forwarded media
  server.flush();
  server.set_send_origin(0);
  slot = server.send_slot();
  std::memcpy(slot.data(), "tick", 4);
  server.commit_slot(4, client.local_endpoint(), /*forwarded=*/true);  // no origin: a timer's
  server.flush();

  EXPECT_EQ(receive(client, 3).size(), 3u);
  const DelayHistogram& delay = server.forwarding_delay();
  EXPECT_EQ(delay.count(), 1u);
  std::uint64_t in_buckets = 0;
  for (std::size_t i = 0; i < DelayHistogram::kBuckets; ++i) in_buckets += delay.bucket(i);
  EXPECT_EQ(in_buckets, 1u);
  EXPECT_LE(delay.sum_micros(), static_cast<std::uint64_t>((realtime_now_ns() - arrival) / 1000));

  // The client did not ask for timestamps.
  client.send(as_bytes(std::string_view("x")), server.local_endpoint());
  client.flush();
  server.send(as_bytes(std::string_view("y")), client.local_endpoint());
  server.flush();
  ASSERT_TRUE(wait_readable(client.fd()));
  auto back = client.receive_batch();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].received_ns, 0);
}

TEST(DelayHistogramTest, BucketsByUpperBound) {
  DelayHistogram histogram;
  histogram.record(0);
  histogram.record(5);       // bounds are inclusive
  histogram.record(6);
  histogram.record(999'999'999);
  histogram.record(150, 3);
  EXPECT_EQ(histogram.bucket(0), 2u);
  EXPECT_EQ(histogram.bucket(1), 1u);
  EXPECT_EQ(histogram.bucket(5), 3u);  // 100 < 150 <= 200
  EXPECT_EQ(histogram.bucket(DelayHistogram::kBuckets - 1), 1u);
  EXPECT_EQ(histogram.count(), 7u);
  EXPECT_EQ(histogram.sum_micros(), 5u + 6u + 999'999'999u + 450u);
}

// The forwarding delay target is 1 ms: delays just under and just over it land in
// buckets of their own, so a p99 read from the histogram says which side it is on.
TEST(DelayHistogramTest, TellsDelaysAroundAMillisecondApart) {
  DelayHistogram histogram;
  histogram.record(900);
  histogram.record(1'100);
  histogram.record(1'400);
  ASSERT_EQ(DelayHistogram::kBoundsMicros[9], 1'000u);
  EXPECT_EQ(histogram.bucket(9), 1u);   // 750 < 900 <= 1000
  EXPECT_EQ(histogram.bucket(10), 1u);  // 1000 < 1100 <= 1250
  EXPECT_EQ(histogram.bucket(11), 1u);  // 1250 < 1400 <= 1500
}

TEST(UdpSocketTest, EmptyWhenNothingPending) {
  auto socket = bind_or_die("127.0.0.1:0");
  EXPECT_TRUE(socket.receive_batch().empty());
  EXPECT_EQ(socket.counters().receive_errors, 0u);
}

TEST(UdpSocketTest, ExchangesABatchOfHundredDatagrams) {
  auto a = bind_or_die("127.0.0.1:0");
  auto b = bind_or_die("127.0.0.1:0");
  constexpr int kCount = 100;
  std::size_t payload_bytes = 0;
  for (int i = 0; i < kCount; ++i) {
    std::string payload = "datagram-" + std::to_string(i) + std::string(i, '.');
    payload_bytes += payload.size();
    a.send(as_bytes(payload), b.local_endpoint());
    // Full batches go out by themselves; the remainder waits for flush().
    EXPECT_EQ(a.queued(), static_cast<std::size_t>((i + 1) % UdpSocket::kBatchSize));
  }
  EXPECT_EQ(a.counters().datagrams_sent, 96u);
  a.flush();
  EXPECT_EQ(a.queued(), 0u);
  EXPECT_EQ(a.counters().datagrams_sent, 100u);
  EXPECT_EQ(a.counters().bytes_sent, payload_bytes);
  EXPECT_EQ(a.counters().send_drops + a.counters().send_errors, 0u);

  std::size_t largest_batch = 0;
  auto received = receive(b, kCount, &largest_batch);
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kCount));
  std::vector<bool> seen(kCount, false);
  for (auto& [payload, from] : received) {
    EXPECT_EQ(from, a.local_endpoint());
    auto dash = payload.find('-');
    int index = std::stoi(payload.substr(dash + 1));
    ASSERT_LT(index, kCount);
    EXPECT_EQ(payload, "datagram-" + std::to_string(index) + std::string(index, '.'));
    EXPECT_FALSE(seen[index]) << "duplicate " << index;
    seen[index] = true;
  }
  EXPECT_GT(largest_batch, 1u);  // recvmmsg actually batched
  EXPECT_LE(largest_batch, UdpSocket::kBatchSize);
  EXPECT_EQ(b.counters().datagrams_received, 100u);
  EXPECT_EQ(b.counters().bytes_received, payload_bytes);
}

TEST(UdpSocketTest, SendSlotBuildsThePacketInPlace) {
  auto a = bind_or_die("127.0.0.1:0");
  auto b = bind_or_die("127.0.0.1:0");
  MutableBytes slot = a.send_slot();
  ASSERT_EQ(slot.size(), UdpSocket::kDatagramCapacity);
  const char header[] = {char(0x80), 0x60, 0x00, 0x01};  // looks like RTP
  std::memcpy(slot.data(), header, 4);
  for (std::size_t i = 4; i < 200; ++i) slot[i] = static_cast<std::uint8_t>(i);
  a.commit_slot(200, b.local_endpoint());
  EXPECT_EQ(a.queued(), 1u);

  // The next slot is a different buffer: the first packet is not overwritten.
  MutableBytes next = a.send_slot();
  EXPECT_NE(next.data(), slot.data());
  std::memset(next.data(), 0xab, 10);
  a.commit_slot(10, b.local_endpoint());
  a.flush();

  auto received = receive(b, 2);
  ASSERT_EQ(received.size(), 2u);
  const std::string& first =
      received[0].first.size() == 200 ? received[0].first : received[1].first;
  const std::string& second =
      received[0].first.size() == 200 ? received[1].first : received[0].first;
  ASSERT_EQ(first.size(), 200u);
  EXPECT_EQ(std::memcmp(first.data(), header, 4), 0);
  for (std::size_t i = 4; i < 200; ++i) EXPECT_EQ(static_cast<std::uint8_t>(first[i]), i & 0xff);
  EXPECT_EQ(second, std::string(10, char(0xab)));
}

TEST(UdpSocketTest, ReceivedDataCanBeRewrittenInPlace) {
  auto a = bind_or_die("127.0.0.1:0");
  auto b = bind_or_die("127.0.0.1:0");
  a.send(as_bytes("abc"), b.local_endpoint());
  a.flush();
  ASSERT_TRUE(wait_readable(b.fd()));
  auto batch = b.receive_batch();
  ASSERT_EQ(batch.size(), 1u);
  batch[0].data[0] = 'X';  // e.g. SRTP unprotect in place
  EXPECT_EQ(as_string_view(batch[0].data), "Xbc");
}

TEST(UdpSocketTest, OversizeIsDroppedAndCounted) {
  auto a = bind_or_die("127.0.0.1:0");
  auto b = bind_or_die("127.0.0.1:0");
  std::vector<std::uint8_t> big(UdpSocket::kDatagramCapacity + 1, 1);
  a.send(big, b.local_endpoint());
  a.send_slot();
  a.commit_slot(UdpSocket::kDatagramCapacity + 1, b.local_endpoint());
  EXPECT_EQ(a.queued(), 0u);
  EXPECT_EQ(a.counters().send_drops, 2u);

  // A datagram larger than a receive buffer arrives truncated: dropped, the next one kept.
  std::vector<std::uint8_t> jumbo(3000, 7);
  ASSERT_EQ(sendto(a.fd(), jumbo.data(), jumbo.size(), 0, b.local_endpoint().sockaddr_ptr(),
                   b.local_endpoint().sockaddr_length()),
            3000);
  a.send(as_bytes("after"), b.local_endpoint());
  a.flush();
  auto received = receive(b, 1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].first, "after");
  EXPECT_EQ(b.counters().receive_drops, 1u);
}

TEST(UdpSocketTest, RefusesDestinationOfTheWrongFamily) {
  auto a = bind_or_die("127.0.0.1:0");
  a.send(as_bytes("x"), *Endpoint::parse("[2001:db8::1]:9"));
  a.send(as_bytes("x"), Endpoint{});
  EXPECT_EQ(a.queued(), 0u);
  EXPECT_EQ(a.counters().send_errors, 2u);
}

TEST(UdpSocketTest, UnreachableDestinationDoesNotBlockTheRestOfTheBatch) {
  // Broadcast without SO_BROADCAST: the kernel refuses it (EACCES). Two refused datagrams
  // in a row are one GSO message, refused together; the datagrams around them still go.
  for (int refused = 1; refused <= 2; ++refused) {
    SCOPED_TRACE(refused);
    auto a = bind_or_die("127.0.0.1:0");
    auto b = bind_or_die("127.0.0.1:0");
    a.send(as_bytes("one"), b.local_endpoint());
    for (int i = 0; i < refused; ++i) a.send(as_bytes("refused"), *Endpoint::parse("255.255.255.255:9"));
    a.send(as_bytes("two"), b.local_endpoint());
    a.flush();
    EXPECT_EQ(a.counters().send_errors, static_cast<std::uint64_t>(refused));
    EXPECT_EQ(a.counters().datagrams_sent, 2u);
    auto received = receive(b, 2);
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(received[0].first, "one");
    EXPECT_EQ(received[1].first, "two");
  }
}

// Queues, in order: four datagrams of 1,000 bytes and one of 700 to `b`, three of 1,000
// to `c`, then 500 and 600 bytes to `b` (a longer one after a shorter: two messages).
void queue_runs(UdpSocket& a, const UdpSocket& b, const UdpSocket& c) {
  auto fill = [](std::size_t size, char tag) { return std::string(size, tag); };
  const char* tags = "ABCD";
  for (int i = 0; i < 4; ++i) a.send(as_bytes(fill(1000, tags[i])), b.local_endpoint());
  a.send(as_bytes(fill(700, 'E')), b.local_endpoint());
  for (int i = 0; i < 3; ++i) a.send(as_bytes(fill(1000, static_cast<char>('a' + i))), c.local_endpoint());
  a.send(as_bytes(fill(500, 'F')), b.local_endpoint());
  a.send(as_bytes(fill(600, 'G')), b.local_endpoint());
  a.flush();
}

std::string sizes_and_tags(const std::vector<std::pair<std::string, Endpoint>>& received) {
  std::string out;
  for (auto& [payload, from] : received) out += std::to_string(payload.size()) + payload.substr(0, 1) + " ";
  return out;
}

// Sends queue_runs() from a fresh socket, GSO on or off; checks that b and c receive
// exactly those datagrams in order, and returns the sender for its counters.
UdpSocket send_runs_and_check_arrival(bool gso) {
  auto a = bind_or_die("127.0.0.1:0");
  auto b = bind_or_die("127.0.0.1:0");
  auto c = bind_or_die("127.0.0.1:0");
  a.set_gso(gso);
  queue_runs(a, b, c);
  EXPECT_EQ(a.counters().datagrams_sent, 10u);
  EXPECT_EQ(a.counters().bytes_sent, 4000u + 700 + 3000 + 500 + 600);
  EXPECT_EQ(a.counters().send_errors + a.counters().send_drops, 0u);
  EXPECT_EQ(sizes_and_tags(receive(b, 7)), "1000A 1000B 1000C 1000D 700E 500F 600G ");
  EXPECT_EQ(sizes_and_tags(receive(c, 3)), "1000a 1000b 1000c ");
  return a;
}

TEST(UdpSocketTest, RunsToOnePeerLeaveAsGsoSendsAndArriveAsTheSameDatagrams) {
  if (!bind_or_die("127.0.0.1:0").gso()) GTEST_SKIP() << "the kernel has no UDP GSO";
  auto a = send_runs_and_check_arrival(true);
  // 1000 x 4 + 700 to b, 1000 x 3 to c; 500 and 600 go alone.
  EXPECT_EQ(a.gso_messages(), 2u);
  EXPECT_EQ(a.gso_datagrams(), 8u);
}

TEST(UdpSocketTest, WithoutGsoTheSameDatagramsLeaveOneByOne) {
  auto a = send_runs_and_check_arrival(false);
  EXPECT_FALSE(a.gso());
  EXPECT_EQ(a.gso_messages(), 0u);
}

TEST(UdpSocketTest, SurvivesMove) {
  auto a = bind_or_die("127.0.0.1:0");
  auto b = bind_or_die("127.0.0.1:0");
  a.send(as_bytes("queued before move"), b.local_endpoint());
  UdpSocket moved = std::move(a);
  moved.flush();
  UdpSocket receiver = bind_or_die("127.0.0.1:0");
  receiver = std::move(b);
  auto received = receive(receiver, 1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].first, "queued before move");
  EXPECT_EQ(received[0].second, moved.local_endpoint());
}

TEST(UdpSocketTest, ExchangesOverIpv6Loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback";
  auto a = bind_or_die("[::1]:0");
  auto b = bind_or_die("[::1]:0");
  EXPECT_TRUE(a.local_endpoint().is_v6());
  a.send(as_bytes("v6"), b.local_endpoint());
  a.flush();
  auto received = receive(b, 1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].first, "v6");
  EXPECT_EQ(received[0].second, a.local_endpoint());
}

TEST(UdpSocketTest, DualStackSocketSeesIpv4PeersAsIpv4) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
  auto dual = bind_or_die("[::]:0");
  auto v4 = bind_or_die("127.0.0.1:0");
  auto dual_v4 = *Endpoint::parse("127.0.0.1:" + std::to_string(dual.local_endpoint().port()));
  v4.send(as_bytes("hello"), dual_v4);
  v4.flush();
  auto received = receive(dual, 1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].second.is_v4());
  EXPECT_EQ(received[0].second, v4.local_endpoint());

  // And replies to the plain IPv4 endpoint.
  dual.send(as_bytes("back"), received[0].second);
  dual.flush();
  EXPECT_EQ(dual.counters().send_errors, 0u);
  auto reply = receive(v4, 1);
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0].first, "back");
}

}  // namespace
}  // namespace podium::net
