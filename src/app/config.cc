#include "app/config.h"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "util/log.h"

namespace podium::app {
namespace {

std::string where(const std::string& path, const toml::node& node) {
  return fmt::format("{}:{}", path, node.source().begin.line);
}

bool valid_ip(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return false;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5) return false;
  unsigned value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

Result<ServeConfig> load_config_file(const std::string& path, ServeConfig config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Error{fmt::format("{}:{}: {}", path, e.source().begin.line, e.description())};
  }
  for (auto&& entry : table) {
    const toml::node& node = entry.second;
    std::string name(entry.first.str());
    auto string_setting = [&](std::string& out) -> std::optional<Error> {
      if (auto v = node.value<std::string>()) {
        out = *v;
        return std::nullopt;
      }
      return Error{fmt::format("{}: {} must be a string", where(path, node), name)};
    };
    std::optional<Error> error;
    if (name == "http") error = string_setting(config.http);
    else if (name == "udp") error = string_setting(config.udp);
    else if (name == "tcp") error = string_setting(config.tcp);
    else if (name == "announce") error = string_setting(config.announce);
    else if (name == "data_dir") error = string_setting(config.data_dir);
    else if (name == "web_root") error = string_setting(config.web_root);
    else if (name == "log_level") error = string_setting(config.log_level);
    else if (name == "udp_gso") error = string_setting(config.udp_gso);
    else if (name == "workers") {
      auto v = node.value<std::int64_t>();
      if (!v || *v < 1 || *v > 256)
        error = Error{fmt::format("{}: workers must be an integer between 1 and 256", where(path, node))};
      else
        config.workers = static_cast<int>(*v);
    } else if (name == "worker_sessions_before_spread") {
      auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 1000000)
        error = Error{fmt::format("{}: worker_sessions_before_spread must be an integer between 0 and 1000000",
                                  where(path, node))};
      else
        config.worker_sessions_before_spread = static_cast<int>(*v);
    } else {
      error = Error{fmt::format("{}: unknown setting '{}'", where(path, node), name)};
    }
    if (error) return *error;
    // Check the value itself here, where the line is known.
    ServeConfig probe = config;
    if (probe.workers == 0) probe.workers = 1;
    if (auto ok = validate(probe); !ok) return Error{fmt::format("{}: {}", where(path, node), ok.error())};
  }
  return config;
}

Result<bool> validate(const ServeConfig& config) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_host_port(config.http, host, port) || !valid_ip(host))
    return Error{fmt::format("http: '{}' is not an IP:PORT address", config.http)};
  if (!split_host_port(config.udp, host, port) || !valid_ip(host))
    return Error{fmt::format("udp: '{}' is not an IP:PORT address", config.udp)};
  if (port == 0) return Error{"udp: the port must not be 0"};
  if (!config.tcp.empty() && config.tcp != "off") {
    if (!split_host_port(config.tcp, host, port) || !valid_ip(host))
      return Error{fmt::format("tcp: '{}' is not an IP:PORT address or 'off'", config.tcp)};
    if (port == 0) return Error{"tcp: the port must not be 0"};
  }
  if (!config.announce.empty() && !valid_ip(config.announce))
    return Error{fmt::format("announce: '{}' is not an IP address", config.announce)};
  if (config.workers < 0 || config.workers > 256) return Error{"workers: must be between 1 and 256"};
  log::Level level;
  if (!log::parse_level(config.log_level, level))
    return Error{fmt::format("log_level: '{}' is not one of trace, debug, info, warn, error, off",
                             config.log_level)};
  if (config.data_dir.empty()) return Error{"data_dir: must not be empty"};
  if (config.udp_gso != "on" && config.udp_gso != "off")
    return Error{fmt::format("udp_gso: '{}' must be on or off", config.udp_gso)};
  return true;
}

}  // namespace podium::app
