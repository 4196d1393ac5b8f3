// The SDP model (RFC 8866) with the WebRTC attributes Podium reads and writes, plus the
// parser and writer. Control-plane code: values and strings, no views into the input.
//
// What Podium does not interpret is kept: unknown attributes land in `other_attributes`
// (session or media level) and are written back, so a parse/write round trip loses
// nothing that matters for offer/answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace podium::sdp {

// RFC 8866 §6.7 (a=sendrecv/sendonly/recvonly/inactive). Default is sendrecv.
enum class Direction { kSendRecv, kSendOnly, kRecvOnly, kInactive };

std::string_view to_string(Direction direction);
std::optional<Direction> parse_direction(std::string_view text);
// The direction the other side uses for the same stream: sendonly <-> recvonly.
Direction reverse(Direction direction);

// RFC 4145 §4 / RFC 8842 §5.1: the DTLS role.
enum class Setup { kActpass, kActive, kPassive, kHoldconn };

std::string_view to_string(Setup setup);
std::optional<Setup> parse_setup(std::string_view text);

// RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>.
// Ids are kept as text: the grammar allows any digit string and Podium never does
// arithmetic on a remote origin.
struct Origin {
  std::string username = "-";
  std::string session_id = "0";
  std::string session_version = "0";
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

// RFC 8866 §5.7: c=<nettype> <addrtype> <connection-address>.
struct Connection {
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address = "0.0.0.0";
  bool operator==(const Connection&) const = default;
};

// An attribute Podium does not interpret: a=<name>[:<value>].
struct Attribute {
  std::string name;
  std::string value;  // empty for a property attribute (a=<name>)
  bool operator==(const Attribute&) const = default;
};

// RFC 5888 §5: a=group:<semantics> <mid>... (BUNDLE: RFC 8843).
struct Group {
  std::string semantics;
  std::vector<std::string> mids;
  bool operator==(const Group&) const = default;
};

// RFC 8122 §5: a=fingerprint:<hash-func> <fingerprint>. The algorithm is stored lower
// case (hash names are case-insensitive tokens); the value as received.
struct Fingerprint {
  std::string algorithm;
  std::string value;
  bool operator==(const Fingerprint&) const = default;
};

// RFC 8839 §5.4 and §5.6: ice-ufrag, ice-pwd, ice-options. Empty when absent.
struct IceParameters {
  std::string ufrag;
  std::string pwd;
  std::vector<std::string> options;
  bool operator==(const IceParameters&) const = default;
};

// RFC 8866 §6.6 (rtpmap), RFC 4566/8866 fmtp, RFC 4585 §4.2 (rtcp-fb).
struct Codec {
  std::uint8_t payload_type = 0;
  std::string name;  // as written, e.g. "opus", "VP8", "H264"; compare case-insensitively
  std::uint32_t clock_rate = 0;
  std::uint16_t channels = 0;        // 0: not given (RFC 8866 §6.6: means 1 for audio)
  std::string fmtp;                  // parameters after "a=fmtp:<pt> ", empty if none
  std::vector<std::string> rtcp_fb;  // e.g. "nack", "nack pli", "transport-cc"
  bool operator==(const Codec&) const = default;
};

// RFC 8285 §8: a=extmap:<id>[/<direction>] <uri> [<extensionattributes>].
struct Extmap {
  std::uint16_t id = 0;
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;
  bool operator==(const Extmap&) const = default;
};

// RFC 8839 §5.1: a=candidate:<foundation> <component> <transport> <priority>
// <address> <port> typ <type> [raddr <addr>] [rport <port>] *(<name> <value>).
struct Candidate {
  std::string foundation;
  std::uint32_t component = 1;
  std::string transport;  // "udp", "tcp" (case as received)
  std::uint32_t priority = 0;
  std::string address;  // IPv4, IPv6 or an mDNS name (*.local)
  std::uint16_t port = 0;
  std::string type;  // host, srflx, prflx, relay
  std::string related_address;
  std::optional<std::uint16_t> related_port;
  std::vector<std::pair<std::string, std::string>> extensions;  // e.g. {"tcptype","passive"}
  std::string raw;  // the attribute value as received: "candidate:..."
  bool operator==(const Candidate&) const = default;
};

// Parses the value of an a=candidate attribute ("candidate:..." or without the prefix).
Result<Candidate> parse_candidate(std::string_view value);

// RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>].
struct Ssrc {
  std::uint32_t ssrc = 0;
  std::string attribute;  // "cname", "msid", ...
  std::string value;
  bool operator==(const Ssrc&) const = default;
};

// RFC 5576 §4.2: a=ssrc-group:<semantics> <ssrc-id>... (FID: RFC 4588, SIM).
struct SsrcGroup {
  std::string semantics;
  std::vector<std::uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};

// RFC 8830 §2: a=msid:<stream id> [<track id>].
struct Msid {
  std::string stream_id;
  std::string track_id;  // the "appdata"; may be empty
  bool operator==(const Msid&) const = default;
};

// RFC 8851 §10: a=rid:<id> <send|recv> [pt=<fmt>,...][;<key>[=<value>]]...
enum class RidDirection { kSend, kRecv };

struct RidParam {
  std::string key;
  std::string value;
  bool operator==(const RidParam&) const = default;
};

struct Rid {
  std::string id;
  RidDirection direction = RidDirection::kSend;
  std::vector<std::uint8_t> payload_types;  // pt= restriction, empty when absent
  std::vector<RidParam> params;             // max-width, max-fps, depend, ...
  bool operator==(const Rid&) const = default;
};

// RFC 8853 §5.1: a=simulcast:send <streams> [recv <streams>] (either order). Streams are
// separated by ';', alternatives of one stream by ','; a '~' prefix marks a paused rid.
struct SimulcastRid {
  std::string id;
  bool paused = false;
  bool operator==(const SimulcastRid&) const = default;
};
using SimulcastStream = std::vector<SimulcastRid>;  // alternatives, first preferred

struct Simulcast {
  std::vector<SimulcastStream> send;
  std::vector<SimulcastStream> recv;
  // As received; the writer emits it verbatim when set, otherwise formats send/recv.
  // Not part of equality: it is another spelling of send/recv.
  std::string raw;
  bool operator==(const Simulcast& other) const { return send == other.send && recv == other.recv; }
};

// Formats send/recv in RFC 8853 syntax, e.g. "recv h;m;l".
std::string format_simulcast(const Simulcast& simulcast);

struct MediaDescription {
  // m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 §5.14)
  std::string kind;  // "audio", "video", "application", ...
  std::uint16_t port = 9;
  std::uint16_t port_count = 0;  // 0: not given
  std::string protocol;          // "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ...
  std::vector<std::string> formats;

