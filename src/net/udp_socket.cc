#include "net/udp_socket.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <linux/filter.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "util/log.h"

namespace podium::net {

namespace {

// Large buffers ride out a burst (a keyframe fanned out to many subscribers) while the
// loop is busy; the kernel caps plain SO_RCVBUF at net.core.rmem_max.
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

std::string errno_text(int error) { return std::generic_category().message(error); }

void set_buffer_size(int fd, int force_option, int option) {
  int size = kSocketBufferBytes;
  // The *FORCE variants ignore rmem_max/wmem_max but need CAP_NET_ADMIN; best effort.
  if (setsockopt(fd, SOL_SOCKET, force_option, &size, sizeof(size)) == 0) return;
  setsockopt(fd, SOL_SOCKET, option, &size, sizeof(size));
}

constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(timespec));
constexpr std::size_t kGsoControlSize = CMSG_SPACE(sizeof(std::uint16_t));
// The kernel's limit on segments per GSO message (UDP_MAX_SEGMENTS).
constexpr std::size_t kMaxGsoSegments = 64;

}  // namespace

std::int64_t realtime_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

struct UdpSocket::Buffers {
  std::uint8_t receive_data[kBatchSize][kDatagramCapacity];
  iovec receive_iov[kBatchSize];
  mmsghdr receive_headers[kBatchSize];
  Datagram received[kBatchSize];  // recvmmsg writes each source address straight in here
  alignas(cmsghdr) std::uint8_t receive_control[kBatchSize][kControlSize];

  std::uint8_t send_data[kBatchSize][kDatagramCapacity];
  iovec send_iov[kBatchSize];
  mmsghdr send_headers[kBatchSize];
  Endpoint send_to[kBatchSize];
  std::int64_t send_origin[kBatchSize];  // 0: not a forwarded packet

  // What one sendmmsg hands over: each message is one datagram, or a run of queued
  // datagrams to one destination sent as one GSO message (its iovecs are the run's).
  mmsghdr wire_headers[kBatchSize];
  static_assert(kBatchSize <= 255, "wire_first and wire_count are bytes");
  std::uint8_t wire_first[kBatchSize];  // the message's first queued datagram
  std::uint8_t wire_count[kBatchSize];  // and how many it carries
  alignas(cmsghdr) std::uint8_t wire_control[kBatchSize][kGsoControlSize];

  DelayHistogram forwarding_delay;
  // Written by the socket's thread only (load + store, no read-modify-write).
  std::atomic<std::uint64_t> gso_messages{0};
  std::atomic<std::uint64_t> gso_datagrams{0};
};

namespace {

// A socket of `local`'s family bound to it: non-blocking, close-on-exec, large buffers.
// `steer`, if given, is attached as the port's reuseport program before the bind.
Result<int> bind_socket(const Endpoint& local, bool reuse_port, const sock_fprog* steer = nullptr) {
  int fd = socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{fmt::format("socket: {}", errno_text(errno))};
  auto fail = [fd](std::string what) {
    int error = errno;
    close(fd);
    return Error{fmt::format("{}: {}", what, errno_text(error))};
  };
  if (local.is_v6()) {
    int zero = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  }
  set_buffer_size(fd, SO_RCVBUFFORCE, SO_RCVBUF);
  set_buffer_size(fd, SO_SNDBUFFORCE, SO_SNDBUF);
  int one = 1;
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return fail("SO_REUSEPORT");
  }
  if (steer != nullptr && setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, steer, sizeof(*steer)) != 0) {
    return fail("SO_ATTACH_REUSEPORT_CBPF");
  }
  if (::bind(fd, local.sockaddr_ptr(), local.sockaddr_length()) != 0) {
    return fail(fmt::format("bind {}", local.to_string()));
  }
  return fd;
}

bool gso_supported(int fd) {
  // UDP_SEGMENT is readable where the kernel can send GSO messages (Linux 4.18+).
  int segment = 0;
  socklen_t length = sizeof(segment);
  return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &segment, &length) == 0;
}

}  // namespace

