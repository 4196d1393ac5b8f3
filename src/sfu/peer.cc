#include "sfu/peer.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "dtls/certificate.h"
#include "rtp/codec.h"
#include "rtp/receive_statistics.h"
#include "rtp/rtcp_packet.h"
#include "rtp/rtcp_writer.h"
#include "sdp/negotiate.h"
#include "sdp/session_description.h"
#include "sfu/consumer.h"
#include "sfu/language_channel.h"
#include "sfu/layer_selection.h"
#include "sfu/producer.h"
#include "sfu/router.h"
#include "sfu/worker.h"
#include "util/log.h"

namespace podium::sfu {
namespace {

constexpr Duration kReportInterval{1'000'000};  // RTCP SR/RR (RFC 3550 §6.2: ~1 s for media)

std::uint32_t random_u32() {
  std::uint32_t value = 0;
  while (value == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

std::uint64_t random_session_id() {
  std::uint64_t value = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value >> 2;  // fits the 63 bits RFC 8866 §5.2 recommends
}

std::optional<MediaKind> kind_of(const sdp::MediaDescription& section) {
  if (section.kind == "audio") return MediaKind::kAudio;
  if (section.kind == "video") return MediaKind::kVideo;
  return std::nullopt;
}

bool offer_sends(sdp::Direction d) {
  return d == sdp::Direction::kSendOnly || d == sdp::Direction::kSendRecv;
}
bool offer_receives(sdp::Direction d) {
  return d == sdp::Direction::kRecvOnly || d == sdp::Direction::kSendRecv;
}

// The codec a publisher's section is received in: Opus for audio; for video the first
// the publisher lists (its preference, RFC 3264 §6.1, e.g. after setCodecPreferences)
// among VP8, VP9, H.264 with packetization-mode 1 (RFC 6184 §8.1) and AV1.
std::string preferred_codec(const sdp::MediaDescription& section, MediaKind kind) {
  static constexpr const char* kVideoCodecs[] = {"VP8", "VP9", "H264", "AV1"};
  for (const auto& c : section.codecs) {
    if (kind == MediaKind::kAudio) {
      if (strcasecmp(c.name.c_str(), "opus") == 0) return "opus";
      continue;
    }
    for (auto* name : kVideoCodecs) {
      if (strcasecmp(c.name.c_str(), name) != 0) continue;
      if (strcasecmp(name, "H264") == 0 && sdp::fmtp_parameter(c.fmtp, "packetization-mode") != "1")
        continue;
      return name;
    }
  }
  return "";
}

rtp::ExtensionMap extension_map(const sdp::MediaDescription& section,
                                const sdp::SessionDescription& session) {
  rtp::ExtensionMap map;
  for (const auto& ext : session.extmaps) {
    if (ext.id > 0 && ext.id < 256) map.set(static_cast<std::uint8_t>(ext.id), ext.uri);
  }
  for (const auto& ext : section.extmaps) {
    if (ext.id > 0 && ext.id < 256) map.set(static_cast<std::uint8_t>(ext.id), ext.uri);
  }
  return map;
}

RtpCodecParameters codec_parameters(const sdp::Codec& codec) {
  RtpCodecParameters p;
  p.payload_type = codec.payload_type;
  p.name = codec.name;
  p.codec = rtp::codec_from_name(codec.name);
  p.clock_rate = codec.clock_rate;
  p.channels = codec.channels;
  p.fmtp = codec.fmtp;
  return p;
}

// RFC 8853 §5.3.2: the simulcast rids the answer accepted, one per stream (its first
// alternative), low → high. The offer's order is taken as low → high (the order of the
// app's sendEncodings); when every rid carries max-height or max-br (RFC 8851 §5), they
// decide instead.
std::vector<std::string> simulcast_rids(const sdp::MediaDescription& answered,
                                        const sdp::MediaDescription& offered) {
  std::vector<std::string> rids;
  if (!answered.simulcast) return rids;
  for (const auto& stream : answered.simulcast->recv)
    if (!stream.empty()) rids.push_back(stream.front().id);
  auto size_of = [&](const std::string& id) -> std::optional<long> {
    for (const auto& rid : offered.rids) {
      if (rid.id != id) continue;
      for (const auto& param : rid.params)
        if (param.key == "max-height" || param.key == "max-br") return std::atol(param.value.c_str());
    }
    return std::nullopt;
  };
  if (std::all_of(rids.begin(), rids.end(), [&](const auto& id) { return size_of(id).has_value(); }))
    std::stable_sort(rids.begin(), rids.end(),
                     [&](const auto& a, const auto& b) { return *size_of(a) < *size_of(b); });
  return rids;
}

bool has_feedback(const sdp::Codec& codec, std::string_view feedback) {
  return std::find(codec.rtcp_fb.begin(), codec.rtcp_fb.end(), feedback) != codec.rtcp_fb.end();
}

// The RTX SSRC paired with `media` by an FID group (RFC 5576 §4.2, RFC 4588 §8.7).
std::optional<std::uint32_t> rtx_ssrc_of(const sdp::MediaDescription& section, std::uint32_t media) {
  for (const auto& group : section.ssrc_groups) {
    if (group.semantics == "FID" && group.ssrcs.size() >= 2 && group.ssrcs[0] == media)
      return group.ssrcs[1];
  }
  return std::nullopt;
}

// The media SSRC of a section: the first SSRC that is not the repair stream of a FID
// group (RFC 5576 §4.2, RFC 4588).
std::optional<std::uint32_t> primary_ssrc(const sdp::MediaDescription& section) {
  std::vector<std::uint32_t> repair;
  for (const auto& group : section.ssrc_groups) {
    if (group.semantics == "FID" && group.ssrcs.size() >= 2) repair.push_back(group.ssrcs[1]);
  }
  for (const auto& attr : section.ssrcs) {
    if (std::find(repair.begin(), repair.end(), attr.ssrc) == repair.end()) return attr.ssrc;
  }
  return std::nullopt;
}

}  // namespace

Peer::Peer(SessionId id, SessionOptions options, Router& router, Worker& worker)
    : id_(id),
      options_(std::move(options)),
      router_(router),
      worker_(worker),
      transport_(std::make_unique<webrtc::Transport>(worker.certificate(), worker.socket(), *this,
                                                     worker.counters())),
      rtcp_ssrc_(random_u32()),
      session_id_(random_session_id()) {
  worker_.demux().add(*transport_);
  // RFC 3550 §6.3.2: the first interval is half the regular one.
  schedule_reports(kReportInterval / 2);
  want_short_tick();  // the DTLS handshake's retransmissions
}

Peer::~Peer() {
  worker_.loop().cancel_timer(report_timer_);
  if (reported_estimate_) {
    worker_.counters().estimated_bitrate_sum.sub(reported_estimate_);
    worker_.counters().estimated_bitrate_subscribers.sub();
  }
  worker_.demux().remove(*transport_);
}

NegotiateResult Peer::negotiate(const NegotiateRequest& request, TimePoint now) {
  NegotiateResult result;
  // WHEP ?lang=: a language the conference interprets into, or the floor's.
  std::string language = request.language == "floor" ? std::string() : request.language;
  if (request.stage && !language.empty() && !router_.has_language(language)) {
    result.status = 404;
    result.error = is_valid_language_code(language)
                       ? "conference '" + router_.conference() + "' has no interpretation into '" +
                             language + "'"
                       : "malformed language code";
    return result;
  }
  auto parsed = sdp::parse(request.sdp_offer);
  if (!parsed) {
    result.status = 400;
    result.error = "malformed SDP offer: " + parsed.error();
    return result;
  }
  const sdp::SessionDescription& offer = *parsed;
  if (offer.media.empty()) {
    result.status = 400;
    result.error = "SDP offer has no media";
    return result;
  }

  // Decide each m-section, in order (RFC 8829 §5.3.1).
  std::vector<sdp::SectionPlan> plans(offer.media.size());
  std::vector<Producer*> subscribed(offer.media.size(), nullptr);
  // Virtual tracks ("lang:xx", "program:xx") per m-section; empty for the others.
  std::vector<std::string> follows(offer.media.size());
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const auto& section = offer.media[i];
    auto& plan = plans[i];
    auto kind = kind_of(section);
    if (!kind || section.is_rejected()) {  // port 0 with bundle-only is accepted (RFC 8843 §6)
      plan.mode = sdp::SectionPlan::Mode::kReject;
      continue;
    }
    if (offer_sends(section.direction)) {
      if (!options_.may_publish) {
        result.status = 403;
        result.error = "this role may not publish media (m-section " + std::to_string(i) + ")";
        return result;
      }
      std::string codec = preferred_codec(section, *kind);
      if (codec.empty()) {
        plan.mode = sdp::SectionPlan::Mode::kReject;
        continue;
      }
      plan.mode = sdp::SectionPlan::Mode::kReceive;
      plan.codec_names = {codec};
      continue;
    }
    if (offer_receives(section.direction)) {
      Producer* source = nullptr;
      bool virtual_track = false;
      if (request.stage && *kind == MediaKind::kAudio && !language.empty()) {
        follows[i] = "program:" + language;
        source = router_.virtual_source(follows[i]);
        virtual_track = true;
      } else if (request.stage) {
        source = router_.stage_source(*kind);
      } else if (auto it = request.subscriptions.find(section.mid);
                 it != request.subscriptions.end() &&
                 (language_of_channel(it->second) || language_of_program(it->second))) {
        auto code = language_of_channel(it->second);
        if (!code) code = language_of_program(it->second);
        if (code->empty()) {
          result.status = 400;
          result.error = "track '" + it->second + "': malformed language code";
          return result;
        }
        if (*kind != MediaKind::kAudio) {
          result.status = 400;
          result.error = "track '" + it->second + "' is audio but m-section " + section.mid +
                         " is " + section.kind;
          return result;
        }
        follows[i] = it->second;
        source = router_.virtual_source(follows[i]);
        virtual_track = true;
      } else if (it != request.subscriptions.end()) {
        // A track that just ended (or never existed in this conference) is answered
        // inactive: the client learns of the removal through signaling, and a race
        // between the two must not fail the whole offer.
        source = router_.find_producer(it->second);
        if (source && source->kind() != *kind) {
          result.status = 400;
          result.error = "track '" + it->second + "' is " + kind_name(source->kind()) +
                         " but m-section " + section.mid + " is " + section.kind;
          return result;
        }
      }
      if (!source && !request.stage && !virtual_track) {
        plan.mode = sdp::SectionPlan::Mode::kInactive;
        continue;
      }
      subscribed[i] = source;
      plan.mode = sdp::SectionPlan::Mode::kSend;
      std::uint32_t ssrc = random_u32();
      std::uint32_t rtx_ssrc = random_u32();
      if (auto it = consumers_.find(section.mid); it != consumers_.end()) {
        ssrc = it->second->ssrc();
        rtx_ssrc = it->second->rtx_ssrc();
      }
      sdp::LocalSender sender;
      sender.ssrc = ssrc;
      sender.rtx_ssrc = rtx_ssrc;
      sender.cname = "podium";
      if (virtual_track) {
        // msid ids are tokens (RFC 8830 §2): no ':'.
        std::string id = follows[i];
        std::replace(id.begin(), id.end(), ':', '-');
        sender.stream_id = request.stage ? "stage" : "interpretation";
        sender.track_id = id;
      } else {
        sender.stream_id = source ? source->participant_id() : "stage";
        sender.track_id = source ? source->id() : std::string("stage-") + section.kind;
      }
      plan.sender = sender;
      if (virtual_track) {
        plan.codec_names = {"opus"};
      } else if (source) {
        plan.codec_names = {source->codec().name};
        const RtpCodecParameters& forwarded = source->codec();
        plan.forwarded_codec = sdp::Codec{static_cast<std::uint8_t>(forwarded.payload_type),
                                          forwarded.name,
                                          static_cast<std::uint32_t>(forwarded.clock_rate),
                                          static_cast<std::uint16_t>(forwarded.channels),
                                          forwarded.fmtp,
                                          {}};
      } else {
        // The stage may later carry any publisher; offer what publishers are asked for.
        plan.codec_names = {*kind == MediaKind::kAudio ? "opus" : "VP8"};
      }
      continue;
    }
    plan.mode = sdp::SectionPlan::Mode::kInactive;
  }

  sdp::AnswerOptions options;
  options.ice_ufrag = transport_->local_ufrag();
  options.ice_pwd = transport_->local_password();
  options.fingerprint_sha256 = worker_.certificate().fingerprint_sha256();
  options.candidates = worker_.candidates();
  options.session_id = session_id_;
  options.session_version = ++answer_version_;
  auto built = sdp::build_answer(offer, plans, options);
  if (!built) {
    result.status = 400;
    result.error = built.error();
    return result;
  }
  const sdp::SessionDescription& answer = *built;

  // The transport's remote parameters (every bundled section shares them).
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    if (answer.media[i].port == 0) continue;
    auto ice = sdp::effective_ice(offer.media[i], offer);
    auto fingerprint = sdp::effective_fingerprint(offer.media[i], offer);
    if (!fingerprint) {
      result.status = 400;
      result.error = "m-section " + std::to_string(i) + ": no a=fingerprint";
      return result;
    }
    transport_->set_remote_parameters(ice.ufrag, ice.pwd, fingerprint->algorithm, fingerprint->value);
    break;
  }

