// A non-blocking UDP socket that moves datagrams in batches: recvmmsg into buffers it
// owns, and a send queue flushed with sendmmsg. One socket belongs to one loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "net/endpoint.h"
#include "util/bytes.h"
#include "util/result.h"

namespace podium::net {

// A received datagram. `data` points into the socket's receive buffers and may be
// rewritten in place (SRTP unprotect); both stay valid until the next receive_batch().
struct Datagram {
  MutableBytes data;
  Endpoint from;
};

struct UdpCounters {
  std::uint64_t datagrams_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t receive_errors = 0;  // recvmmsg failed with something other than EAGAIN
  std::uint64_t receive_drops = 0;   // larger than kDatagramCapacity, truncated, dropped
  std::uint64_t send_errors = 0;     // the kernel refused a datagram (bad address, ...)
  std::uint64_t send_drops = 0;      // socket buffer full (EAGAIN/ENOBUFS) or too large
};

class UdpSocket {
 public:
  static constexpr std::size_t kBatchSize = 32;
  // Above any path MTU we send to; a larger datagram is not WebRTC media.
  static constexpr std::size_t kDatagramCapacity = 2048;

  // Non-blocking, SO_REUSEADDR, 4 MiB buffers where the kernel allows. Binding an IPv6
  // address clears IPV6_V6ONLY, so "[::]:port" also takes IPv4; such peers are reported
  // as plain IPv4 endpoints and may be sent to as such.
  static Result<UdpSocket> bind(const Endpoint& local);

  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  // Sends what is still queued, then closes. Unwatch the fd from its EventLoop first.
  ~UdpSocket();

  int fd() const { return fd_; }
  // With the port the kernel chose when bound to port 0.
  const Endpoint& local_endpoint() const { return local_; }

  // Up to kBatchSize datagrams, or empty when none is pending. Call again until empty
  // to drain the socket (or let a level-triggered watch call back).
  std::span<const Datagram> receive_batch();

  // Copies `data` into the send queue; the queue goes out when it is full or on flush().
  void send(Bytes data, const Endpoint& to);
  // Zero-copy variant: write up to kDatagramCapacity bytes into send_slot(), then
  // commit_slot() with the length actually written. The slot is valid until the next
  // send, commit_slot or flush.
  MutableBytes send_slot();
  void commit_slot(std::size_t length, const Endpoint& to);
  // Sends everything queued. What the kernel will not take now is dropped and counted:
  // media is late by the time a retry could send it.
  void flush();
  std::size_t queued() const { return send_count_; }

  const UdpCounters& counters() const { return counters_; }

 private:
  struct Buffers;  // ~140 KiB of batch buffers, on the heap so moves are cheap

  UdpSocket(int fd, Endpoint local);
  bool prepare_destination(Endpoint& to) const;
  void close_fd();

  int fd_ = -1;
  Endpoint local_;
  std::unique_ptr<Buffers> buffers_;
  std::size_t send_count_ = 0;
  UdpCounters counters_;
};

}  // namespace podium::net
