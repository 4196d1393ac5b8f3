// A non-blocking UDP socket that moves datagrams in batches: recvmmsg into buffers it
// owns, and a send queue flushed with sendmmsg. One socket belongs to one loop thread.
//
// Consecutive queued datagrams to one destination leave as one UDP GSO message
// (UDP_SEGMENT, Linux 4.18+) when they have one size, the last of them possibly shorter:
// the kernel builds, routes and hands over one buffer for all of them, which costs a
// fraction of one send per datagram (docs/benchmarks.md). The receiver still gets
// ordinary datagrams.
//
// A server's socket may send through a second socket on its own port
// (UdpBindOptions::separate_sender). The kernel frees each sent datagram's buffer with a
// call into the sending socket's wait queue, and a socket watched by epoll always has an
// entry there, so every datagram sent would cost an epoll callback and two locks with
// interrupts off, though nothing ever waits to write. The sender is in no epoll set; a
// reuseport program steers every arriving datagram to the receiving socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "net/delay_histogram.h"
#include "net/endpoint.h"
#include "util/bytes.h"
#include "util/result.h"

namespace podium::net {

// A received datagram. `data` points into the socket's receive buffers and may be
// rewritten in place (SRTP unprotect); both stay valid until the next receive_batch().
struct Datagram {
  MutableBytes data;
  Endpoint from;
  // When the kernel received it (SO_TIMESTAMPNS, CLOCK_REALTIME, ns); 0 unless the
  // socket's enable_arrival_timestamps() was called.
  std::int64_t received_ns = 0;
};

// Now, on the clock of Datagram::received_ns (CLOCK_REALTIME, ns).
std::int64_t realtime_ns();

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

struct UdpBindOptions {
  // Send through a second socket bound to the same address and port, watched by no
  // epoll set (see the top of this file). Only for a fixed port; where the kernel
  // refuses what it takes, the one socket sends.
  bool separate_sender = false;
};

class UdpSocket {
 public:
  static constexpr std::size_t kBatchSize = 32;
  // Above any path MTU we send to; a larger datagram is not WebRTC media.
  static constexpr std::size_t kDatagramCapacity = 2048;

  // Non-blocking, SO_REUSEADDR, 4 MiB buffers where the kernel allows. Binding an IPv6
  // address clears IPV6_V6ONLY, so "[::]:port" also takes IPv4; such peers are reported
  // as plain IPv4 endpoints and may be sent to as such.
  // A port in use fails, whatever the options.
  static Result<UdpSocket> bind(const Endpoint& local, UdpBindOptions options = {});

  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  // Sends what is still queued, then closes. Unwatch the fd from its EventLoop first.
  ~UdpSocket();

  // The socket to watch for arriving datagrams.
  int fd() const { return fd_; }
  // Whether a second socket sends (UdpBindOptions::separate_sender took effect).
  bool has_separate_sender() const { return send_fd_ >= 0; }
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
  // `forwarded`: a media packet made from the datagram being handled (set_send_origin);
  // its delay from that datagram's arrival to the send goes into forwarding_delay().
  void commit_slot(std::size_t length, const Endpoint& to, bool forwarded = false);
  // Has the kernel stamp every datagram on arrival (Datagram::received_ns). A server's
  // media socket does, for forwarding_delay(); clients need not pay for it.
  bool enable_arrival_timestamps();
  // The arrival time (Datagram::received_ns) of the datagram the caller is handling now,
  // 0 when it handles none (timers). Forwarded packets queued meanwhile carry it.
  void set_send_origin(std::int64_t received_ns) { origin_ns_ = received_ns; }
  // Server-side forwarding delay of forwarded packets: from the kernel's receive
  // timestamp of the datagram they came from (so time queued in the socket counts) to
  // the return of the sendmmsg that handed them to the kernel. Readable from any thread.
  const DelayHistogram& forwarding_delay() const;
  // Sends everything queued. What the kernel will not take now is dropped and counted:
  // media is late by the time a retry could send it.
  void flush();
  std::size_t queued() const { return send_count_; }
  // Whether flush() coalesces datagrams into GSO messages: on where the kernel supports
  // it; off after the kernel refused one (then everything goes out one by one).
  bool gso() const { return gso_; }
  // GSO messages sent (each carrying two datagrams or more), and the datagrams they
  // carried. Readable from any thread.
  std::uint64_t gso_messages() const;
  std::uint64_t gso_datagrams() const;
  void set_gso(bool enabled) { gso_ = enabled && gso_supported_; }

  const UdpCounters& counters() const { return counters_; }

 private:
  struct Buffers;  // ~140 KiB of batch buffers, on the heap so moves are cheap

  UdpSocket(int fd, Endpoint local);
  // Rebinds the port as a receiving and a sending socket: true, or false where the
  // kernel refuses (then one socket on the port does both); an error if the port is lost.
  Result<bool> add_separate_sender();
  int sending_fd() const { return send_fd_ >= 0 ? send_fd_ : fd_; }
  bool prepare_destination(Endpoint& to) const;
  void close_fd();
  // Builds the wire messages for the queued datagrams from `first` on; returns how many.
  std::size_t build_messages(std::size_t first);

  int fd_ = -1;
  int send_fd_ = -1;  // the separate sender, or -1: fd_ sends
  Endpoint local_;
  std::unique_ptr<Buffers> buffers_;
  std::size_t send_count_ = 0;
  std::int64_t origin_ns_ = 0;
  bool gso_supported_ = false;
  bool gso_ = false;
  UdpCounters counters_;
};

}  // namespace podium::net