  // Apply: producers and consumers follow the answer.
  mid_extension_ids_.clear();
  std::vector<std::string> seen_mids;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const auto& offered = offer.media[i];
    const auto& answered = answer.media[i];
    const std::string& mid = offered.mid;
    seen_mids.push_back(mid);
    auto kind = kind_of(offered);
    bool active = answered.port != 0 && answered.direction != sdp::Direction::kInactive &&
                  !answered.codecs.empty() && kind;
    auto extensions = extension_map(answered, answer);
    if (auto id = extensions.id(rtp::ExtensionKind::kMid);
        id && std::find(mid_extension_ids_.begin(), mid_extension_ids_.end(), id) == mid_extension_ids_.end())
      mid_extension_ids_.push_back(id);

    bool receives = active && answered.direction == sdp::Direction::kRecvOnly;
    if (auto id = extensions.id(rtp::ExtensionKind::kTransportWideCc); id && receives)
      transport_cc_id_ = id;
    bool sends = active && answered.direction == sdp::Direction::kSendOnly;

    if (!receives) remove_producer(mid, now, result.removed_track_ids);
    if (!sends) remove_consumer(mid);

    if (receives && !producers_.count(mid)) {
      auto producer = std::make_unique<Producer>(worker_.next_track_id(), mid, *kind,
                                                 codec_parameters(answered.codecs.front()),
                                                 extensions, *this, router_.next_sequence());
      producer->set_fanout_batch(&worker_.fanout_batch());
      std::vector<int> types;
      for (const auto& c : answered.codecs) {
        if (!sdp::is_rtx(c)) {
          types.push_back(c.payload_type);
        } else if (auto apt = sdp::fmtp_parameter(c.fmtp, "apt")) {
          producer->add_rtx_payload_type(c.payload_type, std::atoi(apt->c_str()));
        }
      }
      producer->set_payload_types(std::move(types));
      if (*kind == MediaKind::kVideo) producer->set_simulcast(simulcast_rids(answered, offered));
      if (*kind == MediaKind::kVideo && has_feedback(answered.codecs.front(), "nack"))
        producer->enable_nack();
      if (rtt_) producer->set_round_trip_time(*rtt_);
      // A simulcast section's SSRCs are learned from the rid of each stream's packets.
      if (auto ssrc = primary_ssrc(offered); ssrc && !producer->is_simulcast()) {
        producer->set_ssrc(*ssrc);
        producer_by_ssrc_[*ssrc] = producer.get();
        if (auto rtx = rtx_ssrc_of(offered, *ssrc)) {
          producer->set_rtx_ssrc(*rtx);
          producer_by_rtx_ssrc_[*rtx] = producer.get();
        }
      }
      log::info("sfu", "conference {}: {} publishes {} track {} ({}, mid {})", router_.conference(),
                participant_id(), kind_name(*kind), producer->id(), producer->codec().name, mid);
      result.published.push_back(
          TrackInfo{producer->id(), participant_id(), kind_name(*kind), mid});
      router_.add_producer(*producer, now);
      worker_.counters().producers.add();
      producers_[mid] = std::move(producer);
    }

