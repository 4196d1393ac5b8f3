#include "sdp/negotiate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

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

// The offered codecs Podium may use for this section, best first.
std::vector<Codec> choose_codecs(const MediaDescription& section, const SectionPlan& plan) {
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
    }
    Codec answer = offered;  // keep the offer's fmtp (opus minptime/useinbandfec, H264 profile)
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

    std::vector<Codec> codecs = choose_codecs(offered, plan);
    add_rtx(offered, codecs);
    if (codecs.empty()) {
      std::string reason =
          fmt::format("{}: no common codec (offered {})", label, codec_names(offered));
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
