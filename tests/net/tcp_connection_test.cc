// TcpListener and TcpConnection over real loopback sockets.
#include <poll.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/tcp_connection.h"
#include "net/tcp_listener.h"

namespace podium::net {
namespace {

bool wait_readable(int fd, int timeout_ms = 2000) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

struct Pair {
  TcpListener listener;
  TcpConnection client;
  TcpConnection server;
};

Pair make_pair(std::size_t read_capacity = TcpConnection::kDefaultReadCapacity,
               std::size_t write_capacity = TcpConnection::kDefaultWriteCapacity) {
  auto listener = TcpListener::bind(*Endpoint::parse("127.0.0.1:0"));
  EXPECT_TRUE(listener) << listener.error();
  auto client = TcpConnection::connect(listener->local_endpoint());
  EXPECT_TRUE(client) << client.error();
  EXPECT_TRUE(wait_readable(listener->fd()));
  auto server = listener->accept(read_capacity, write_capacity);
  EXPECT_TRUE(server);
  return Pair{std::move(*listener), std::move(*client), std::move(*server)};
}

std::string read_all(TcpConnection& connection, std::size_t want) {
  std::string out;
  while (out.size() < want && wait_readable(connection.fd())) {
    if (connection.read() == TcpConnection::ReadStatus::kClosed) break;
    auto data = connection.buffered();
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
    connection.consume(data.size());
  }
  return out;
}

TEST(TcpListener, BindsAnEphemeralPortAndAcceptsWithThePeerAddress) {
  auto pair = make_pair();
  EXPECT_NE(pair.listener.local_endpoint().port(), 0);
  EXPECT_TRUE(pair.server.remote().is_v4());
  EXPECT_NE(pair.server.remote().port(), 0);
  // Nothing else waiting: accept returns nothing instead of blocking.
  EXPECT_FALSE(pair.listener.accept());
}

TEST(TcpListener, RefusesAnAddressInUse) {
  auto first = TcpListener::bind(*Endpoint::parse("127.0.0.1:0"));
  ASSERT_TRUE(first);
  auto second = TcpListener::bind(first->local_endpoint());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("listen on tcp"), std::string::npos) << second.error();
}

TEST(TcpConnection, DataArrivesInOrderAcrossWritesAndPartialConsumes) {
  auto pair = make_pair();
  ASSERT_TRUE(pair.client.write(as_bytes("hel"), as_bytes("lo ")));
  ASSERT_TRUE(pair.client.write(as_bytes("world")));
  ASSERT_TRUE(pair.client.flush());
  EXPECT_EQ(pair.client.pending_write(), 0u);

  std::string got;
  while (got.size() < 11 && wait_readable(pair.server.fd())) {
    ASSERT_NE(pair.server.read(), TcpConnection::ReadStatus::kClosed);
    // Consume one byte at a time: the unconsumed rest must survive the next read.
    auto data = pair.server.buffered();
    got.push_back(static_cast<char>(data[0]));
    pair.server.consume(1);
    while (!pair.server.buffered().empty()) {
      got.push_back(static_cast<char>(pair.server.buffered()[0]));
      pair.server.consume(1);
    }
  }
  EXPECT_EQ(got, "hello world");
}

TEST(TcpConnection, ReadBufferIsBoundedAndRefillsAfterConsume) {
  auto pair = make_pair(/*read_capacity=*/8);
  ASSERT_TRUE(pair.client.write(as_bytes("0123456789abcdef")));
  ASSERT_TRUE(pair.client.flush());
  ASSERT_TRUE(wait_readable(pair.server.fd()));
  while (!pair.server.read_buffer_full()) ASSERT_EQ(pair.server.read(), TcpConnection::ReadStatus::kData);
  EXPECT_EQ(pair.server.buffered().size(), 8u);
  // Full: read() takes nothing more instead of growing.
  EXPECT_EQ(pair.server.read(), TcpConnection::ReadStatus::kAgain);
  EXPECT_EQ(as_string_view(pair.server.buffered()), "01234567");
  pair.server.consume(3);
  EXPECT_EQ(read_all(pair.server, 13), "34567" "89abcdef");
}

TEST(TcpConnection, WriteBufferIsBoundedAllOrNothingAndCountsDrops) {
  auto pair = make_pair(TcpConnection::kDefaultReadCapacity, /*write_capacity=*/10);
  const std::uint8_t four[] = {0x00, 0x04}, three[] = {0x00, 0x03};
  EXPECT_TRUE(pair.server.write(four, as_bytes("abcd")));
  // 6 queued; a 2 + 3 message does not fit and is not half-queued.
  EXPECT_FALSE(pair.server.write(three, as_bytes("xyz")));
  EXPECT_EQ(pair.server.counters().write_drops, 1u);
  EXPECT_EQ(pair.server.pending_write(), 6u);
  EXPECT_TRUE(pair.server.write(as_bytes("1234")));
  ASSERT_TRUE(pair.server.flush());
  EXPECT_EQ(pair.server.pending_write(), 0u);
  // Sent bytes free the room again.
  EXPECT_TRUE(pair.server.write(as_bytes("0123456789")));
  ASSERT_TRUE(pair.server.flush());
  auto got = read_all(pair.client, 20);
  EXPECT_EQ(got, std::string("\x00\x04" "abcd" "1234" "0123456789", 20));
}

TEST(TcpConnection, AStalledPeerFillsTheKernelThenTheBufferButNeverBlocks) {
  auto pair = make_pair(TcpConnection::kDefaultReadCapacity, 64 * 1024);
  int small = 4096;
  setsockopt(pair.server.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  std::vector<std::uint8_t> chunk(1200, 0x5a);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 5000; ++i) {  // ~6 MB toward a client that never reads
    if (pair.server.write(chunk)) ++accepted; else ++refused;
    ASSERT_TRUE(pair.server.flush());
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(pair.server.counters().write_drops, static_cast<std::uint64_t>(refused));
  EXPECT_LE(pair.server.pending_write(), 64u * 1024);
}

TEST(TcpConnection, PeerCloseIsReported) {
  auto pair = make_pair();
  { TcpConnection gone = std::move(pair.client); }
  ASSERT_TRUE(wait_readable(pair.server.fd()));
  EXPECT_EQ(pair.server.read(), TcpConnection::ReadStatus::kClosed);
}

}  // namespace
}  // namespace podium::net