    if (sends) {
      Producer* source = subscribed[i];
      auto it = consumers_.find(mid);
      if (it == consumers_.end()) {
        auto consumer = std::make_unique<Consumer>(mid, *kind, plans[i].sender->ssrc,
                                                   answered.codecs.front().payload_type, extensions,
                                                   *this);
        consumer->set_codec(codec_parameters(answered.codecs.front()));
        consumer_by_ssrc_[consumer->ssrc()] = consumer.get();
        worker_.counters().consumers.add();
        it = consumers_.emplace(mid, std::move(consumer)).first;
        if (request.stage && follows[i].empty()) router_.add_stage_consumer(*it->second, now);
      }
      Consumer& consumer = *it->second;
      if (!follows[i].empty()) {
        if (consumer.follows_track != follows[i]) router_.add_virtual_consumer(consumer, follows[i], now);
      } else if (!consumer.follows_track.empty()) {
        router_.remove_stage_consumer(consumer);  // no longer a virtual track
      }
      const auto& primary = answered.codecs.front();
      it->second->set_rtx(plans[i].sender->rtx_ssrc,
                          sdp::rtx_payload_type_for(answered, primary.payload_type));
      if (!consumer.follows_stage && consumer.follows_track.empty() && consumer.source() != source)
        it->second->set_source(source, now);
    }
  }
  // Mids no longer in the offer (an m-section recycled under a new mid, RFC 8829 §5.2.2).
  auto gone = [&](const std::string& mid) {
    return std::find(seen_mids.begin(), seen_mids.end(), mid) == seen_mids.end();
  };
  std::vector<std::string> stale;
  for (auto& [mid, producer] : producers_)
    if (gone(mid)) stale.push_back(mid);
  for (auto& mid : stale) remove_producer(mid, now, result.removed_track_ids);
  stale.clear();
  for (auto& [mid, consumer] : consumers_)
    if (gone(mid)) stale.push_back(mid);
  for (auto& mid : stale) remove_consumer(mid);

