#include "sdp/negotiate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "sdp/tokens.h"
#include "util/log.h"

namespace podium::sdp {
namespace {

using Mode = SectionPlan::Mode;

// RTX (RFC 4588) is answered next to the codec it repairs (see with_rtx); RED,
// ULPFEC, FlexFEC and telephone-event are dropped.
constexpr SupportedCodec kSupportedCodecs[] = {
    {"audio", "opus", 48000, 2},  // RFC 7587 §7: always opus/48000/2
    {"video", "VP8", 90000, 0},  {"video", "VP9", 90000, 0},
    {"video", "H264", 90000, 0}, {"video", "AV1", 90000, 0},
};

constexpr std::string_view kSupportedFeedback[] = {"nack", "nack pli", "ccm fir", "goog-remb",
                                                   "transport-cc"};

constexpr std::string_view kSupportedExtensions[] = {
    extension_uri::kMid,
    extension_uri::kRtpStreamId,
    extension_uri::kRepairedRtpStreamId,
    extension_uri::kAudioLevel,
    extension_uri::kAbsSendTime,
    extension_uri::kTransportWideCc,
    extension_uri::kVideoOrientation,
    extension_uri::kPlayoutDelay,
};

// DTLS-SRTP needs a secure AVP profile (RFC 5764 §8); plain RTP/AVP(F) cannot be keyed.
bool is_secure_rtp_profile(std::string_view protocol) {
  return protocol.find("RTP/SAVP") != std::string_view::npos;
}

bool codec_matches(const Codec& offered, std::string_view kind, const SupportedCodec& supported) {
  if (supported.kind != kind || !iequals(offered.name, supported.name)) return false;
  if (offered.clock_rate != supported.clock_rate) return false;
  if (supported.channels != 0 && offered.channels != supported.channels) return false;
  if (iequals(supported.name, "H264")) {
    // RFC 6184 §8.1: mode 0 (single NAL) cannot carry what browsers send; require mode 1.
    auto mode = fmtp_parameter(offered.fmtp, "packetization-mode");
    if (!mode || *mode != "1") return false;
  }
  return true;
}

// RFC 6184 §8.1 profile-level-id: profile_idc, profile-iop (constraint flags), level_idc.
struct H264ProfileLevel {
  std::string_view profile;  // "constrained-baseline", "baseline", "main", "high", ...
  int level_rank;            // 2 × level_idc (62 for 3.1); 21 for level 1b, between 1 and 1.1
};

std::optional<H264ProfileLevel> h264_profile_level(std::string_view fmtp) {
  // RFC 6184 §8.1: absent means 42000A (Baseline, level 1.0).
  std::string id = fmtp_parameter(fmtp, "profile-level-id").value_or("42000a");
  if (id.size() != 6) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : id) {
    int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                     ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')                     ? c - 'A' + 10
                                                             : -1;
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<std::uint32_t>(digit);
  }
  const std::uint8_t profile_idc = value >> 16;
  const std::uint8_t iop = (value >> 8) & 0xFF;
  const std::uint8_t level_idc = value & 0xFF;
  // Which profile an (idc, constraint flags) pair names, as ITU-T H.264 §A.2 and
  // RFC 6184 Table 5 define them; "x" bits are not looked at.
  struct Pattern {
    std::uint8_t idc;
    std::string_view bits;  // constraint_set0..5 and the two reserved zero bits
    std::string_view profile;
  };
  static constexpr Pattern kPatterns[] = {
      {0x42, "x1xx0000", "constrained-baseline"}, {0x4D, "1xxx0000", "constrained-baseline"},
      {0x58, "11xx0000", "constrained-baseline"}, {0x42, "x0xx0000", "baseline"},
      {0x58, "10xx0000", "baseline"},             {0x4D, "0x0x0000", "main"},
      {0x64, "00000000", "high"},                 {0x64, "00001100", "constrained-high"},
      {0xF4, "00000000", "high-444-predictive"},
  };
  for (const Pattern& p : kPatterns) {
    if (p.idc != profile_idc) continue;
    bool match = true;
    for (int bit = 0; bit < 8; ++bit) {
      bool set = (iop >> (7 - bit)) & 1;
      char want = p.bits[static_cast<std::size_t>(bit)];
      if (want != 'x' && set != (want == '1')) match = false;
    }
    if (!match) continue;
    // Level 1b: level_idc 11 with constraint_set3 in the Baseline/Main family (§A.3.1).
    bool level_1b = level_idc == 11 && (iop & 0x10) && profile_idc != 0x64 && profile_idc != 0xF4;
    return H264ProfileLevel{p.profile, level_1b ? 21 : 2 * static_cast<int>(level_idc)};
  }
  return std::nullopt;
}

std::string parameter_or(std::string_view fmtp, std::string_view key, std::string_view fallback) {
  return fmtp_parameter(fmtp, key).value_or(std::string(fallback));
}

// `fmtp` with key=value set (replaced if present, else appended).
std::string with_fmtp_parameter(std::string_view fmtp, std::string_view key, std::string_view value) {
  std::vector<std::string> params;
  bool replaced = false;
  for (std::string_view param : tokens::split(fmtp, ';')) {
    param = tokens::trim(param);
    if (param.empty()) continue;
    auto eq = param.find('=');
    if (eq != std::string_view::npos && iequals(tokens::trim(param.substr(0, eq)), key)) {
      params.push_back(fmt::format("{}={}", key, value));
      replaced = true;
    } else {
      params.emplace_back(param);
    }
  }
  if (!replaced) params.push_back(fmt::format("{}={}", key, value));
  return fmt::format("{}", fmt::join(params, ";"));
}

// The offered codecs Podium may use for this section, best first. Offered formats that
// cannot receive the forwarded stream add their reason to `mismatches`.
std::vector<Codec> choose_codecs(const MediaDescription& section, const SectionPlan& plan,
                                 std::vector<std::string>& mismatches) {
  struct Ranked {
    std::size_t rank;
    Codec codec;
  };
  std::vector<Ranked> ranked;
  for (const Codec& offered : section.codecs) {
    const SupportedCodec* match = nullptr;
    for (const auto& supported : kSupportedCodecs) {
      if (codec_matches(offered, section.kind, supported)) match = &supported;
    }
    if (!match) continue;
    std::size_t rank = 0;
    if (!plan.codec_names.empty()) {
      auto it = std::find_if(plan.codec_names.begin(), plan.codec_names.end(),
                             [&](const std::string& name) { return iequals(name, match->name); });
      if (it == plan.codec_names.end()) continue;
      rank = static_cast<std::size_t>(it - plan.codec_names.begin());
      bool named_before = std::any_of(ranked.begin(), ranked.end(), [&](const Ranked& r) {
        return iequals(r.codec.name, match->name);
      });
      if (plan.mode == Mode::kReceive && named_before) continue;
    }
    const Codec* forwarded = plan.mode == Mode::kSend && plan.forwarded_codec
                                 ? &*plan.forwarded_codec
                                 : nullptr;
    if (forwarded) {
      if (!iequals(forwarded->name, match->name) || forwarded->clock_rate != offered.clock_rate) continue;
      if (auto why = receive_mismatch(offered, *forwarded)) {
        mismatches.push_back(fmt::format("{} {}: {}", offered.payload_type, offered.name, *why));
        continue;
      }
    }
    Codec answer = offered;  // keep the offer's fmtp (opus minptime/useinbandfec, H264 profile)
    // RFC 7587 §7.1: stereo=1 says the receiver prefers stereo and sprop-stereo=1 that
    // the sender is likely to send it; a stereo publisher stays stereo for this subscriber.
    if (forwarded && iequals(forwarded->name, "opus") &&
        (parameter_or(forwarded->fmtp, "stereo", "0") == "1" ||
         parameter_or(forwarded->fmtp, "sprop-stereo", "0") == "1")) {
      answer.fmtp = with_fmtp_parameter(answer.fmtp, "stereo", "1");
      answer.fmtp = with_fmtp_parameter(answer.fmtp, "sprop-stereo", "1");
    }
    std::erase_if(answer.rtcp_fb, [](const std::string& fb) {
      return std::find(std::begin(kSupportedFeedback), std::end(kSupportedFeedback), fb) ==
             std::end(kSupportedFeedback);
    });
    ranked.push_back({rank, std::move(answer)});
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
  std::vector<Codec> out;
  for (auto& r : ranked) out.push_back(std::move(r.codec));
  // Podium forwards one stream as published; offering the subscriber one payload type
  // keeps it from switching to a codec the publisher does not send.
  if (plan.mode == Mode::kSend && out.size() > 1) out.resize(1);
  return out;
}

// RFC 4588 §8.6: an offered "rtx/<rate>" format with a=fmtp:<pt> apt=<original pt>
// repairs that payload type. Each chosen video codec keeps its offered rtx, listed after
// all of the codecs, so codecs.front() stays the primary one.
void add_rtx(const MediaDescription& section, std::vector<Codec>& codecs) {
  if (section.kind != "video") return;
  std::size_t primary = codecs.size();
  for (std::size_t i = 0; i < primary; ++i) {
    for (const Codec& offered : section.codecs) {
      if (!iequals(offered.name, "rtx") || offered.clock_rate != codecs[i].clock_rate) continue;
      auto apt = fmtp_parameter(offered.fmtp, "apt");
      if (!apt || *apt != std::to_string(codecs[i].payload_type)) continue;
      Codec rtx = offered;
      rtx.rtcp_fb.clear();
      codecs.push_back(std::move(rtx));
      break;
    }
  }
}

Direction answer_direction(Mode mode, Direction offered) {
  bool peer_sends = offered == Direction::kSendOnly || offered == Direction::kSendRecv;
  bool peer_receives = offered == Direction::kRecvOnly || offered == Direction::kSendRecv;
  if (mode == Mode::kReceive && peer_sends) return Direction::kRecvOnly;
  if (mode == Mode::kSend && peer_receives) return Direction::kSendOnly;
  return Direction::kInactive;  // RFC 3264 §6.1: never more than the offer allows
}

// RFC 8285 §6: the answer reuses the offer's ids; a direction is mirrored.
std::vector<Extmap> choose_extmaps(const MediaDescription& section,
                                   const SessionDescription& offer) {
  std::vector<Extmap> out;
  auto consider = [&](const Extmap& e) {
    bool supported = std::find(std::begin(kSupportedExtensions), std::end(kSupportedExtensions),
                               e.uri) != std::end(kSupportedExtensions);
    bool id_taken =
        std::any_of(out.begin(), out.end(), [&](const Extmap& x) { return x.id == e.id; });
    if (!supported || id_taken) return;
    Extmap answer = e;
    if (answer.direction) answer.direction = reverse(*answer.direction);
    answer.attributes.clear();
    out.push_back(std::move(answer));
  };
  for (const Extmap& e : section.extmaps) consider(e);
  for (const Extmap& e : offer.extmaps) consider(e);
  return out;
}

// RFC 8853 §5.3.2: accept the offered send simulcast by echoing its rids as recv. Only
// rids declared with a=rid:<id> send count (RFC 8853 §5.1).
void answer_simulcast(const MediaDescription& offered, MediaDescription& answer) {
  auto declared = [&](const std::string& id) {
    return std::any_of(offered.rids.begin(), offered.rids.end(), [&](const Rid& rid) {
      return rid.id == id && rid.direction == RidDirection::kSend;
    });
  };
  if (offered.simulcast && !offered.simulcast->send.empty()) {
    Simulcast simulcast;
    for (const SimulcastStream& stream : offered.simulcast->send) {
      SimulcastStream kept;
      for (const SimulcastRid& rid : stream) {
        if (declared(rid.id)) kept.push_back(rid);
      }
      if (kept.empty()) continue;
      for (const SimulcastRid& rid : kept)
        answer.rids.push_back({rid.id, RidDirection::kRecv, {}, {}});
      simulcast.recv.push_back(std::move(kept));
    }
    if (!simulcast.recv.empty()) answer.simulcast = std::move(simulcast);
    return;
  }
  // RFC 8851 §4: a single rid without simulcast names the one stream.
  for (const Rid& rid : offered.rids) {
    if (rid.direction == RidDirection::kSend)
      answer.rids.push_back({rid.id, RidDirection::kRecv, {}, {}});
  }
}

bool is_ip_literal(std::string_view address) {
  if (address.find(':') != std::string_view::npos) return true;  // IPv6
  return !address.empty() && std::all_of(address.begin(), address.end(),
                                         [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Where bundled sections omit transport attributes (RFC 8843 §7.1.3, later offers and
// bundle-only sections), they come from the BUNDLE-tag section.
const MediaDescription* bundle_tag_section(const MediaDescription& section,
                                           const SessionDescription& offer) {
  const Group* group = offer.bundle_group_of(section.mid);
  if (!group) return nullptr;
  for (const std::string& mid : group->mids) {
    for (const MediaDescription& m : offer.media) {
      if (m.mid == mid && !m.is_rejected()) return &m;
    }
  }
  return nullptr;
}

std::optional<std::string> check_transport(const MediaDescription& section,
                                           const SessionDescription& offer,
                                           const std::string& label) {
  const MediaDescription* tag = bundle_tag_section(section, offer);
  IceParameters ice = effective_ice(section, offer);
  if (tag && (ice.ufrag.empty() || ice.pwd.empty())) ice = effective_ice(*tag, offer);
  if (ice.ufrag.empty()) return label + ": no ice-ufrag";
  if (ice.pwd.empty()) return label + ": no ice-pwd";

  bool has_fingerprint = !effective_fingerprints(section, offer).empty() ||
                         (tag && !effective_fingerprints(*tag, offer).empty());
  if (!has_fingerprint) return label + ": no fingerprint";

  auto setup = effective_setup(section, offer);
  if (!setup && tag) setup = effective_setup(*tag, offer);
  // RFC 8842 §5.3: the answerer of actpass/active takes passive. Absent means active
  // (RFC 4145 §4).
  if (setup == Setup::kPassive) {
    return label + ": offer has a=setup:passive, but Podium is always DTLS passive";
  }
  if (setup == Setup::kHoldconn) return label + ": offer has a=setup:holdconn";

  // RFC 8829 §5.1.3 (rtcp-mux policy "require"): Podium has no separate RTCP port.
  if (!section.rtcp_mux && !(tag && tag->rtcp_mux)) return label + ": rtcp-mux is required";
  return std::nullopt;
}

struct LocalTransport {
  std::vector<Candidate> candidates;
  Connection connection;
  std::uint16_t port = 9;  // RFC 8829 §5.3.1: dummy port when no candidate applies
};

Result<LocalTransport> local_transport(const AnswerOptions& options) {
  if (options.ice_ufrag.empty() || options.ice_pwd.empty()) {
    return Error{"answer options lack ICE credentials"};
  }
  if (options.fingerprint_sha256.empty()) return Error{"answer options lack a fingerprint"};
  LocalTransport local;
  for (std::string_view text : options.candidates) {
    if (text.substr(0, 2) == "a=") text.remove_prefix(2);
    auto candidate = parse_candidate(text);
    if (!candidate)
      return Error{fmt::format("bad local candidate '{}': {}", text, candidate.error())};
    local.candidates.push_back(std::move(candidate.value()));
  }
  // RFC 8839 §4.2.1.1 (ICE-lite): m=/c= carry the default candidate, here the first
  // UDP candidate of component 1.
  for (const Candidate& c : local.candidates) {
    if (c.component == 1 && iequals(c.transport, "udp") && is_ip_literal(c.address)) {
      bool v6 = c.address.find(':') != std::string::npos;
      local.connection = Connection{"IN", v6 ? "IP6" : "IP4", c.address};
      local.port = c.port;
      break;
    }
  }
  return local;
}

MediaDescription rejected_section(const MediaDescription& offered) {
  MediaDescription answer;
  answer.kind = offered.kind;
  answer.port = 0;
  answer.protocol = offered.protocol;
  // RFC 3264 §6: the m= line still needs a format; one from the offer will do.
  if (!offered.formats.empty()) {
    answer.formats.push_back(offered.formats.front());
    auto pt = tokens::parse_uint<std::uint8_t>(offered.formats.front(), 127);
    if (const Codec* codec = pt ? offered.find_codec(*pt) : nullptr) {
      answer.codecs.push_back(
          {codec->payload_type, codec->name, codec->clock_rate, codec->channels, {}, {}});
    }
  }
  answer.connection = Connection{};
  // RFC 8843 §7.3.3: a rejected section keeps its mid but leaves the BUNDLE group.
  answer.mid = offered.mid;
  answer.direction = Direction::kInactive;
  return answer;
}

void add_sender(const LocalSender& sender, MediaDescription& answer) {
  std::string stream = sender.stream_id.empty() ? "-" : sender.stream_id;
  answer.msids.push_back({stream, sender.track_id});             // RFC 8830 §2
  bool rtx = sender.rtx_ssrc != 0 && std::any_of(answer.codecs.begin(), answer.codecs.end(),
                                                 [](const Codec& c) { return is_rtx(c); });
  // RFC 5576 §4.2, RFC 4588 §8.7: the FID group pairs the media SSRC with its RTX SSRC.
  if (rtx) answer.ssrc_groups.push_back({"FID", {sender.ssrc, sender.rtx_ssrc}});
  for (std::uint32_t ssrc : {sender.ssrc, sender.rtx_ssrc}) {
    if (ssrc == 0 || (ssrc == sender.rtx_ssrc && !rtx)) continue;
    answer.ssrcs.push_back({ssrc, "cname", sender.cname});  // RFC 5576 §6.1
    answer.ssrcs.push_back({ssrc, "msid", stream + " " + sender.track_id});
  }
}

std::string codec_names(const MediaDescription& section) {
  std::vector<std::string> names;
  for (const Codec& c : section.codecs) {
    if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);
  }
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

bool is_rtx(const Codec& codec) { return iequals(codec.name, "rtx"); }

std::optional<std::string> receive_mismatch(const Codec& receiver, const Codec& sent) {
  if (iequals(sent.name, "H264")) {
    std::string sent_mode = parameter_or(sent.fmtp, "packetization-mode", "0");
    std::string receiver_mode = parameter_or(receiver.fmtp, "packetization-mode", "0");
    if (sent_mode != receiver_mode) {
      return fmt::format("packetization-mode {} but the stream uses {}", receiver_mode, sent_mode);
    }
    auto theirs = h264_profile_level(receiver.fmtp);
    auto ours = h264_profile_level(sent.fmtp);
    if (!ours) return std::string("the stream's profile-level-id is not understood");
    if (!theirs) return std::string("profile-level-id not understood");
    // Constrained Baseline is a subset of Baseline (H.264 §A.2.1.1): a Baseline decoder
    // takes it.
    bool subset = theirs->profile == "baseline" && ours->profile == "constrained-baseline";
    if (theirs->profile != ours->profile && !subset) {
      return fmt::format("H.264 profile {} but the stream is {}", theirs->profile, ours->profile);
    }
    if (theirs->level_rank < ours->level_rank) {
      return fmt::format("H.264 level {:.1f} is below the stream's {:.1f}", theirs->level_rank / 20.0,
                         ours->level_rank / 20.0);
    }
    return std::nullopt;
  }
  if (iequals(sent.name, "VP9")) {
    std::string theirs = parameter_or(receiver.fmtp, "profile-id", "0");
    std::string ours = parameter_or(sent.fmtp, "profile-id", "0");
    if (theirs != ours) return fmt::format("VP9 profile-id {} but the stream is {}", theirs, ours);
    return std::nullopt;
  }
  if (iequals(sent.name, "AV1")) {
    std::string theirs = parameter_or(receiver.fmtp, "profile", "0");
    std::string ours = parameter_or(sent.fmtp, "profile", "0");
    if (theirs != ours) return fmt::format("AV1 profile {} but the stream is {}", theirs, ours);
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::uint8_t> rtx_payload_type_for(const MediaDescription& section,
                                                 std::uint8_t payload_type) {
  for (const Codec& c : section.codecs) {
    if (!is_rtx(c)) continue;
    auto apt = fmtp_parameter(c.fmtp, "apt");
    if (apt && *apt == std::to_string(payload_type)) return c.payload_type;
  }
  return std::nullopt;
}

std::span<const SupportedCodec> supported_codecs() { return kSupportedCodecs; }
std::span<const std::string_view> supported_rtcp_feedback() { return kSupportedFeedback; }
std::span<const std::string_view> supported_extensions() { return kSupportedExtensions; }

std::optional<std::string> fmtp_parameter(std::string_view fmtp, std::string_view key) {
  for (std::string_view param : tokens::split(fmtp, ';')) {
    param = tokens::trim(param);
    auto eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (iequals(tokens::trim(param.substr(0, eq)), key)) {
      return std::string(tokens::trim(param.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

Result<SessionDescription> build_answer(const SessionDescription& offer,
                                        std::span<const SectionPlan> plans,
                                        const AnswerOptions& options) {
  if (offer.media.empty()) return Error{"offer has no media"};
  if (plans.size() != offer.media.size()) {
    return Error{
        fmt::format("{} m-sections offered but {} plans given", offer.media.size(), plans.size())};
  }
  auto local = local_transport(options);
  if (!local) return Error{local.error()};

  SessionDescription answer;
  answer.origin.session_id = std::to_string(options.session_id);
  answer.origin.session_version = std::to_string(options.session_version);
  answer.ice_lite = true;  // RFC 8839 §5.3
  answer.msid_semantic = "WMS *";
  answer.extmap_allow_mixed = offer.extmap_allow_mixed;

  std::vector<std::string> accepted_mids;
  std::optional<std::string> no_codec_reason;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& offered = offer.media[i];
    const SectionPlan& plan = plans[i];
    const std::string label = fmt::format("m-section {} ({})", i, offered.kind);

    // Podium has no SCTP yet, so data channel sections are rejected like disabled ones.
    bool usable = plan.mode != Mode::kReject && !offered.is_rejected() && offered.is_rtp() &&
                  is_secure_rtp_profile(offered.protocol);
    if (!usable) {
      answer.media.push_back(rejected_section(offered));
      continue;
    }
    if (plan.mode == Mode::kSend && !plan.sender) return Error{label + ": send plan has no sender"};
    if (auto error = check_transport(offered, offer, label)) return Error{*error};

    std::vector<std::string> mismatches;
    std::vector<Codec> codecs = choose_codecs(offered, plan, mismatches);
    add_rtx(offered, codecs);
    if (codecs.empty()) {
      std::string reason;
      if (!plan.forwarded_codec) {
        reason = fmt::format("{}: no common codec (offered {})", label, codec_names(offered));
      } else if (mismatches.empty()) {
        reason = fmt::format("{}: cannot receive the {} stream (offered {})", label,
                             plan.forwarded_codec->name, codec_names(offered));
      } else {
        reason = fmt::format("{}: cannot receive the {} stream (fmtp '{}'): {}", label,
                             plan.forwarded_codec->name, plan.forwarded_codec->fmtp,
                             fmt::join(mismatches, "; "));
      }
      log::info("sdp", "rejecting {}", reason);
      if (!no_codec_reason) no_codec_reason = std::move(reason);
      answer.media.push_back(rejected_section(offered));
      continue;
    }

    MediaDescription section;
    section.kind = offered.kind;
    section.port = local->port;
    section.protocol = offered.protocol;  // RFC 8829 §5.3.1: must match the offer exactly
    for (const Codec& c : codecs) section.formats.push_back(std::to_string(c.payload_type));
    section.codecs = std::move(codecs);
    section.connection = local->connection;
    section.mid = offered.mid;
    section.direction = answer_direction(plan.mode, offered.direction);
    section.ice = IceParameters{options.ice_ufrag, options.ice_pwd, {}};
    section.fingerprints.push_back({"sha-256", options.fingerprint_sha256});
    section.setup = Setup::kPassive;
    section.rtcp_mux = true;
    section.rtcp_rsize = offered.rtcp_rsize;
    section.extmap_allow_mixed = offered.extmap_allow_mixed;
    section.extmaps = choose_extmaps(offered, offer);
    if (section.direction == Direction::kSendOnly) add_sender(*plan.sender, section);
    if (section.direction == Direction::kRecvOnly) answer_simulcast(offered, section);
    section.candidates = local->candidates;
    section.end_of_candidates = true;  // ICE-lite: every candidate is here
    if (!section.mid.empty()) accepted_mids.push_back(section.mid);
    answer.media.push_back(std::move(section));
  }

  if (no_codec_reason && std::all_of(answer.media.begin(), answer.media.end(),
                                     [](const MediaDescription& m) { return m.is_rejected(); })) {
    return Error{*no_codec_reason};
  }

  // RFC 8843 §7.3: the answer's BUNDLE group holds the accepted mids of the offer's
  // group, in offer order; its first becomes the answerer's BUNDLE tag.
  for (const Group& group : offer.groups) {
    if (group.semantics != "BUNDLE") continue;
    Group bundle{"BUNDLE", {}};
    for (const std::string& mid : group.mids) {
      if (std::find(accepted_mids.begin(), accepted_mids.end(), mid) != accepted_mids.end()) {
        bundle.mids.push_back(mid);
      }
    }
    if (!bundle.mids.empty()) answer.groups.push_back(std::move(bundle));
  }
  return answer;
}

}  // namespace podium::sdp
