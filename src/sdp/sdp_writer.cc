// SDP writer: RFC 8866 §5 line order (v o s c b t a*, then per section m c b a*), CRLF
// line ends. Attribute order within a section follows what browsers emit, which keeps
// answers easy to compare by eye with a browser's own.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iterator>

#include "sdp/session_description.h"

namespace podium::sdp {
namespace {

class Writer {
 public:
  std::string run(const SessionDescription& s) {
    line("v=0");
    const Origin& o = s.origin;
    line(fmt::format("o={} {} {} {} {} {}", o.username, o.session_id, o.session_version, o.net_type,
                     o.addr_type, o.address));
    line("s=" + s.session_name);
    if (s.connection) connection(*s.connection);
    for (const auto& b : s.bandwidths) line("b=" + b);
    line("t=" + s.timing);
    for (const Group& group : s.groups) {
      std::string text = "a=group:" + group.semantics;
      for (const auto& mid : group.mids) text += " " + mid;
      line(text);
    }
    if (s.extmap_allow_mixed) line("a=extmap-allow-mixed");
    if (!s.msid_semantic.empty()) line("a=msid-semantic: " + s.msid_semantic);
    if (s.ice_lite) line("a=ice-lite");
    ice(s.ice);
    for (const auto& f : s.fingerprints) line("a=fingerprint:" + f.algorithm + " " + f.value);
    if (s.setup) line(fmt::format("a=setup:{}", to_string(*s.setup)));
    if (s.direction) line(fmt::format("a={}", to_string(*s.direction)));
    for (const Extmap& e : s.extmaps) extmap(e);
    for (const Attribute& a : s.other_attributes) attribute(a);
    for (const MediaDescription& m : s.media) media(m);
    return std::move(out_);
  }

 private:
  void line(std::string_view text) {
    out_ += text;
    out_ += "\r\n";
  }

  void connection(const Connection& c) {
    line(fmt::format("c={} {} {}", c.net_type, c.addr_type, c.address));
  }

  void ice(const IceParameters& ice) {
    if (!ice.ufrag.empty()) line("a=ice-ufrag:" + ice.ufrag);
    if (!ice.pwd.empty()) line("a=ice-pwd:" + ice.pwd);
    if (!ice.options.empty()) line(fmt::format("a=ice-options:{}", fmt::join(ice.options, " ")));
  }

  void extmap(const Extmap& e) {
    std::string text = fmt::format("a=extmap:{}", e.id);
    if (e.direction) text += fmt::format("/{}", to_string(*e.direction));
    text += " " + e.uri;
    if (!e.attributes.empty()) text += " " + e.attributes;
    line(text);
  }

  void attribute(const Attribute& a) {
    line(a.value.empty() ? "a=" + a.name : "a=" + a.name + ":" + a.value);
  }

  void media(const MediaDescription& m) {
    std::string mline = "m=" + m.kind + " " + std::to_string(m.port);
    if (m.port_count != 0) mline += "/" + std::to_string(m.port_count);
    mline += " " + m.protocol;
    for (const auto& format : m.formats) mline += " " + format;
    line(mline);
    if (m.connection) connection(*m.connection);
    for (const auto& b : m.bandwidths) line("b=" + b);
    if (!m.mid.empty()) line("a=mid:" + m.mid);
    line(fmt::format("a={}", to_string(m.direction)));
    ice(m.ice);
    for (const auto& f : m.fingerprints) line("a=fingerprint:" + f.algorithm + " " + f.value);
    if (m.setup) line(fmt::format("a=setup:{}", to_string(*m.setup)));
    if (m.rtcp_mux) line("a=rtcp-mux");
    if (m.rtcp_rsize) line("a=rtcp-rsize");
    if (m.bundle_only) line("a=bundle-only");
    if (m.extmap_allow_mixed) line("a=extmap-allow-mixed");
    for (const Extmap& e : m.extmaps) extmap(e);
    for (const Msid& msid : m.msids) {
      line(msid.track_id.empty() ? "a=msid:" + msid.stream_id
                                 : "a=msid:" + msid.stream_id + " " + msid.track_id);
    }
    for (const Codec& c : m.codecs) codec(c);
    for (const Rid& r : m.rids) rid(r);
    if (m.simulcast) {
      line("a=simulcast:" +
           (m.simulcast->raw.empty() ? format_simulcast(*m.simulcast) : m.simulcast->raw));
    }
    for (const SsrcGroup& g : m.ssrc_groups) {
      line(fmt::format("a=ssrc-group:{} {}", g.semantics, fmt::join(g.ssrcs, " ")));
    }
    for (const Ssrc& s : m.ssrcs) {
      std::string text = fmt::format("a=ssrc:{}", s.ssrc);
      if (!s.attribute.empty() || !s.value.empty()) text += " " + s.attribute;
      if (!s.value.empty()) text += ":" + s.value;
      line(text);
    }
    for (const Attribute& a : m.other_attributes) attribute(a);
    for (const Candidate& c : m.candidates) line("a=" + c.raw);
    if (m.end_of_candidates) line("a=end-of-candidates");
  }

  void codec(const Codec& c) {
    std::string rtpmap = fmt::format("a=rtpmap:{} {}/{}", c.payload_type, c.name, c.clock_rate);
    if (c.channels != 0) rtpmap += fmt::format("/{}", c.channels);
    line(rtpmap);
    for (const auto& fb : c.rtcp_fb) line(fmt::format("a=rtcp-fb:{} {}", c.payload_type, fb));
    if (!c.fmtp.empty()) line(fmt::format("a=fmtp:{} {}", c.payload_type, c.fmtp));
  }

  void rid(const Rid& r) {
    std::string text = "a=rid:" + r.id + (r.direction == RidDirection::kSend ? " send" : " recv");
    std::string params;
    if (!r.payload_types.empty()) params = fmt::format("pt={}", fmt::join(r.payload_types, ","));
    for (const RidParam& p : r.params) {
      if (!params.empty()) params += ';';
      params += p.value.empty() ? p.key : p.key + "=" + p.value;
    }
    if (!params.empty()) text += " " + params;
    line(text);
  }

  std::string out_;
};

}  // namespace

std::string write(const SessionDescription& description) { return Writer().run(description); }

}  // namespace podium::sdp