Result<UdpSocket> UdpSocket::bind(const Endpoint& local, UdpBindOptions options) {
  if (!local.is_v4() && !local.is_v6()) return Error{"cannot bind an unspecified endpoint"};
  // No SO_REUSEADDR: on UDP it lets two sockets hold one port. Bound to port 0, the kernel
  // would then hand an ephemeral port already in use to a second socket (a load client's
  // participants shared addresses, and the server mixed up their transports); bound to a
  // fixed port, a second server would start and split the first one's traffic. UDP has no
  // TIME_WAIT, so a restarted server does not need it either.
  auto bound_fd = bind_socket(local, false);
  if (!bound_fd) return Error{bound_fd.error()};
  int fd = *bound_fd;
  sockaddr_in6 bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    int error = errno;
    close(fd);
    return Error{fmt::format("getsockname: {}", errno_text(error))};
  }
  auto bound_endpoint = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), length);
  if (!bound_endpoint) {
    close(fd);
    return Error{"getsockname returned an unknown address family"};
  }
  UdpSocket socket(fd, *bound_endpoint);
  socket.gso_supported_ = socket.gso_ = gso_supported(fd);
  if (options.separate_sender && local.port() != 0) {
    auto pair = socket.add_separate_sender();
    if (!pair) return Error{pair.error()};
  }
  return socket;
}

Result<bool> UdpSocket::add_separate_sender() {
  // Two sockets share a port only with SO_REUSEPORT on both, set before each one's bind,
  // so the socket bound above (alone on the port, which shows it was free) makes way for
  // two that set it. A second server on this port still fails to bind: its first socket
  // does not set SO_REUSEPORT. The program returns index 0 of the port's group, the
  // receiving socket, which joins first.
  static sock_filter kFirstSocket[] = {{BPF_RET | BPF_K, 0, 0, 0}};
  static const sock_fprog kSteer{1, kFirstSocket};
  close(fd_);
  fd_ = -1;
  auto receiver = bind_socket(local_, true, &kSteer);
  if (!receiver) {
    // The kernel lacks reuseport programs (before Linux 4.5), or, in the moment the port
    // was free, another socket took it.
    log::warn("net", "udp {}: no separate send socket ({})", local_.to_string(), receiver.error());
    auto plain = bind_socket(local_, false);
    if (!plain) return Error{plain.error()};
    fd_ = *plain;
    return false;
  }
  fd_ = *receiver;
  auto sender = bind_socket(local_, true);
  if (!sender) {
    log::warn("net", "udp {}: no separate send socket ({})", local_.to_string(), sender.error());
    return false;
  }
  send_fd_ = *sender;
  // It receives nothing; its receive buffer need not be large.
  int small = 4096;
  setsockopt(send_fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  gso_supported_ = gso_supported(send_fd_);
  gso_ = gso_ && gso_supported_;
  return true;
}

UdpSocket::UdpSocket(int fd, Endpoint local)
    : fd_(fd), local_(local), buffers_(std::make_unique<Buffers>()) {
  // The headers point into the same heap block, so they are set up once and survive moves.
  auto& b = *buffers_;
  for (std::size_t i = 0; i < kBatchSize; ++i) {
    b.receive_iov[i] = {b.receive_data[i], kDatagramCapacity};
    msghdr& r = b.receive_headers[i].msg_hdr;
    r.msg_iov = &b.receive_iov[i];
    r.msg_iovlen = 1;
    r.msg_name = &b.received[i].from.addr_;
    r.msg_control = b.receive_control[i];

    b.send_iov[i] = {b.send_data[i], 0};
    msghdr& s = b.send_headers[i].msg_hdr;
    s.msg_iov = &b.send_iov[i];
    s.msg_iovlen = 1;
    s.msg_name = &b.send_to[i].addr_;
  }
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      send_fd_(std::exchange(other.send_fd_, -1)),
      local_(other.local_),
      buffers_(std::move(other.buffers_)),
      send_count_(std::exchange(other.send_count_, 0)),
      gso_supported_(other.gso_supported_),
      gso_(other.gso_),
      counters_(other.counters_) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    send_fd_ = std::exchange(other.send_fd_, -1);
    local_ = other.local_;
    buffers_ = std::move(other.buffers_);
    send_count_ = std::exchange(other.send_count_, 0);
    gso_supported_ = other.gso_supported_;
    gso_ = other.gso_;
    counters_ = other.counters_;
  }
  return *this;
}