  result.ok = true;
  result.sdp_answer = sdp::write(answer);
  return result;
}

void Peer::remove_producer(const std::string& mid, TimePoint now, std::vector<std::string>& removed) {
  auto it = producers_.find(mid);
  if (it == producers_.end()) return;
  Producer& producer = *it->second;
  log::info("sfu", "conference {}: track {} of {} ended", router_.conference(), producer.id(),
            participant_id());
  removed.push_back(producer.id());
  router_.remove_producer(producer, now);
  std::erase_if(producer_by_ssrc_, [&](const auto& e) { return e.second == &producer; });
  std::erase_if(producer_by_rtx_ssrc_, [&](const auto& e) { return e.second == &producer; });
  worker_.counters().producers.sub();
  producers_.erase(it);
}

void Peer::remove_consumer(const std::string& mid) {
  auto it = consumers_.find(mid);
  if (it == consumers_.end()) return;
  Consumer& consumer = *it->second;
  if (consumer.follows_stage || !consumer.follows_track.empty()) router_.remove_stage_consumer(consumer);
  consumer_by_ssrc_.erase(consumer.ssrc());
  worker_.counters().consumers.sub();
  consumers_.erase(it);  // the destructor detaches it from its source
}

std::vector<std::string> Peer::close_media(TimePoint now) {
  std::vector<std::string> removed;
  while (!consumers_.empty()) remove_consumer(consumers_.begin()->first);
  while (!producers_.empty()) remove_producer(producers_.begin()->first, now, removed);
  transport_->close("session closed");
  return removed;
}