  std::optional<Connection> connection;
  std::vector<std::string> bandwidths;  // b= values as received, e.g. "AS:2500"

  std::string mid;  // RFC 5888 §4; empty when absent
  Direction direction = Direction::kSendRecv;
  std::vector<Codec> codecs;  // in m= line order; only formats with a known mapping
  std::vector<Extmap> extmaps;
  bool extmap_allow_mixed = false;  // RFC 8285 §6 allows it at media level too

  IceParameters ice;
  std::vector<Fingerprint> fingerprints;
  std::optional<Setup> setup;
  bool rtcp_mux = false;     // RFC 5761 §5.1.3
  bool rtcp_rsize = false;   // RFC 5506 §5
  bool bundle_only = false;  // RFC 8843 §6
  std::vector<Candidate> candidates;
  bool end_of_candidates = false;  // RFC 8840 §8.2

  std::vector<Ssrc> ssrcs;
  std::vector<SsrcGroup> ssrc_groups;
  std::vector<Msid> msids;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;

  std::vector<Attribute> other_attributes;  // sctp-port, max-message-size, rtcp, ...

  // True for an RTP profile ("RTP/" in the proto): formats are payload types.
  bool is_rtp() const;
  const Codec* find_codec(std::uint8_t payload_type) const;
  // The extension id negotiated for `uri`, if any.
  std::optional<std::uint16_t> extmap_id(std::string_view uri) const;
  // RFC 3264 §6 / RFC 8843 §6: port 0 without bundle-only means rejected or disabled.
  bool is_rejected() const { return port == 0 && !bundle_only; }

  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  Origin origin;
  std::string session_name = "-";
  std::optional<Connection> connection;
  std::vector<std::string> bandwidths;
  std::string timing = "0 0";  // t= value

  std::vector<Group> groups;
  bool ice_lite = false;
  IceParameters ice;
  std::vector<Fingerprint> fingerprints;
  std::optional<Setup> setup;
  std::optional<Direction> direction;  // session-level default for the media sections
  std::string msid_semantic;           // e.g. "WMS *" or "WMS"; empty when absent
  bool extmap_allow_mixed = false;
  std::vector<Extmap> extmaps;  // RFC 8285 §5: extmap may be session-level
  std::vector<Attribute> other_attributes;

  std::vector<MediaDescription> media;

  // The BUNDLE group containing `mid`, if any.
  const Group* bundle_group_of(std::string_view mid) const;

  bool operator==(const SessionDescription&) const = default;
};

// Parses SDP text with CRLF or LF line ends. Errors name the line: "line 7: m= line
// needs at least 4 fields".
Result<SessionDescription> parse(std::string_view text);

// Writes SDP with CRLF line ends in RFC 8866 §5 line order.
std::string write(const SessionDescription& description);

// Transport attributes may sit at session level (Firefox puts the fingerprint there);
// a media-level value wins (RFC 8866 §5: media-level overrides session-level).
IceParameters effective_ice(const MediaDescription& section, const SessionDescription& session);
const std::vector<Fingerprint>& effective_fingerprints(const MediaDescription& section,
                                                       const SessionDescription& session);
// One fingerprint to verify against: sha-256 if offered, else the first.
std::optional<Fingerprint> effective_fingerprint(const MediaDescription& section,
                                                 const SessionDescription& session);
std::optional<Setup> effective_setup(const MediaDescription& section,
                                     const SessionDescription& session);

// Case-insensitive ASCII comparison, for codec names, hash names and the like.
bool iequals(std::string_view a, std::string_view b);

}  // namespace podium::sdp
