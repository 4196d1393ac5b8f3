#include "sdp/session_description.h"

#include <algorithm>

#include "sdp/tokens.h"

namespace podium::sdp {

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::kSendRecv:
      return "sendrecv";
    case Direction::kSendOnly:
      return "sendonly";
    case Direction::kRecvOnly:
      return "recvonly";
    case Direction::kInactive:
      return "inactive";
  }
  return "sendrecv";
}

std::optional<Direction> parse_direction(std::string_view text) {
  if (text == "sendrecv") return Direction::kSendRecv;
  if (text == "sendonly") return Direction::kSendOnly;
  if (text == "recvonly") return Direction::kRecvOnly;
  if (text == "inactive") return Direction::kInactive;
  return std::nullopt;
}

Direction reverse(Direction direction) {
  switch (direction) {
    case Direction::kSendOnly:
      return Direction::kRecvOnly;
    case Direction::kRecvOnly:
      return Direction::kSendOnly;
    default:
      return direction;
  }
}

std::string_view to_string(Setup setup) {
  switch (setup) {
    case Setup::kActpass:
      return "actpass";
    case Setup::kActive:
      return "active";
    case Setup::kPassive:
      return "passive";
    case Setup::kHoldconn:
      return "holdconn";
  }
  return "actpass";
}

std::optional<Setup> parse_setup(std::string_view text) {
  std::string lower = tokens::to_lower(text);
  if (lower == "actpass") return Setup::kActpass;
  if (lower == "active") return Setup::kActive;
  if (lower == "passive") return Setup::kPassive;
  if (lower == "holdconn") return Setup::kHoldconn;
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && tokens::to_lower(a) == tokens::to_lower(b);
}

Result<Candidate> parse_candidate(std::string_view value) {
  std::string_view body = tokens::trim(value);
  if (body.substr(0, 10) == "candidate:") body.remove_prefix(10);
  auto fields = tokens::split_ws(body);
  // foundation component transport priority address port "typ" type
  if (fields.size() < 8) return Error{"candidate needs at least 8 fields"};
  Candidate c;
  c.raw = "candidate:" + std::string(body);
  c.foundation = std::string(fields[0]);
  auto component = tokens::parse_uint<std::uint32_t>(fields[1], 256);
  if (!component || *component == 0) return Error{"bad candidate component"};
  c.component = *component;
  c.transport = std::string(fields[2]);
  auto priority = tokens::parse_uint<std::uint32_t>(fields[3]);
  if (!priority) return Error{"bad candidate priority"};
  c.priority = *priority;
  c.address = std::string(fields[4]);
  auto port = tokens::parse_uint<std::uint16_t>(fields[5]);
  if (!port) return Error{"bad candidate port"};
  c.port = *port;
  if (fields[6] != "typ") return Error{"candidate lacks 'typ'"};
  c.type = std::string(fields[7]);
  for (std::size_t i = 8; i + 1 < fields.size(); i += 2) {
    if (fields[i] == "raddr") {
      c.related_address = std::string(fields[i + 1]);
    } else if (fields[i] == "rport") {
      auto rport = tokens::parse_uint<std::uint16_t>(fields[i + 1]);
      if (!rport) return Error{"bad candidate rport"};
      c.related_port = *rport;
    } else {
      c.extensions.emplace_back(std::string(fields[i]), std::string(fields[i + 1]));
    }
  }
  return c;
}

static std::string format_streams(const std::vector<SimulcastStream>& streams) {
  std::string out;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (i > 0) out += ';';
    for (std::size_t j = 0; j < streams[i].size(); ++j) {
      if (j > 0) out += ',';
      if (streams[i][j].paused) out += '~';
      out += streams[i][j].id;
    }
  }
  return out;
}

std::string format_simulcast(const Simulcast& simulcast) {
  std::string out;
  if (!simulcast.send.empty()) out += "send " + format_streams(simulcast.send);
  if (!simulcast.recv.empty()) {
    if (!out.empty()) out += ' ';
    out += "recv " + format_streams(simulcast.recv);
  }
  return out;
}

bool MediaDescription::is_rtp() const { return protocol.find("RTP/") != std::string::npos; }

const Codec* MediaDescription::find_codec(std::uint8_t payload_type) const {
  for (const Codec& codec : codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

std::optional<std::uint16_t> MediaDescription::extmap_id(std::string_view uri) const {
  for (const Extmap& extmap : extmaps) {
    if (extmap.uri == uri) return extmap.id;
  }
  return std::nullopt;
}

const Group* SessionDescription::bundle_group_of(std::string_view mid) const {
  if (mid.empty()) return nullptr;
  for (const Group& group : groups) {
    if (group.semantics != "BUNDLE") continue;
    if (std::find(group.mids.begin(), group.mids.end(), mid) != group.mids.end()) return &group;
  }
  return nullptr;
}

IceParameters effective_ice(const MediaDescription& section, const SessionDescription& session) {
  IceParameters ice = section.ice;
  if (ice.ufrag.empty()) ice.ufrag = session.ice.ufrag;
  if (ice.pwd.empty()) ice.pwd = session.ice.pwd;
  if (ice.options.empty()) ice.options = session.ice.options;
  return ice;
}

const std::vector<Fingerprint>& effective_fingerprints(const MediaDescription& section,
                                                       const SessionDescription& session) {
  return section.fingerprints.empty() ? session.fingerprints : section.fingerprints;
}

std::optional<Fingerprint> effective_fingerprint(const MediaDescription& section,
                                                 const SessionDescription& session) {
  const auto& all = effective_fingerprints(section, session);
  if (all.empty()) return std::nullopt;
  for (const Fingerprint& f : all) {
    if (f.algorithm == "sha-256") return f;
  }
  return all.front();
}

std::optional<Setup> effective_setup(const MediaDescription& section,
                                     const SessionDescription& session) {
  return section.setup ? section.setup : session.setup;
}

}  // namespace podium::sdp