void Peer::on_transport_connected(webrtc::Transport&) {
  auto now = worker_.loop().now();
  for (auto& [mid, consumer] : consumers_) consumer->request_keyframe(now);
}

// RFC 8843 §9.2: an unknown SSRC is matched to its m-section by the MID header
// extension, or else by a payload type that only one section uses.
Producer* Peer::producer_for_packet(const rtp::RtpPacket& packet) {
  std::uint32_t ssrc = packet.ssrc();
  if (auto it = producer_by_ssrc_.find(ssrc); it != producer_by_ssrc_.end()) return it->second;
  Producer* match = nullptr;
  for (std::uint8_t id : mid_extension_ids_) {
    if (auto value = packet.extension(id)) {
      std::string mid(reinterpret_cast<const char*>(value->data()), value->size());
      if (auto it = producers_.find(mid); it != producers_.end()) match = it->second.get();
      break;
    }
  }
  if (!match) {
    for (auto& [mid, producer] : producers_) {
      if (!producer->accepts_payload_type(packet.payload_type())) continue;
      if (match) return nullptr;  // ambiguous
      match = producer.get();
    }
  }
  if (!match) return nullptr;
  int layer = 0;
  if (match->is_simulcast()) {
    // RFC 8852 §3: the RtpStreamId names the simulcast stream this SSRC carries.
    auto id = match->extensions().id(rtp::ExtensionKind::kRtpStreamId);
    auto value = id ? packet.extension(id) : std::nullopt;
    auto rid = value ? rtp::parse_sdes_text(*value) : std::nullopt;
    auto found = rid ? match->layer_of_rid(*rid) : std::nullopt;
    if (!found) return nullptr;
    layer = *found;
  }
  if (match->ssrc(layer)) return nullptr;
  match->set_ssrc(ssrc, layer);
  producer_by_ssrc_[ssrc] = match;
  return match;
}