UdpSocket::~UdpSocket() { close_fd(); }

const DelayHistogram& UdpSocket::forwarding_delay() const { return buffers_->forwarding_delay; }

std::uint64_t UdpSocket::gso_messages() const { return buffers_->gso_messages.load(std::memory_order_relaxed); }

std::uint64_t UdpSocket::gso_datagrams() const {
  return buffers_->gso_datagrams.load(std::memory_order_relaxed);
}

bool UdpSocket::enable_arrival_timestamps() {
  int one = 1;
  return setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) == 0;
}

void UdpSocket::close_fd() {
  if (fd_ < 0) return;
  flush();
  close(fd_);
  fd_ = -1;
  if (send_fd_ >= 0) close(send_fd_);
  send_fd_ = -1;
}

std::span<const Datagram> UdpSocket::receive_batch() {
  auto& b = *buffers_;
  for (std::size_t i = 0; i < kBatchSize; ++i) {
    b.receive_headers[i].msg_hdr.msg_namelen = sizeof(Endpoint::Address);
    b.receive_headers[i].msg_hdr.msg_controllen = kControlSize;
  }
  int count = recvmmsg(fd_, b.receive_headers, kBatchSize, MSG_DONTWAIT, nullptr);
  if (count <= 0) {
    if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      ++counters_.receive_errors;
    }
    return {};
  }
  std::size_t kept = 0;
  for (int i = 0; i < count; ++i) {
    const mmsghdr& header = b.receive_headers[i];
    if (header.msg_hdr.msg_flags & MSG_TRUNC) {
      ++counters_.receive_drops;
      continue;
    }
    Datagram& datagram = b.received[kept];
    if (kept != static_cast<std::size_t>(i)) datagram.from = b.received[i].from;
    datagram.data = MutableBytes(b.receive_data[i], header.msg_len);
    if (datagram.from.is_v4_mapped()) datagram.from = datagram.from.unmapped();
    datagram.received_ns = 0;
    msghdr& message = b.receive_headers[i].msg_hdr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec stamp;
        std::memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
        datagram.received_ns = static_cast<std::int64_t>(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec;
      }
    }
    ++counters_.datagrams_received;
    counters_.bytes_received += header.msg_len;
    ++kept;
  }
  return {b.received, kept};
}

void UdpSocket::send(Bytes data, const Endpoint& to) {
  if (data.size() > kDatagramCapacity) {
    ++counters_.send_drops;
    return;
  }
  MutableBytes slot = send_slot();
  if (!data.empty()) std::memcpy(slot.data(), data.data(), data.size());
  commit_slot(data.size(), to);
}

MutableBytes UdpSocket::send_slot() {
  if (send_count_ == kBatchSize) flush();
  return {buffers_->send_data[send_count_], kDatagramCapacity};
}

bool UdpSocket::prepare_destination(Endpoint& to) const {
  if (local_.is_v6()) {
    if (to.is_v4()) to = to.v4_mapped();
    return to.is_v6();
  }
  if (to.is_v4_mapped()) to = to.unmapped();
  return to.is_v4();
}

void UdpSocket::commit_slot(std::size_t length, const Endpoint& to, bool forwarded) {
  if (send_count_ == kBatchSize) flush();
  if (length > kDatagramCapacity) {
    ++counters_.send_drops;
    return;
  }
  auto& b = *buffers_;
  Endpoint& destination = b.send_to[send_count_];
  destination = to;
  if (!prepare_destination(destination)) {
    ++counters_.send_errors;  // an IPv6 peer on an IPv4 socket, or no address at all
    return;
  }
  b.send_iov[send_count_].iov_len = length;
  b.send_origin[send_count_] = forwarded ? origin_ns_ : 0;
  b.send_headers[send_count_].msg_hdr.msg_namelen = destination.sockaddr_length();
  if (++send_count_ == kBatchSize) flush();
}

