// SDP parser (RFC 8866 §5) with the WebRTC attributes of JSEP (RFC 8829 §5.8).
//
// Lenient with what Podium does not use (unknown line types and attributes, candidates
// it cannot read, dynamic payload types without rtpmap), strict with what makes a
// section unusable (m= line, rtpmap, extmap, setup, ssrc, rid, simulcast syntax).
#include <fmt/format.h>

#include <algorithm>

#include "sdp/session_description.h"
#include "sdp/tokens.h"

namespace podium::sdp {
namespace {

using tokens::parse_uint;
using tokens::split_first_word;
using tokens::split_ws;
using tokens::trim;

struct StaticPayloadType {
  std::uint8_t payload_type;
  std::string_view name;
  std::uint32_t clock_rate;
  std::uint16_t channels;
};

// RFC 3551 §6, Tables 4 and 5: payload types usable without an rtpmap line.
constexpr StaticPayloadType kStaticPayloadTypes[] = {
    {0, "PCMU", 8000, 0},   {3, "GSM", 8000, 0},    {4, "G723", 8000, 0},   {5, "DVI4", 8000, 0},
    {6, "DVI4", 16000, 0},  {7, "LPC", 8000, 0},    {8, "PCMA", 8000, 0},   {9, "G722", 8000, 0},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 0},  {12, "QCELP", 8000, 0}, {13, "CN", 8000, 0},
    {14, "MPA", 90000, 0},  {15, "G728", 8000, 0},  {16, "DVI4", 11025, 0}, {17, "DVI4", 22050, 0},
    {18, "G729", 8000, 0},  {25, "CelB", 90000, 0}, {26, "JPEG", 90000, 0}, {28, "nv", 90000, 0},
    {31, "H261", 90000, 0}, {32, "MPV", 90000, 0},  {33, "MP2T", 90000, 0}, {34, "H263", 90000, 0},
};

Result<Fingerprint> parse_fingerprint(std::string_view value) {
  auto [algorithm, fingerprint] = split_first_word(value);
  if (algorithm.empty() || fingerprint.empty() || split_ws(fingerprint).size() != 1) {
    return Error{"bad fingerprint, expected '<hash-func> <fingerprint>'"};
  }
  return Fingerprint{tokens::to_lower(algorithm), std::string(fingerprint)};
}

Result<Setup> parse_setup_value(std::string_view value) {
  auto setup = parse_setup(value);
  if (!setup) return Error{fmt::format("unknown setup value '{}'", value)};
  return *setup;
}

Result<Extmap> parse_extmap(std::string_view value) {
  auto fields = split_ws(value);
  if (fields.size() < 2) return Error{"bad extmap, expected '<id>[/<direction>] <uri>'"};
  Extmap extmap;
  std::string_view id_text = fields[0];
  if (auto slash = id_text.find('/'); slash != std::string_view::npos) {
    auto direction = parse_direction(id_text.substr(slash + 1));
    if (!direction)
      return Error{fmt::format("bad extmap direction '{}'", id_text.substr(slash + 1))};
    extmap.direction = direction;
    id_text = id_text.substr(0, slash);
  }
  // RFC 8285 §5: 1-14 for one-byte headers, up to 255 with two-byte headers.
  auto id = parse_uint<std::uint16_t>(id_text, 255);
  if (!id || *id == 0) return Error{fmt::format("bad extmap id '{}'", id_text)};
  extmap.id = *id;
  extmap.uri = std::string(fields[1]);
  for (std::size_t i = 2; i < fields.size(); ++i) {
    if (i > 2) extmap.attributes += ' ';
    extmap.attributes += fields[i];
  }
  return extmap;
}

Result<Rid> parse_rid(std::string_view value) {
  auto fields = split_ws(value);
  if (fields.size() < 2) return Error{"bad rid, expected '<id> send|recv [params]'"};
  Rid rid;
  rid.id = std::string(fields[0]);
  if (fields[1] == "send") {
    rid.direction = RidDirection::kSend;
  } else if (fields[1] == "recv") {
    rid.direction = RidDirection::kRecv;
  } else {
    return Error{fmt::format("bad rid direction '{}'", fields[1])};
  }
  if (fields.size() > 3) return Error{"bad rid, unexpected text after the parameters"};
  if (fields.size() == 3) {
    for (std::string_view param : tokens::split(fields[2], ';')) {
      if (param.empty()) continue;
      auto eq = param.find('=');
      std::string_view key = param.substr(0, eq);
      std::string_view val = eq == std::string_view::npos ? "" : param.substr(eq + 1);
      if (key == "pt") {
        for (std::string_view pt : tokens::split(val, ',')) {
          auto n = parse_uint<std::uint8_t>(pt, 127);
          if (!n) return Error{fmt::format("bad rid payload type '{}'", pt)};
          rid.payload_types.push_back(*n);
        }
      } else {
        rid.params.push_back({std::string(key), std::string(val)});
      }
    }
  }
  return rid;
}

Result<std::vector<SimulcastStream>> parse_simulcast_streams(std::string_view list) {
  std::vector<SimulcastStream> streams;
  for (std::string_view stream_text : tokens::split(list, ';')) {
    SimulcastStream stream;
    for (std::string_view alt : tokens::split(stream_text, ',')) {
      SimulcastRid rid;
      if (!alt.empty() && alt.front() == '~') {
        rid.paused = true;
        alt.remove_prefix(1);
      }
      // Tolerate the pre-RFC draft syntax "rid=h" (old Firefox).
      if (alt.substr(0, 4) == "rid=") alt.remove_prefix(4);
      if (alt.empty()) return Error{"bad simulcast, empty rid"};
      rid.id = std::string(alt);
      stream.push_back(std::move(rid));
    }
    streams.push_back(std::move(stream));
  }
  return streams;
}

Result<Simulcast> parse_simulcast(std::string_view value) {
  auto fields = split_ws(value);
  if (fields.size() != 2 && fields.size() != 4) {
    return Error{"bad simulcast, expected 'send|recv <rids> [send|recv <rids>]'"};
  }
  Simulcast simulcast;
  simulcast.raw = std::string(trim(value));
  for (std::size_t i = 0; i < fields.size(); i += 2) {
    auto streams = parse_simulcast_streams(fields[i + 1]);
    if (!streams) return Error{streams.error()};
    std::vector<SimulcastStream>* target = nullptr;
    if (fields[i] == "send") target = &simulcast.send;
    if (fields[i] == "recv") target = &simulcast.recv;
    if (!target || !target->empty()) {
      return Error{fmt::format("bad simulcast direction '{}'", fields[i])};
    }
    *target = std::move(streams.value());
  }
  return simulcast;
}

class Parser {
 public:
  Result<SessionDescription> run(std::string_view text) {
    bool seen_version = false;
    bool seen_origin = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (trim(line).empty()) continue;

      if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
        return fail("expected '<type>=<value>'");
      }
      char type = line[0];
      std::string_view value = line.substr(2);
      if (!seen_version) {
        if (type != 'v') return fail("SDP must start with a v= line");
        if (trim(value) != "0") return fail(fmt::format("unsupported SDP version '{}'", value));
        seen_version = true;
        continue;
      }
      std::optional<std::string> error;
      if (type == 'm') {
        error = on_media(value);
      } else if (media_) {
        error = on_media_line(type, value);
      } else {
        if (type == 'o') seen_origin = true;
        error = on_session_line(type, value);
      }
      if (error) return fail(*error);
    }
    if (!seen_version) return Error{"empty SDP: no v= line"};
    if (!seen_origin) return Error{"missing o= line"};
    finish_media();
    return std::move(session_);
  }

 private:
  Error fail(std::string_view what) const {
    return Error{fmt::format("line {}: {}", line_number_, what)};
  }

  std::optional<std::string> on_session_line(char type, std::string_view value) {
    switch (type) {
      case 'o': {
        auto f = split_ws(value);
        if (f.size() != 6) return "o= line needs 6 fields";
        session_.origin = Origin{std::string(f[0]), std::string(f[1]), std::string(f[2]),
                                 std::string(f[3]), std::string(f[4]), std::string(f[5])};
        return std::nullopt;
      }
      case 's':
        session_.session_name = std::string(value);
        return std::nullopt;
      case 't':
        session_.timing = std::string(trim(value));
        return std::nullopt;
      case 'b':
        session_.bandwidths.emplace_back(trim(value));
        return std::nullopt;
      case 'c': {
        auto connection = parse_connection(value);
        if (!connection) return connection.error();
        session_.connection = std::move(connection.value());
        return std::nullopt;
      }
      case 'a':
        return on_session_attribute(value);
      default:
        return std::nullopt;  // i, u, e, p, r, z, k: not used by WebRTC
    }
  }

  std::optional<std::string> on_media_line(char type, std::string_view value) {
    switch (type) {
      case 'b':
        media_->bandwidths.emplace_back(trim(value));
        return std::nullopt;
      case 'c': {
        auto connection = parse_connection(value);
        if (!connection) return connection.error();
        media_->connection = std::move(connection.value());
        return std::nullopt;
      }
      case 'a':
        return on_media_attribute(value);
      default:
        return std::nullopt;
    }
  }

  static Result<Connection> parse_connection(std::string_view value) {
    auto f = split_ws(value);
    if (f.size() != 3) return Error{"c= line needs 3 fields"};
    return Connection{std::string(f[0]), std::string(f[1]), std::string(f[2])};
  }

  // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
  std::optional<std::string> on_media(std::string_view value) {
    finish_media();
    auto f = split_ws(value);
    if (f.size() < 4) return "m= line needs at least 4 fields";
    MediaDescription media;
    media.kind = std::string(f[0]);
    std::string_view port_text = f[1];
    if (auto slash = port_text.find('/'); slash != std::string_view::npos) {
      auto count = parse_uint<std::uint16_t>(port_text.substr(slash + 1));
      if (!count) return fmt::format("bad port '{}' in m= line", port_text);
      media.port_count = *count;
      port_text = port_text.substr(0, slash);
    }
    auto port = parse_uint<std::uint16_t>(port_text);
    if (!port) return fmt::format("bad port '{}' in m= line", port_text);
    media.port = *port;
    media.protocol = std::string(f[2]);
    media.direction = session_.direction.value_or(Direction::kSendRecv);
    for (std::size_t i = 3; i < f.size(); ++i) media.formats.emplace_back(f[i]);
    if (media.is_rtp()) {
      for (const std::string& format : media.formats) {
        auto pt = parse_uint<std::uint8_t>(format, 127);
        if (!pt) return fmt::format("bad payload type '{}' in m= line", format);
        Codec codec;
        codec.payload_type = *pt;
        for (const auto& known : kStaticPayloadTypes) {
          if (known.payload_type == *pt) {
            codec.name = std::string(known.name);
            codec.clock_rate = known.clock_rate;
            codec.channels = known.channels;
          }
        }
        media.codecs.push_back(std::move(codec));
      }
    }
    session_.media.push_back(std::move(media));
    media_ = &session_.media.back();
    return std::nullopt;
  }

  // A dynamic payload type without rtpmap cannot be used (RFC 8866 §6.6); drop it
  // from the codec list but keep it in the m= line.
  void finish_media() {
    if (!media_) return;
    auto& codecs = media_->codecs;
    codecs.erase(
        std::remove_if(codecs.begin(), codecs.end(), [](const Codec& c) { return c.name.empty(); }),
        codecs.end());
    media_ = nullptr;
  }

  static std::pair<std::string_view, std::string_view> split_attribute(std::string_view value) {
    auto colon = value.find(':');
    if (colon == std::string_view::npos) return {trim(value), {}};
    return {trim(value.substr(0, colon)), trim(value.substr(colon + 1))};
  }

  std::optional<std::string> on_session_attribute(std::string_view text) {
    auto [name, value] = split_attribute(text);
    SessionDescription& s = session_;
    if (name == "group") {
      auto f = split_ws(value);
      if (f.empty()) return "bad group, expected '<semantics> <mid>...'";
      Group group{std::string(f[0]), {}};
      for (std::size_t i = 1; i < f.size(); ++i) group.mids.emplace_back(f[i]);
      s.groups.push_back(std::move(group));
    } else if (name == "ice-lite") {
      s.ice_lite = true;
    } else if (name == "ice-ufrag") {
      s.ice.ufrag = std::string(value);
    } else if (name == "ice-pwd") {
      s.ice.pwd = std::string(value);
    } else if (name == "ice-options") {
      for (auto option : split_ws(value)) s.ice.options.emplace_back(option);
    } else if (name == "fingerprint") {
      auto fingerprint = parse_fingerprint(value);
      if (!fingerprint) return fingerprint.error();
      s.fingerprints.push_back(std::move(fingerprint.value()));
    } else if (name == "setup") {
      auto setup = parse_setup_value(value);
      if (!setup) return setup.error();
      s.setup = *setup;
    } else if (auto direction = parse_direction(name); direction && value.empty()) {
      s.direction = direction;
    } else if (name == "msid-semantic") {
      s.msid_semantic = std::string(value);
    } else if (name == "extmap-allow-mixed") {
      s.extmap_allow_mixed = true;
    } else if (name == "extmap") {
      auto extmap = parse_extmap(value);
      if (!extmap) return extmap.error();
      s.extmaps.push_back(std::move(extmap.value()));
    } else {
      s.other_attributes.push_back({std::string(name), std::string(value)});
    }
    return std::nullopt;
  }

  std::optional<std::string> on_media_attribute(std::string_view text) {
    auto [name, value] = split_attribute(text);
    MediaDescription& m = *media_;
    if (name == "mid") {
      if (value.empty()) return "empty mid";
      for (const auto& other : session_.media) {
        if (&other != media_ && other.mid == value) return fmt::format("duplicate mid '{}'", value);
      }
      m.mid = std::string(value);
    } else if (auto direction = parse_direction(name); direction && value.empty()) {
      m.direction = *direction;
    } else if (name == "rtpmap") {
      return on_rtpmap(value);
    } else if (name == "fmtp") {
      auto [format, params] = split_first_word(value);
      if (Codec* codec = codec_for(format)) {
        codec->fmtp = std::string(params);
      } else {
        m.other_attributes.push_back({std::string(name), std::string(value)});
      }
    } else if (name == "rtcp-fb") {
      auto [format, feedback] = split_first_word(value);
      std::string normalized;
      for (auto word : split_ws(feedback)) {
        if (!normalized.empty()) normalized += ' ';
        normalized += word;
      }
      if (normalized.empty()) return "bad rtcp-fb, expected '<pt> <type>'";
      if (format == "*" && !m.codecs.empty()) {  // RFC 4585 §4.2: applies to every PT
        for (Codec& codec : m.codecs) codec.rtcp_fb.push_back(normalized);
      } else if (Codec* codec = codec_for(format)) {
        codec->rtcp_fb.push_back(normalized);
      } else {
        m.other_attributes.push_back({std::string(name), std::string(value)});
      }
    } else if (name == "extmap") {
      auto extmap = parse_extmap(value);
      if (!extmap) return extmap.error();
      m.extmaps.push_back(std::move(extmap.value()));
    } else if (name == "extmap-allow-mixed") {
      m.extmap_allow_mixed = true;
    } else if (name == "ice-ufrag") {
      m.ice.ufrag = std::string(value);
    } else if (name == "ice-pwd") {
      m.ice.pwd = std::string(value);
    } else if (name == "ice-options") {
      for (auto option : split_ws(value)) m.ice.options.emplace_back(option);
    } else if (name == "fingerprint") {
      auto fingerprint = parse_fingerprint(value);
      if (!fingerprint) return fingerprint.error();
      m.fingerprints.push_back(std::move(fingerprint.value()));
    } else if (name == "setup") {
      auto setup = parse_setup_value(value);
      if (!setup) return setup.error();
      m.setup = *setup;
    } else if (name == "rtcp-mux") {
      m.rtcp_mux = true;
    } else if (name == "rtcp-rsize") {
      m.rtcp_rsize = true;
    } else if (name == "bundle-only") {
      m.bundle_only = true;
    } else if (name == "candidate") {
      // An ICE-lite agent never checks remote candidates, so one it cannot read is
      // dropped rather than failing the offer.
      if (auto candidate = parse_candidate(value)) {
        m.candidates.push_back(std::move(candidate.value()));
      }
    } else if (name == "end-of-candidates") {
      m.end_of_candidates = true;
    } else if (name == "ssrc") {
      return on_ssrc(value);
    } else if (name == "ssrc-group") {
      auto f = split_ws(value);
      if (f.size() < 2) return "bad ssrc-group, expected '<semantics> <ssrc>...'";
      SsrcGroup group{std::string(f[0]), {}};
      for (std::size_t i = 1; i < f.size(); ++i) {
        auto ssrc = parse_uint<std::uint32_t>(f[i]);
        if (!ssrc) return fmt::format("bad ssrc '{}' in ssrc-group", f[i]);
        group.ssrcs.push_back(*ssrc);
      }
      m.ssrc_groups.push_back(std::move(group));
    } else if (name == "msid") {
      auto f = split_ws(value);
      if (f.empty() || f.size() > 2) return "bad msid, expected '<stream id> [<track id>]'";
      m.msids.push_back({std::string(f[0]), f.size() > 1 ? std::string(f[1]) : std::string()});
    } else if (name == "rid") {
      auto rid = parse_rid(value);
      if (!rid) return rid.error();
      m.rids.push_back(std::move(rid.value()));
    } else if (name == "simulcast") {
      auto simulcast = parse_simulcast(value);
      if (!simulcast) return simulcast.error();
      m.simulcast = std::move(simulcast.value());
    } else {
      m.other_attributes.push_back({std::string(name), std::string(value)});
    }
    return std::nullopt;
  }

  Codec* codec_for(std::string_view format) {
    auto pt = parse_uint<std::uint8_t>(format, 127);
    if (!pt) return nullptr;
    for (Codec& codec : media_->codecs) {
      if (codec.payload_type == *pt) return &codec;
    }
    return nullptr;
  }

  // RFC 8866 §6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<parameters>]
  std::optional<std::string> on_rtpmap(std::string_view value) {
    auto bad = [&] { return fmt::format("bad rtpmap '{}'", value); };
    auto [format, encoding] = split_first_word(value);
    auto pt = parse_uint<std::uint8_t>(format, 127);
    if (!pt || encoding.empty()) return bad();
    auto parts = tokens::split(encoding, '/');
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) return bad();
    auto clock_rate = parse_uint<std::uint32_t>(parts[1]);
    if (!clock_rate || *clock_rate == 0) return bad();
    std::uint16_t channels = 0;
    if (parts.size() == 3) {
      auto n = parse_uint<std::uint16_t>(parts[2]);
      if (!n || *n == 0) return bad();
      channels = *n;
    }
    Codec* codec = codec_for(format);
    if (!codec) {  // RFC 8866 §6.6 leaves an rtpmap for an unlisted format meaningless
      media_->other_attributes.push_back({"rtpmap", std::string(value)});
      return std::nullopt;
    }
    codec->name = std::string(parts[0]);
    codec->clock_rate = *clock_rate;
    codec->channels = channels;
    return std::nullopt;
  }

  std::optional<std::string> on_ssrc(std::string_view value) {
    auto [id_text, rest] = split_first_word(value);
    auto ssrc = parse_uint<std::uint32_t>(id_text);
    if (!ssrc) return fmt::format("bad ssrc '{}'", id_text);
    Ssrc entry;
    entry.ssrc = *ssrc;
    auto colon = rest.find(':');
    entry.attribute = std::string(trim(rest.substr(0, colon)));
    if (colon != std::string_view::npos) entry.value = std::string(trim(rest.substr(colon + 1)));
    media_->ssrcs.push_back(std::move(entry));
    return std::nullopt;
  }

  SessionDescription session_;
  MediaDescription* media_ = nullptr;  // the section being parsed, inside session_.media
  int line_number_ = 0;
};

}  // namespace

Result<SessionDescription> parse(std::string_view text) { return Parser().run(text); }

}  // namespace podium::sdp