Producer* Peer::rtx_producer_for_packet(const rtp::RtpPacket& packet) {
  if (auto it = producer_by_rtx_ssrc_.find(packet.ssrc()); it != producer_by_rtx_ssrc_.end())
    return it->second;
  if (producer_by_ssrc_.count(packet.ssrc())) return nullptr;
  Producer* match = nullptr;
  for (auto& [mid, producer] : producers_) {
    if (!producer->rtx_original_payload_type(packet.payload_type())) continue;
    if (match) {  // the same RTX payload type in several sections: ask the MID
      match = nullptr;
      for (std::uint8_t id : mid_extension_ids_) {
        if (auto value = packet.extension(id)) {
          auto it = producers_.find(std::string(as_string_view(*value)));
          if (it != producers_.end() && it->second->rtx_original_payload_type(packet.payload_type()))
            match = it->second.get();
          break;
        }
      }
      break;
    }
    match = producer.get();
  }
  // Without an FID group in the SDP (e.g. rid-based offers), the first RTX packet tells
  // the RTX SSRC; a simulcast stream's RTX names its stream by RepairedRtpStreamId
  // (RFC 8852 §3).
  if (!match) return nullptr;
  int layer = 0;
  if (match->is_simulcast()) {
    auto id = match->extensions().id(rtp::ExtensionKind::kRepairedRtpStreamId);
    auto value = id ? packet.extension(id) : std::nullopt;
    auto rid = value ? rtp::parse_sdes_text(*value) : std::nullopt;
    auto found = rid ? match->layer_of_rid(*rid) : std::nullopt;
    if (!found) return nullptr;
    layer = *found;
  }
  if (match->rtx_ssrc(layer)) return nullptr;
  match->set_rtx_ssrc(packet.ssrc(), layer);
  producer_by_rtx_ssrc_[packet.ssrc()] = match;
  return match;
}

// RFC 4588 §4: an RTX payload is the original sequence number (OSN) followed by the
// original payload. The original packet is rebuilt in place: the header moves two bytes
// forward over the OSN and gets the media SSRC, OSN and original payload type.
void Peer::on_rtx(Producer& producer, MutableBytes data, const rtp::RtpPacket& packet, TimePoint now) {
  worker_.counters().rtx_packets_in.add();
  auto original_type = producer.rtx_original_payload_type(packet.payload_type());
  // An empty RTX payload is padding sent to probe bandwidth (RFC 4588 §4 allows it).
  auto layer = producer.layer_of_rtx_ssrc(packet.ssrc()).value_or(0);
  if (!original_type || !producer.ssrc(layer) || packet.payload_size() < 2) return;
  std::uint16_t osn = load_u16(packet.payload().data());
  std::size_t header = packet.header_size();
  std::memmove(data.data() + 2, data.data(), header);
  auto original = rtp::RtpPacket::parse(data.subspan(2));
  if (!original) {
    worker_.counters().drop(webrtc::DropReason::kMalformedRtp);
    return;
  }
  original->set_sequence_number(osn);
  original->set_ssrc(*producer.ssrc(layer));
  original->set_payload_type(static_cast<std::uint8_t>(*original_type));
  producer.forward(*original, now, /*repaired=*/true);
}

void Peer::on_rtp(webrtc::Transport&, MutableBytes data, TimePoint now) {
  auto packet = rtp::RtpPacket::parse(data);
  if (!packet) {
    worker_.counters().drop(webrtc::DropReason::kMalformedRtp);
    return;
  }
  if (transport_cc_id_) record_arrival(*packet, now);
  if (Producer* repaired = rtx_producer_for_packet(*packet)) {
    on_rtx(*repaired, data, *packet, now);
    return;
  }
  Producer* producer = producer_for_packet(*packet);
  if (!producer || !producer->accepts_payload_type(packet->payload_type())) {
    worker_.counters().drop(webrtc::DropReason::kUnknownSsrc);
    return;
  }
  worker_.counters().rtp_packets_in.add();
  worker_.counters().rtp_bytes_in.add(data.size());
  producer->forward(*packet, now);
}

