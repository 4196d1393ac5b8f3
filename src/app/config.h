// What `podium serve` runs with: defaults, then the TOML file, then command-line flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.h"

namespace podium::app {

struct ServeConfig {
  std::string http = "127.0.0.1:8080";
  std::string udp = "127.0.0.1:40000";
  std::string announce;  // IP put in ICE candidates; empty: the --udp address
  // ICE-TCP passive candidates (RFC 6544): worker i listens on this port + i. Empty: the
  // --udp address and port number on TCP; "off": UDP only.
  std::string tcp;
  int workers = 0;       // 0: one per core
  // Receive-only sessions a conference keeps on its home worker before new ones go to
  // the least-loaded worker (relayed in-process; see docs/config.md).
  int worker_sessions_before_spread = 100;
  // "on": bursts to one peer leave as one UDP GSO send where the kernel supports it;
  // "off": one datagram per send (for comparison; docs/benchmarks.md).
  std::string udp_gso = "on";
  std::string data_dir = "./data";
  std::string web_root;  // empty: the test page shipped with the sources
  std::string log_level = "info";
};

// Reads a TOML file whose top-level keys are the flag names with '_' for '-'
// (http, udp, tcp, announce, workers, worker_sessions_before_spread, udp_gso, data_dir,
// web_root, log_level). Errors name the file,
// the line and the reason: "podium.toml:3: workers must be an integer between 1 and 256".
Result<ServeConfig> load_config_file(const std::string& path, ServeConfig base);

// Checks every setting (addresses parse, ports, log level, workers); error names the
// setting and the reason.
Result<bool> validate(const ServeConfig& config);

// "host:port" → parts; IPv6 as "[::1]:8080".
bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace podium::app
