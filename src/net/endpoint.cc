#include "net/endpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace podium::net {

namespace {

// RFC 4291 §2.5.5.2: ::ffff:0:0/96.
constexpr std::uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::uint64_t mix(std::uint64_t x) {
  // splitmix64 finaliser: a few multiplies, good spread for addresses that differ in low bits.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

Endpoint::Endpoint() {
  std::memset(&addr_, 0, sizeof(addr_));
  addr_.sa.sa_family = AF_UNSPEC;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  Endpoint endpoint;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    auto host = text.substr(1, close - 1);
    auto port = parse_port(text.substr(close + 2));
    if (!port || host.empty() || host.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buffer[INET6_ADDRSTRLEN] = {};
    std::memcpy(buffer, host.data(), host.size());
    auto& v6 = endpoint.addr_.v6;
    if (inet_pton(AF_INET6, buffer, &v6.sin6_addr) != 1) return std::nullopt;
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(*port);
    return endpoint;
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = text.substr(0, colon);
  auto port = parse_port(text.substr(colon + 1));
  if (!port || host.empty() || host.size() >= INET_ADDRSTRLEN) return std::nullopt;
  char buffer[INET_ADDRSTRLEN] = {};
  std::memcpy(buffer, host.data(), host.size());
  auto& v4 = endpoint.addr_.v4;
  // inet_pton(AF_INET) accepts only dotted-quad, unlike inet_aton ("1", "0x7f.1").
  if (inet_pton(AF_INET, buffer, &v4.sin_addr) != 1) return std::nullopt;
  v4.sin_family = AF_INET;
  v4.sin_port = htons(*port);
  return endpoint;
}

std::optional<Endpoint> Endpoint::from_ip(Bytes ip, std::uint16_t port) {
  Endpoint endpoint;
  if (ip.size() == 4) {
    endpoint.addr_.v4.sin_family = AF_INET;
    endpoint.addr_.v4.sin_port = htons(port);
    std::memcpy(&endpoint.addr_.v4.sin_addr, ip.data(), 4);
    return endpoint;
  }
  if (ip.size() == 16) {
    endpoint.addr_.v6.sin6_family = AF_INET6;
    endpoint.addr_.v6.sin6_port = htons(port);
    std::memcpy(&endpoint.addr_.v6.sin6_addr, ip.data(), 16);
    return endpoint;
  }
  return std::nullopt;
}

std::optional<Endpoint> Endpoint::from_sockaddr(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  Endpoint endpoint;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    std::memcpy(&endpoint.addr_.v4, address, sizeof(sockaddr_in));
    return endpoint;
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    std::memcpy(&endpoint.addr_.v6, address, sizeof(sockaddr_in6));
    return endpoint;
  }
  return std::nullopt;
}

std::string Endpoint::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, &addr_.v4.sin_addr, buffer, sizeof(buffer));
    return std::string(buffer) + ":" + std::to_string(port());
  }
  if (is_v6()) {
    inet_ntop(AF_INET6, &addr_.v6.sin6_addr, buffer, sizeof(buffer));
    return "[" + std::string(buffer) + "]:" + std::to_string(port());
  }
  return "unspecified";
}

std::uint16_t Endpoint::port() const {
  if (is_v4()) return ntohs(addr_.v4.sin_port);
  if (is_v6()) return ntohs(addr_.v6.sin6_port);
  return 0;
}

Bytes Endpoint::ip_bytes() const {
  if (is_v4()) return {reinterpret_cast<const std::uint8_t*>(&addr_.v4.sin_addr), 4};
  if (is_v6()) return {reinterpret_cast<const std::uint8_t*>(&addr_.v6.sin6_addr), 16};
  return {};
}

bool Endpoint::is_v4_mapped() const {
  return is_v6() && std::memcmp(&addr_.v6.sin6_addr, kV4MappedPrefix, sizeof(kV4MappedPrefix)) == 0;
}

Endpoint Endpoint::unmapped() const {
  if (!is_v4_mapped()) return *this;
  Endpoint endpoint;
  endpoint.addr_.v4.sin_family = AF_INET;
  endpoint.addr_.v4.sin_port = addr_.v6.sin6_port;
  std::memcpy(&endpoint.addr_.v4.sin_addr, addr_.v6.sin6_addr.s6_addr + 12, 4);
  return endpoint;
}

Endpoint Endpoint::v4_mapped() const {
  if (!is_v4()) return *this;
  Endpoint endpoint;
  endpoint.addr_.v6.sin6_family = AF_INET6;
  endpoint.addr_.v6.sin6_port = addr_.v4.sin_port;
  std::memcpy(endpoint.addr_.v6.sin6_addr.s6_addr, kV4MappedPrefix, sizeof(kV4MappedPrefix));
  std::memcpy(endpoint.addr_.v6.sin6_addr.s6_addr + 12, &addr_.v4.sin_addr, 4);
  return endpoint;
}

socklen_t Endpoint::sockaddr_length() const {
  if (is_v4()) return sizeof(sockaddr_in);
  if (is_v6()) return sizeof(sockaddr_in6);
  return 0;
}

bool operator==(const Endpoint& a, const Endpoint& b) {
  if (a.family() != b.family()) return false;
  if (a.is_v4()) {
    return a.addr_.v4.sin_port == b.addr_.v4.sin_port &&
           a.addr_.v4.sin_addr.s_addr == b.addr_.v4.sin_addr.s_addr;
  }
  if (a.is_v6()) {
    // Flow info is per packet, not identity; the scope id does tell link-local peers apart.
    return a.addr_.v6.sin6_port == b.addr_.v6.sin6_port &&
           a.addr_.v6.sin6_scope_id == b.addr_.v6.sin6_scope_id &&
           std::memcmp(&a.addr_.v6.sin6_addr, &b.addr_.v6.sin6_addr, 16) == 0;
  }
  return true;
}

std::size_t EndpointHash::operator()(const Endpoint& endpoint) const noexcept {
  auto ip = endpoint.ip_bytes();
  std::uint64_t port = endpoint.port();
  if (ip.size() == 4)
    return static_cast<std::size_t>(mix((std::uint64_t{load_u32(ip.data())} << 16) | port));
  if (ip.size() == 16) {
    return static_cast<std::size_t>(mix(load_u64(ip.data()) ^ mix(load_u64(ip.data() + 8) ^ port)));
  }
  return 0;
}

}  // namespace podium::net