std::size_t UdpSocket::build_messages(std::size_t first) {
  auto& b = *buffers_;
  std::size_t messages = 0;
  for (std::size_t i = first; i < send_count_;) {
    // A run: datagrams to one destination, all of the first one's size but the last,
    // which may be shorter (what UDP_SEGMENT splits back into the same datagrams).
    const std::size_t size = b.send_iov[i].iov_len;
    std::size_t end = i + 1;
    std::size_t bytes = size;
    if (gso_ && size > 0) {
      while (end < send_count_ && end - i < kMaxGsoSegments && b.send_to[end] == b.send_to[i] &&
             b.send_iov[end].iov_len <= size && b.send_iov[end].iov_len > 0 && bytes + b.send_iov[end].iov_len <= 65000) {
        bytes += b.send_iov[end].iov_len;
        ++end;
        if (b.send_iov[end - 1].iov_len < size) break;
      }
    }
    msghdr& message = b.wire_headers[messages].msg_hdr;
    message = b.send_headers[i].msg_hdr;  // destination and the first iovec
    message.msg_iovlen = end - i;
    if (end - i > 1) {
      message.msg_control = b.wire_control[messages];
      message.msg_controllen = kGsoControlSize;
      cmsghdr* control = CMSG_FIRSTHDR(&message);
      control->cmsg_level = SOL_UDP;
      control->cmsg_type = UDP_SEGMENT;
      control->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto segment = static_cast<std::uint16_t>(size);
      std::memcpy(CMSG_DATA(control), &segment, sizeof(segment));
    } else {
      message.msg_control = nullptr;
      message.msg_controllen = 0;
    }
    b.wire_first[messages] = static_cast<std::uint8_t>(i);
    b.wire_count[messages] = static_cast<std::uint8_t>(end - i);
    ++messages;
    i = end;
  }
  return messages;
}

void UdpSocket::flush() {
  auto& b = *buffers_;
  std::size_t count = build_messages(0);
  std::size_t offset = 0;
  std::uint64_t gso_messages = 0, gso_datagrams = 0;
  while (offset < count) {
    int sent = sendmmsg(sending_fd(), b.wire_headers + offset, count - offset, MSG_DONTWAIT);
    if (sent > 0) {
      std::int64_t now_ns = 0;
      for (int m = 0; m < sent; ++m) {
        const std::size_t first = b.wire_first[offset + m];
        const std::size_t datagrams = b.wire_count[offset + m];
        counters_.datagrams_sent += datagrams;
        counters_.bytes_sent += b.wire_headers[offset + m].msg_len;
        if (datagrams > 1) {
          ++gso_messages;
          gso_datagrams += datagrams;
        }
        for (std::size_t i = first; i < first + datagrams; ++i) {
          const std::int64_t origin = b.send_origin[i];
          if (origin == 0) continue;
          if (now_ns == 0) now_ns = realtime_ns();
          // The wall clock may step between the two readings: a negative delay counts as 0.
          b.forwarding_delay.record(
              static_cast<std::uint64_t>(std::max<std::int64_t>(now_ns - origin, 0) / 1000));
        }
      }
      offset += static_cast<std::size_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    const std::size_t unsent = send_count_ - b.wire_first[offset];
    if (sent == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      counters_.send_drops += unsent;
      break;
    }
    if (b.wire_count[offset] > 1 && gso_ && (errno == EIO || errno == EINVAL)) {
      // The kernel refused the GSO message itself (EIO: the route's device has no
      // checksum offload; EINVAL: a segment larger than the path's MTU): send one
      // datagram per message from here on.
      int error = errno;
      gso_ = false;
      log::warn("net", "udp {}: GSO send refused ({}); sending datagrams one by one from now on",
                local_.to_string(), errno_text(error));
      count = build_messages(b.wire_first[offset]);
      offset = 0;
      continue;
    }
    // sendmmsg reports an error only for the first message of the call: skip that one
    // (unreachable network, EMSGSIZE, ...), all its datagrams, and send the rest.
    counters_.send_errors += b.wire_count[offset];
    ++offset;
  }
  if (gso_messages > 0) {
    b.gso_messages.store(b.gso_messages.load(std::memory_order_relaxed) + gso_messages, std::memory_order_relaxed);
    b.gso_datagrams.store(b.gso_datagrams.load(std::memory_order_relaxed) + gso_datagrams,
                          std::memory_order_relaxed);
  }
  send_count_ = 0;
}

}  // namespace podium::net
