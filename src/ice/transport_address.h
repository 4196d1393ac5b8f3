// An IP address and port as ICE sees it: the "transport address" of RFC 8445 §3. It is
// a plain value (no sockaddr) so protocol code and tests stay free of socket headers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace podium::ice {

struct TransportAddress {
  int family = 4;  // 4 or 6
  // IPv4 uses ip[0..3] and keeps the rest zero, so that defaulted equality is exact.
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;

  static TransportAddress ipv4(std::array<std::uint8_t, 4> address, std::uint16_t port);
  static TransportAddress ipv6(const std::array<std::uint8_t, 16>& address, std::uint16_t port);
  // Parses "192.0.2.1:3478" or "[2001:db8::1]:3478".
  static std::optional<TransportAddress> parse(std::string_view text);

  // "192.0.2.1:3478" or "[2001:db8::1]:3478" (RFC 5952 text form for IPv6).
  std::string to_string() const;
  // Just the address, without port or brackets.
  std::string ip_string() const;

  bool operator==(const TransportAddress&) const = default;
};

struct TransportAddressHash {
  std::size_t operator()(const TransportAddress& address) const noexcept;
};

}  // namespace podium::ice
