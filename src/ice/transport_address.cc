#include "ice/transport_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace podium::ice {

TransportAddress TransportAddress::ipv4(std::array<std::uint8_t, 4> address, std::uint16_t port) {
  TransportAddress out;
  out.family = 4;
  for (std::size_t i = 0; i < 4; ++i) out.ip[i] = address[i];
  out.port = port;
  return out;
}

TransportAddress TransportAddress::ipv6(const std::array<std::uint8_t, 16>& address,
                                        std::uint16_t port) {
  TransportAddress out;
  out.family = 6;
  out.ip = address;
  out.port = port;
  return out;
}

std::optional<TransportAddress> TransportAddress::parse(std::string_view text) {
  std::string host;
  std::string_view port_text;
  int family;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    family = 6;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    family = 4;
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return std::nullopt;
  }
  TransportAddress out;
  out.family = family;
  out.port = static_cast<std::uint16_t>(port);
  if (inet_pton(family == 4 ? AF_INET : AF_INET6, host.c_str(), out.ip.data()) != 1) {
    return std::nullopt;
  }
  return out;
}

std::string TransportAddress::ip_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip.data(), text, sizeof(text)) == nullptr) {
    return "?";
  }
  return text;
}

std::string TransportAddress::to_string() const {
  if (family == 6) return "[" + ip_string() + "]:" + std::to_string(port);
  return ip_string() + ":" + std::to_string(port);
}

std::size_t TransportAddressHash::operator()(const TransportAddress& address) const noexcept {
  // FNV-1a over the fields; good enough for a demux table keyed by remote tuple.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::uint8_t b) {
    h ^= b;
    h *= 1099511628211ULL;
  };
  mix(static_cast<std::uint8_t>(address.family));
  for (auto b : address.ip) mix(b);
  mix(static_cast<std::uint8_t>(address.port >> 8));
  mix(static_cast<std::uint8_t>(address.port));
  return static_cast<std::size_t>(h);
}

}  // namespace podium::ice