void Peer::on_rtcp(webrtc::Transport&, Bytes data, TimePoint now) {
  bool valid = rtp::for_each_rtcp_packet(data, [&](const rtp::RtcpPacket& packet) {
    switch (packet.type()) {
      case rtp::RtcpType::kSenderReport:
        if (auto sr = rtp::SenderReport::parse(packet)) {
          if (auto it = producer_by_ssrc_.find(sr->ssrc()); it != producer_by_ssrc_.end())
            it->second->on_sender_report(sr->ssrc(), sr->ntp_timestamp(), now);
          for (std::size_t i = 0; i < sr->report_count(); ++i) on_report_block(sr->report_block(i));
        }
        break;
      case rtp::RtcpType::kReceiverReport:
        if (auto rr = rtp::ReceiverReport::parse(packet))
          for (std::size_t i = 0; i < rr->report_count(); ++i) on_report_block(rr->report_block(i));
        break;
      case rtp::RtcpType::kPayloadFeedback:
        log::debug("sfu", "PSFB fmt {} from {}", packet.fmt(), participant_id());
        // A subscriber lost its picture: ask the publisher of what it receives.
        if (packet.fmt() == rtp::kFmtPli) {
          if (auto pli = rtp::Pli::parse(packet)) request_keyframe_for(pli->media_ssrc(), now);
        } else if (packet.fmt() == rtp::kFmtFir) {
          if (auto fir = rtp::Fir::parse(packet))
            for (std::size_t i = 0; i < fir->entry_count(); ++i)
              request_keyframe_for(fir->entry(i).ssrc, now);
        } else if (packet.fmt() == rtp::kFmtAfb) {
          on_remb(packet, now);
        }
        break;
      case rtp::RtcpType::kRtpFeedback:
        // A subscriber lost packets: resend them from the source's buffer.
        if (packet.fmt() == rtp::kFmtNack) {
          if (auto nack = rtp::Nack::parse(packet)) {
            worker_.counters().nacks_received.add();
            if (auto it = consumer_by_ssrc_.find(nack->media_ssrc()); it != consumer_by_ssrc_.end())
              it->second->on_nack(*nack, now);
          }
        } else if (packet.fmt() == rtp::kFmtTransportCc) {
          on_transport_feedback(packet, now);
        }
        break;
      default:
        break;  // RR, SDES, BYE, REMB, transport-cc: used by later features
    }
  });
  if (!valid) worker_.counters().drop(webrtc::DropReason::kMalformedRtcp);
}

// RFC 3550 §6.4.1: round trip = arrival of the report (middle 32 bits of NTP) - LSR -
// DLSR, in 1/65536 s, for a block about one of our consumers' streams. Smoothed like
// TCP's SRTT (RFC 6298 §2, gain 1/8); the producers NACK again after it.
void Peer::on_report_block(const rtp::ReportBlock& block) {
  if (block.last_sr == 0 || !consumer_by_ssrc_.contains(block.ssrc)) return;
  auto arrival = static_cast<std::uint32_t>(ntp_now() >> 16);
  std::uint32_t units = arrival - block.last_sr - block.delay_since_last_sr;
  if (units > 10 * 65536) return;  // negative (clock step, bogus DLSR) or absurd
  Duration sample{static_cast<std::int64_t>(units) * 1'000'000 / 65536};
  if (!rtt_)
    log::info("sfu", "{}: first round trip {} ms", participant_id(), sample.count() / 1000);
  rtt_ = rtt_ ? (*rtt_ * 7 + sample) / 8 : sample;
  for (auto& [mid, producer] : producers_) producer->set_round_trip_time(*rtt_);
}

void Peer::on_tick(TimePoint now) {
  for (auto& [mid, producer] : producers_) producer->on_tick(now);
  if (probe_.id || probe_controller_.limited()) run_probe(now);
}

bool Peer::needs_short_tick() const {
  return !transport_->connected() || !producers_.empty() || probe_.id || probe_controller_.limited();
}

void Peer::want_short_tick() {
  if (on_short_tick_list_ || !needs_short_tick()) return;
  on_short_tick_list_ = true;
  worker_.add_short_tick(id_);
}

bool Peer::keep_short_tick() {
  on_short_tick_list_ = needs_short_tick();
  return on_short_tick_list_;
}

