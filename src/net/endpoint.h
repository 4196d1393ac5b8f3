// An IPv4 or IPv6 address and a UDP/TCP port: one side of a 5-tuple.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace podium::net {

class Endpoint {
 public:
  // AF_UNSPEC: no address yet. Compares equal only to another unspecified endpoint.
  Endpoint();

  // "1.2.3.4:5" or "[::1]:5". No host names, no zone ids, port 0..65535.
  static std::optional<Endpoint> parse(std::string_view text);
  // `ip` is 4 bytes (IPv4) or 16 bytes (IPv6), network order.
  static std::optional<Endpoint> from_ip(Bytes ip, std::uint16_t port);
  static std::optional<Endpoint> from_sockaddr(const sockaddr* address, socklen_t length);

  std::string to_string() const;
  std::uint16_t port() const;
  // AF_INET, AF_INET6 or AF_UNSPEC.
  int family() const { return addr_.sa.sa_family; }
  bool is_v4() const { return family() == AF_INET; }
  bool is_v6() const { return family() == AF_INET6; }
  // 4 or 16 bytes in network order, a view into this object; empty when unspecified.
  Bytes ip_bytes() const;

  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) as plain IPv4, so a
  // peer reaching a dual-stack socket over IPv4 has one identity whichever socket saw it.
  bool is_v4_mapped() const;
  Endpoint unmapped() const;
  // The reverse, for sending to an IPv4 peer from a dual-stack IPv6 socket.
  Endpoint v4_mapped() const;

  const sockaddr* sockaddr_ptr() const { return &addr_.sa; }
  socklen_t sockaddr_length() const;

  friend bool operator==(const Endpoint& a, const Endpoint& b);

 private:
  friend class UdpSocket;  // receives straight into addr_, no copy per datagram

  // Only what recvmmsg/sendmmsg need: 28 bytes instead of sockaddr_storage's 128, which
  // keeps 5-tuple keys in the demux maps small.
  union Address {
    sockaddr sa;
    sockaddr_in v4;
    sockaddr_in6 v6;
  };
  Address addr_;
};

// Cheap hash for unordered_map lookups on the packet path (demux by 5-tuple).
struct EndpointHash {
  std::size_t operator()(const Endpoint& endpoint) const noexcept;
};

}  // namespace podium::net