void Peer::request_keyframe_for(std::uint32_t consumer_ssrc, TimePoint now) {
  if (auto it = consumer_by_ssrc_.find(consumer_ssrc); it != consumer_by_ssrc_.end())
    it->second->request_keyframe(now);
}

void Peer::on_transport_closed(webrtc::Transport&, std::string_view reason) {
  worker_.session_failed(id_);
}

void Peer::send_keyframe_request(const Producer& producer, std::uint32_t media_ssrc) {
  if (!transport_->connected()) return;
  std::uint8_t buffer[64];
  std::size_t length = rtp::write_pli(buffer, sizeof buffer, rtcp_ssrc_, media_ssrc);
  if (length) transport_->send_rtcp(Bytes(buffer, length));
  worker_.counters().keyframe_requests.add();
  log::debug("sfu", "PLI to {} for track {}", participant_id(), producer.id());
}

webrtc::MediaCounters& Peer::counters() { return worker_.counters(); }
bool Peer::worker_behind() const { return worker_.behind(); }

Consumer* Peer::consumer(const std::string& mid) {
  auto it = consumers_.find(mid);
  return it == consumers_.end() ? nullptr : it->second.get();
}

void Peer::send_nack(const Producer&, std::uint32_t media_ssrc,
                     std::span<const std::uint16_t> sequence_numbers) {
  if (!transport_->connected()) return;
  std::uint8_t buffer[1200];
  std::size_t length =
      rtp::write_nack(buffer, sizeof buffer, rtcp_ssrc_, media_ssrc, sequence_numbers);
  if (length == 0) return;
  transport_->send_rtcp(Bytes(buffer, length));
  worker_.counters().nacks_sent.add();
}

void Peer::schedule_reports(Duration mean) {
  auto delay = rtp::randomized_report_interval(mean, random_u32());
  report_timer_ = worker_.loop().add_timer(delay, [this] {
    send_reports(worker_.loop().now());
    schedule_reports(kReportInterval);
  });
}

void Peer::send_reports(TimePoint now) {
  if (!transport_->connected()) return;
  // RFC 3550 §6.1 and RFC 8108 §5.3: a compound packet starts with a report, may carry
  // reports from several of our SSRCs, and ends with an SDES packet holding each one's
  // CNAME. Reports that do not fit in one datagram start another compound.
  constexpr std::size_t kCompoundBudget = 1100;  // leaves room for the SRTCP trailer
  constexpr std::size_t kCnameChunk = 16;         // SSRC, type, length, "podium", nulls
  std::uint8_t buffer[kCompoundBudget];
  std::array<std::uint32_t, 31> ssrcs;            // an SDES packet holds 31 chunks
  std::size_t count = 0;
  std::size_t length = 0;
  auto flush = [&] {
    if (count == 0) return;
    std::size_t sdes = rtp::write_sdes_cnames(buffer + length, sizeof buffer - length,
                                              std::span(ssrcs).first(count), "podium");
    if (sdes) transport_->send_rtcp(Bytes(buffer, length + sdes));
    count = 0;
    length = 0;
  };
  // Receiver reports for what this peer publishes (RFC 3550 §6.4.2).
  std::vector<rtp::ReportBlock> blocks;
  for (auto& [mid, producer] : producers_) {
    producer->append_report_blocks(now, blocks);
    if (blocks.size() >= 31) {  // RC is five bits
      blocks.resize(31);
      break;
    }
  }
  if (!blocks.empty()) {
    length = rtp::write_receiver_report(buffer, sizeof buffer - kCnameChunk, rtcp_ssrc_, blocks);
    if (length) ssrcs[count++] = rtcp_ssrc_;
  }
  // Sender reports for what it receives from us (RFC 3550 §6.4.1).
  constexpr std::size_t kSenderReport = 28;  // header, SSRC, sender info; no blocks
  for (auto& [mid, consumer] : consumers_) {
    consumer->update_layers(now);  // a simulcast stream may have stopped or started
    if (count == ssrcs.size() ||
        length + kSenderReport + (count + 1) * kCnameChunk > sizeof buffer)
      flush();
    std::size_t written = consumer->write_sender_report(buffer + length, sizeof buffer - length, now);
    if (written == 0) continue;
    length += written;
    ssrcs[count++] = consumer->ssrc();
  }
  flush();
}

}  // namespace podium::sfu
