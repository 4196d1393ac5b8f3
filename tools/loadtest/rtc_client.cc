#include "tools/loadtest/rtc_client.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "ice/ice_lite_server.h"
#include "rtp/codec.h"
#include "rtp/payload_descriptors.h"
#include "rtp/rtcp_packet.h"
#include "rtp/rtcp_writer.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "rtp/vp8_packetizer.h"
#include "sdp/session_description.h"
#include "webrtc/srtp_profile.h"

namespace podium::loadtest {
namespace {

// Our a=extmap ids (RFC 8285 §5) and payload types; the server answers with its own
// choice of the offered ones, which for extensions are these.
constexpr std::uint8_t kAudioLevelId = 1;
constexpr std::uint8_t kAbsSendTimeId = 2;
constexpr std::uint8_t kTransportCcId = 3;
constexpr std::uint8_t kMidId = 4;
constexpr std::uint8_t kRtpStreamIdId = 10;
constexpr std::uint8_t kOpusPayloadType = 111;
constexpr std::uint8_t kVp8PayloadType = 96;
constexpr Duration kReportInterval{1'000'000};
// libwebrtc's receiver sends transport-cc feedback every 100 ms by default.
constexpr Duration kTransportFeedbackInterval{100'000};

// An a=extmap id the sender may use, from an SDP that names `uri`.
std::uint8_t agreed_id(const sdp::MediaDescription& section, std::string_view uri) {
  auto id = section.extmap_id(uri);
  return id && *id >= 1 && *id <= 255 ? static_cast<std::uint8_t>(*id) : 0;
}

std::uint32_t random_u32() {
  std::uint32_t value = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return value | 1;  // never 0
}

std::uint64_t random_u64() { return (std::uint64_t{random_u32()} << 32) | random_u32(); }

ice::TransportAddress to_ice(const net::Endpoint& endpoint) {
  ice::TransportAddress address{};
  auto ip = endpoint.ip_bytes();
  address.family = ip.size() == 4 ? 4 : 6;
  std::memcpy(address.ip.data(), ip.data(), ip.size());
  address.port = endpoint.port();
  return address;
}

net::Endpoint to_endpoint(const ice::TransportAddress& address) {
  auto endpoint = net::Endpoint::from_ip(Bytes(address.ip.data(), address.family == 4 ? 4 : 16), address.port);
  return endpoint ? *endpoint : net::Endpoint{};
}

net::UdpSocket bind_socket(const std::string& address) {
  auto endpoint = net::Endpoint::parse(address.find(':') != std::string::npos ? "[" + address + "]:0"
                                                                               : address + ":0");
  if (!endpoint) throw std::runtime_error("bad local address " + address);
  auto socket = net::UdpSocket::bind(*endpoint);
  if (!socket) throw std::runtime_error("cannot bind a UDP socket: " + socket.error());
  return std::move(*socket);
}

}  // namespace

std::uint64_t SendTimes::fingerprint(Bytes media) {
  // FNV-1a over the length, the first 48 and the last 16 bytes: cheap, and enough to
  // tell the packets of one loop apart.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&](std::uint8_t byte) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  };
  for (int shift = 0; shift < 16; shift += 8) mix(static_cast<std::uint8_t>(media.size() >> shift));
  std::size_t head = std::min<std::size_t>(media.size(), 48);
  for (std::size_t i = 0; i < head; ++i) mix(media[i]);
  for (std::size_t i = std::max(head, media.size() >= 16 ? media.size() - 16 : 0); i < media.size(); ++i)
    mix(media[i]);
  return hash;
}

std::optional<TimePoint> SendTimes::find(std::uint64_t fingerprint) const {
  auto it = sent_.find(fingerprint);
  if (it == sent_.end()) return std::nullopt;
  return it->second;
}

RtcClient::RtcClient(net::EventLoop& loop, const dtls::Certificate& certificate,
                     const MediaLibrary& media, Options options)
    : loop_(loop),
      media_(media),
      options_(options),
      socket_(bind_socket(options.local_address)),
      ufrag_(ice::IceLiteServer::random_ufrag()),
      pwd_(ice::IceLiteServer::random_password()),
      ice_(ufrag_, pwd_, random_u64()),
      certificate_(&certificate),
      rtcp_ssrc_(random_u32()) {
  nack_scratch_.reserve(rtp::NackGenerator::kMaxMissing);
  loop_.watch_readable(socket_.fd(), [this] { on_readable(); });
}

RtcClient::~RtcClient() { loop_.unwatch(socket_.fd()); }

std::string RtcClient::add_send_section(const std::string& kind) {
  Section section{std::to_string(sections_.size()), kind, true, {}};
  if (kind == "audio") {
    audio_mid_ = section.mid;
    audio_ssrc_ = random_u32();
    audio_sequence_ = static_cast<std::uint16_t>(random_u32());  // RFC 3550 §5.1: random starts
    audio_timestamp_ = random_u32();
  } else {
    video_mid_ = section.mid;
    video_timestamp_ = random_u32();
    std::size_t first = options_.simulcast ? 0 : media_.video.size() - 1;
    for (std::size_t i = first; i < media_.video.size(); ++i) {
      VideoStream stream;
      stream.ssrc = random_u32();
      stream.sequence = static_cast<std::uint16_t>(random_u32());
      stream.picture_id = static_cast<std::uint16_t>(random_u32() & 0x7FFF);
      video_.push_back(stream);
      sent_.push_back(std::make_unique<std::array<SentPacket, 256>>());
    }
  }
  sections_.push_back(section);
  return section.mid;
}

std::string RtcClient::add_receive_section(const std::string& kind, const std::string& track_id) {
  Section section{std::to_string(sections_.size()), kind, false, track_id};
  sections_.push_back(section);
  ReceivedTrack track;
  track.mid = section.mid;
  track.track_id = track_id;
  track.kind = kind;
  received_.push_back(std::move(track));
  return section.mid;
}

std::string RtcClient::make_offer() const {
  std::string bundle = "a=group:BUNDLE";
  for (const auto& s : sections_) bundle += " " + s.mid;
  std::string sdp = fmt::format(
      "v=0\r\no=- {} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{}\r\na=msid-semantic: WMS loadtest\r\n",
      rtcp_ssrc_, bundle);
  const auto local = socket_.local_endpoint();
  for (const auto& s : sections_) {
    bool audio = s.kind == "audio";
    sdp += fmt::format("m={} {} UDP/TLS/RTP/SAVPF {}\r\nc=IN IP4 {}\r\na=rtcp:9 IN IP4 0.0.0.0\r\n", s.kind,
                       local.port(), audio ? kOpusPayloadType : kVp8PayloadType,
                       local.to_string().substr(0, local.to_string().rfind(':')));
    sdp += fmt::format("a=ice-ufrag:{}\r\na=ice-pwd:{}\r\n", ufrag_, pwd_);
    sdp += fmt::format("a=fingerprint:sha-256 {}\r\na=setup:actpass\r\na=mid:{}\r\n",
                       certificate_->fingerprint_sha256(), s.mid);
    // RFC 8839 §5.1: our one host candidate, so that a full ICE peer can check us too.
    sdp += fmt::format("a=candidate:1 1 udp 2130706431 {} {} typ host\r\na=end-of-candidates\r\n",
                       local.to_string().substr(0, local.to_string().rfind(':')), local.port());
    sdp += fmt::format("a=extmap:{} urn:ietf:params:rtp-hdrext:sdes:mid\r\n", kMidId);
    if (options_.transport_cc) {
      sdp += fmt::format("a=extmap:{} {}\r\na=extmap:{} {}\r\n", kAbsSendTimeId, rtp::uri::kAbsSendTime,
                         kTransportCcId, rtp::uri::kTransportWideCc);
    }
    if (audio)
      sdp += fmt::format("a=extmap:{} urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n", kAudioLevelId);
    bool simulcast = !audio && s.send && video_.size() > 1;
    if (simulcast)
      sdp += fmt::format("a=extmap:{} urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", kRtpStreamIdId);
    sdp += fmt::format("a={}\r\na=rtcp-mux\r\na=rtcp-rsize\r\n", s.send ? "sendonly" : "recvonly");
    if (audio) {
      sdp += fmt::format("a=rtpmap:{0} opus/48000/2\r\na=fmtp:{0} minptime=10;useinbandfec=1\r\n",
                         kOpusPayloadType);
    } else {
      sdp += fmt::format(
          "a=rtpmap:{0} VP8/90000\r\na=rtcp-fb:{0} goog-remb\r\na=rtcp-fb:{0} nack\r\n"
          "a=rtcp-fb:{0} nack pli\r\na=rtcp-fb:{0} ccm fir\r\n",
          kVp8PayloadType);
    }
    if (options_.transport_cc)
      sdp += fmt::format("a=rtcp-fb:{} transport-cc\r\n", audio ? kOpusPayloadType : kVp8PayloadType);
    if (!s.send) continue;
    sdp += fmt::format("a=msid:loadtest track-{}\r\n", s.mid);
    if (audio) {
      sdp += fmt::format("a=ssrc:{} cname:loadtest\r\n", audio_ssrc_);
    } else if (simulcast) {
      // RFC 8853 §5.1: one rid per layer, listed low to high.
      std::string list;
      std::size_t first = media_.video.size() - video_.size();
      for (std::size_t i = first; i < media_.video.size(); ++i) {
        sdp += fmt::format("a=rid:{} send\r\n", media_.video[i].spec.rid);
        list += (list.empty() ? "" : ";") + media_.video[i].spec.rid;
      }
      sdp += "a=simulcast:send " + list + "\r\n";
    } else {
      sdp += fmt::format("a=ssrc:{} cname:loadtest\r\n", video_.front().ssrc);
    }
  }
  return sdp;
}

std::string RtcClient::apply_answer(const std::string& text) {
  auto answer = sdp::parse(text);
  if (!answer) return "unparsable answer: " + answer.error();
  bool have_transport = false;
  for (const auto& section : answer->media) {
    auto ours = std::find_if(received_.begin(), received_.end(),
                             [&](const ReceivedTrack& t) { return t.mid == section.mid; });
    if (ours != received_.end()) {
      bool inactive = section.port == 0 || section.direction == sdp::Direction::kInactive;
      ours->answered_inactive = inactive;
      if (!inactive && !section.ssrcs.empty()) {
        // RFC 4588 FID groups list the media SSRC first.
        std::uint32_t ssrc = section.ssrc_groups.empty() ? section.ssrcs.front().ssrc
                                                         : section.ssrc_groups.front().ssrcs.front();
        if (ours->ssrc != ssrc) {
          if (ours->ssrc) received_by_ssrc_.erase(ours->ssrc);
          ours->ssrc = ssrc;
          ours->statistics.emplace(ssrc, ours->kind == "audio" ? 48000 : 90000, 0);
          received_by_ssrc_[ssrc] = static_cast<std::size_t>(ours - received_.begin());
        }
      }
    }
    if (section.port == 0) continue;
    // RFC 8843 §9.1: one id per extension across the BUNDLE group.
    if (options_.transport_cc && !transport_cc_id_) {
      transport_cc_id_ = agreed_id(section, rtp::uri::kTransportWideCc);
      abs_send_time_id_ = agreed_id(section, rtp::uri::kAbsSendTime);
    }
    if (have_transport) continue;
    have_transport = true;
    auto ice = sdp::effective_ice(section, *answer);
    auto fingerprint = sdp::effective_fingerprint(section, *answer);
    if (ice.ufrag.empty() || ice.pwd.empty()) return "answer without ICE credentials";
    if (!fingerprint) return "answer without a fingerprint";
    ice_.set_remote_credentials(ice.ufrag, ice.pwd);
    for (const auto& candidate : section.candidates) {
      if (candidate.transport != "udp" && candidate.transport != "UDP") continue;
      auto address = ice::TransportAddress::parse(
          candidate.address.find(':') != std::string::npos
              ? fmt::format("[{}]:{}", candidate.address, candidate.port)
              : fmt::format("{}:{}", candidate.address, candidate.port));
      if (address) ice_.add_remote_candidate(*address, candidate.priority);
    }
    if (!started_) {
      remote_fingerprint_ = fingerprint->value;
      // RFC 5763 §5: the answerer's a=setup decides; active there makes us the server.
      auto setup = sdp::effective_setup(section, *answer);
      auto role = setup == sdp::Setup::kActive ? dtls::DtlsTransport::Role::kServer
                                               : dtls::DtlsTransport::Role::kClient;
      dtls_.emplace(*certificate_, role);
      dtls_->set_remote_fingerprint(fingerprint->algorithm, fingerprint->value);
    }
  }
  if (!have_transport) return "answer rejected every section";
  if (!started_) {
    started_ = true;
    TimePoint now = loop_.now();
    ice_.start(now);
    tick(now);
  }
  return {};
}

std::string RtcClient::apply_offer(const std::string& text, const std::map<std::string, std::string>& tracks,
                                   std::string& answer) {
  auto offer = sdp::parse(text);
  if (!offer) return "unparsable offer: " + offer.error();
  if (started_) return "renegotiation of a server offer is not supported";
  const auto local = socket_.local_endpoint();
  const std::string address = local.to_string().substr(0, local.to_string().rfind(':'));
  std::string bundle;
  std::string sections;
  bool have_transport = false;
  for (const auto& m : offer->media) {
    std::optional<std::uint8_t> payload_type;
    std::string rtpmap;
    for (const auto& codec : m.codecs) {
      bool wanted = (m.kind == "audio" && rtp::codec_from_name(codec.name) == rtp::Codec::kOpus) ||
                    (m.kind == "video" && rtp::codec_from_name(codec.name) == rtp::Codec::kVp8);
      if (!wanted) continue;
      payload_type = codec.payload_type;
      rtpmap = fmt::format("{}/{}{}", codec.name, codec.clock_rate,
                           codec.channels ? fmt::format("/{}", codec.channels) : "");
      break;
    }
    if (m.port == 0 || !payload_type || m.mid.empty()) {
      // RFC 3264 §6: a rejected stream keeps its m-line with port 0.
      sections += fmt::format("m={} 0 {} {}\r\nc=IN IP4 0.0.0.0\r\n{}a=inactive\r\n", m.kind, m.protocol,
                              m.formats.empty() ? "0" : m.formats.front(),
                              m.mid.empty() ? "" : "a=mid:" + m.mid + "\r\n");
      continue;
    }
    bundle += " " + m.mid;
    sections += fmt::format("m={} {} UDP/TLS/RTP/SAVPF {}\r\nc=IN IP4 {}\r\na=rtcp:9 IN IP4 0.0.0.0\r\n", m.kind,
                            local.port(), *payload_type, address);
    sections += fmt::format("a=ice-ufrag:{}\r\na=ice-pwd:{}\r\na=fingerprint:sha-256 {}\r\n", ufrag_, pwd_,
                            certificate_->fingerprint_sha256());
    // RFC 5763 §5: the answerer of an actpass offer picks active: we are the DTLS client.
    sections += fmt::format("a=setup:active\r\na=mid:{}\r\na=recvonly\r\na=rtcp-mux\r\n", m.mid);
    sections += fmt::format("a=candidate:1 1 udp 2130706431 {} {} typ host\r\na=end-of-candidates\r\n", address,
                            local.port());
    if (auto id = m.extmap_id("urn:ietf:params:rtp-hdrext:sdes:mid"))
      sections += fmt::format("a=extmap:{} urn:ietf:params:rtp-hdrext:sdes:mid\r\n", *id);
    std::uint8_t transport_cc = options_.transport_cc ? agreed_id(m, rtp::uri::kTransportWideCc) : 0;
    if (transport_cc) {
      if (std::uint8_t abs_send_time = agreed_id(m, rtp::uri::kAbsSendTime))
        sections += fmt::format("a=extmap:{} {}\r\n", abs_send_time, rtp::uri::kAbsSendTime);
      sections += fmt::format("a=extmap:{} {}\r\n", transport_cc, rtp::uri::kTransportWideCc);
      if (!transport_cc_id_) transport_cc_id_ = transport_cc;
    }
    sections += fmt::format("a=rtpmap:{} {}\r\n", *payload_type, rtpmap);
    if (m.kind == "video")
      sections += fmt::format("a=rtcp-fb:{0} nack\r\na=rtcp-fb:{0} nack pli\r\na=rtcp-fb:{0} goog-remb\r\n",
                              *payload_type);
    if (transport_cc) sections += fmt::format("a=rtcp-fb:{} transport-cc\r\n", *payload_type);
    ReceivedTrack track;
    track.mid = m.mid;
    auto named = tracks.find(m.mid);
    track.track_id = named != tracks.end() ? named->second : "mid:" + m.mid;
    track.kind = m.kind;
    if (!m.ssrcs.empty()) {
      track.ssrc = m.ssrc_groups.empty() ? m.ssrcs.front().ssrc : m.ssrc_groups.front().ssrcs.front();
      track.statistics.emplace(track.ssrc, m.kind == "audio" ? 48000 : 90000, 0);
      received_by_ssrc_[track.ssrc] = received_.size();
    }
    received_.push_back(std::move(track));
    sections_.push_back(Section{m.mid, m.kind, false, received_.back().track_id});
    if (have_transport) continue;
    have_transport = true;
    auto ice = sdp::effective_ice(m, *offer);
    auto fingerprint = sdp::effective_fingerprint(m, *offer);
    if (ice.ufrag.empty() || ice.pwd.empty()) return "offer without ICE credentials";
    if (!fingerprint) return "offer without a fingerprint";
    ice_.set_controlling(false);
    ice_.set_remote_credentials(ice.ufrag, ice.pwd);
    for (const auto& candidate : m.candidates) {
      if (candidate.transport != "udp" && candidate.transport != "UDP") continue;
      auto candidate_address = ice::TransportAddress::parse(
          candidate.address.find(':') != std::string::npos
              ? fmt::format("[{}]:{}", candidate.address, candidate.port)
              : fmt::format("{}:{}", candidate.address, candidate.port));
      if (candidate_address) ice_.add_remote_candidate(*candidate_address, candidate.priority);
    }
    remote_fingerprint_ = fingerprint->value;
    dtls_.emplace(*certificate_, dtls::DtlsTransport::Role::kClient);
    dtls_->set_remote_fingerprint(fingerprint->algorithm, fingerprint->value);
  }
  if (!have_transport) return "the offer has no audio or video we can receive";
  answer = fmt::format("v=0\r\no=- {} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE{}\r\n"
                       "a=msid-semantic: WMS\r\n{}",
                       rtcp_ssrc_, bundle, sections);
  started_ = true;
  TimePoint now = loop_.now();
  ice_.start(now);
  tick(now);
  return {};
}

void RtcClient::set_published_track(const std::string& mid, SendTimes* times) {
  if (mid == audio_mid_) audio_times_ = times;
  if (mid == video_mid_) video_times_ = times;
}

void RtcClient::fail(std::string reason) {
  if (failed_) return;
  failed_ = true;
  failure_ = std::move(reason);
}

void RtcClient::on_readable() {
  TimePoint now = loop_.now();
  auto batch = socket_.receive_batch();
  for (const auto& datagram : batch) handle_datagram(datagram.data, datagram.from, now);
}

void RtcClient::handle_datagram(MutableBytes datagram, const net::Endpoint& from, TimePoint now) {
  if (datagram.empty()) return;
  std::uint8_t first = datagram[0];
  // RFC 7983 §7: 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP.
  if (first <= 3) {
    ice_.handle_datagram(datagram, to_ice(from), now);
    bool was_connected = ice_.state() == ice::IceClientAgent::State::kConnected;
    tick(now);
    if (was_connected && ice_.selected()) server_ = to_endpoint(*ice_.selected());
    return;
  }
  if (first >= 20 && first <= 63) {
    if (!dtls_) return;
    dtls_->handle_datagram(datagram, now);
    on_dtls_output();
    return;
  }
  if (first < 128 || first > 191 || !srtp_in_) return;
  std::uint8_t type = datagram.size() > 1 ? datagram[1] : 0;
  if (type >= 192 && type <= 223) {  // RFC 5761 §4: RTCP packet types 192-223
    handle_rtcp(datagram, now);
  } else {
    handle_rtp(datagram, now);
  }
}

void RtcClient::on_dtls_output() {
  if (!dtls_) return;
  for (auto& d : dtls_->take_outgoing())
    if (server_.family() != AF_UNSPEC) socket_.send(d, server_);
  if (dtls_->state() == dtls::DtlsTransport::State::kFailed) return fail("DTLS: " + dtls_->failure_reason());
  if (dtls_->state() != dtls::DtlsTransport::State::kConnected || srtp_out_) return;
  auto keys = dtls_->srtp_keys();
  if (!keys) return fail("DTLS connected without SRTP keys");
  auto profile = webrtc::to_srtp_profile(keys->profile);
  auto in = srtp::SrtpSession::create(profile, keys->remote_key, keys->remote_salt, srtp::Direction::kInbound);
  auto out = srtp::SrtpSession::create(profile, keys->local_key, keys->local_salt, srtp::Direction::kOutbound);
  if (!in || !out) return fail("SRTP: cannot create sessions");
  srtp_in_.emplace(std::move(*in));
  srtp_out_.emplace(std::move(*out));
  connected_at_ = loop_.now();
}

ReceivedTrack* RtcClient::find_received(std::uint32_t ssrc, const std::optional<Bytes>& mid) {
  // A frame's packets come one after another: the last track found usually is the one.
  if (last_found_ < received_.size() && received_[last_found_].ssrc == ssrc && ssrc != 0)
    return &received_[last_found_];
  if (auto it = received_by_ssrc_.find(ssrc); it != received_by_ssrc_.end()) {
    last_found_ = it->second;
    return &received_[it->second];
  }
  if (!mid) return nullptr;
  // RFC 8843 §9.2: an SSRC not signaled yet is bound by its MID.
  auto text = as_string_view(*mid);
  for (std::size_t i = 0; i < received_.size(); ++i) {
    if (received_[i].mid != text) continue;
    received_[i].ssrc = ssrc;
    received_[i].statistics.emplace(ssrc, received_[i].kind == "audio" ? 48000 : 90000, 0);
    received_by_ssrc_[ssrc] = i;
    return &received_[i];
  }
  return nullptr;
}

void RtcClient::handle_rtp(MutableBytes datagram, TimePoint now) {
  auto length = srtp_in_->unprotect_rtp(datagram.data(), datagram.size());
  if (!length) {
    ++decrypt_failures_;
    return;
  }
  auto packet = rtp::RtpPacket::parse(MutableBytes(datagram.data(), *length));
  if (!packet) return;
  if (transport_cc_id_) {
    if (auto value = packet->extension(transport_cc_id_)) {
      if (auto sequence = rtp::parse_transport_sequence_number(*value)) arrivals_.on_packet(*sequence, now);
    }
  }
  ReceivedTrack* track = find_received(packet->ssrc(), packet->extension(kMidId));
  if (!track) return;
  Bytes payload = packet->payload();
  bool video = track->kind == "video";
  bool in_order = true;
  if (video) {
    auto reception = track->nack.on_packet(packet->sequence_number(), now);
    in_order = reception == rtp::NackGenerator::Reception::kInOrder;
    if (reception == rtp::NackGenerator::Reception::kDuplicate) return;
    if (reception == rtp::NackGenerator::Reception::kKeyframeNeeded) {
      std::uint8_t buffer[64 + srtp::kMaxRtcpTrailerLength];
      std::size_t n = rtp::write_pli(buffer, 64, rtcp_ssrc_, track->ssrc);
      send_rtcp(MutableBytes(buffer, sizeof buffer), n);
      ++track->plis_sent;
    }
  }
  if (track->statistics)
    track->statistics->on_packet(packet->sequence_number(), packet->timestamp(), now, payload.size());
  ++track->packets;
  track->bytes += payload.size();
  if (!track->first_packet_at) track->first_packet_at = now;
  Bytes media = payload;
  if (video) {
    if (rtp::is_keyframe(rtp::Codec::kVp8, payload)) {
      ++track->keyframes;
      if (!track->first_keyframe_at) track->first_keyframe_at = now;
    }
    auto descriptor = rtp::parse_vp8_descriptor(payload);
    if (!descriptor) return;
    media = payload.subspan(descriptor->size);
  }
  // A repaired packet's delay includes the repair: only first deliveries are sampled.
  if (in_order && track->send_times && ++delay_counter_ % options_.delay_sample_every == 0) {
    if (auto sent = track->send_times->find(SendTimes::fingerprint(media)); sent && *sent <= now)
      track->delays_us.push_back(static_cast<std::uint32_t>((now - *sent).count()));
  }
}

void RtcClient::handle_rtcp(MutableBytes datagram, TimePoint now) {
  auto length = srtp_in_->unprotect_rtcp(datagram.data(), datagram.size());
  if (!length) {
    ++decrypt_failures_;
    return;
  }
  rtp::for_each_rtcp_packet(Bytes(datagram.data(), *length), [&](const rtp::RtcpPacket& packet) {
    if (packet.type() == rtp::RtcpType::kPayloadFeedback &&
        (packet.fmt() == rtp::kFmtPli || packet.fmt() == rtp::kFmtFir)) {
      std::uint32_t media_ssrc = 0;
      if (packet.fmt() == rtp::kFmtPli) {
        if (auto pli = rtp::Pli::parse(packet)) media_ssrc = pli->media_ssrc();
      } else if (auto fir = rtp::Fir::parse(packet); fir && fir->entry_count() > 0) {
        media_ssrc = fir->entry(0).ssrc;
      }
      ++plis_received_;
      for (auto& stream : video_)
        if (stream.ssrc == media_ssrc) stream.restart = true;
    } else if (packet.type() == rtp::RtcpType::kRtpFeedback && packet.fmt() == rtp::kFmtNack) {
      if (auto nack = rtp::Nack::parse(packet)) {
        std::uint32_t ssrc = nack->media_ssrc();
        nack->for_each_sequence_number([&](std::uint16_t sequence) { resend(ssrc, sequence); });
      }
    } else if (packet.type() == rtp::RtcpType::kSenderReport) {
      if (auto sr = rtp::SenderReport::parse(packet)) {
        if (auto it = received_by_ssrc_.find(sr->ssrc()); it != received_by_ssrc_.end()) {
          auto& statistics = received_[it->second].statistics;
          if (statistics) statistics->on_sender_report(sr->ntp_timestamp(), now);
        }
      }
    }
  });
}

void RtcClient::send_rtp(std::uint32_t ssrc, std::uint8_t payload_type, bool marker, std::uint16_t sequence,
                         std::uint32_t timestamp, Bytes payload,
                         std::span<const rtp::ExtensionElement> extensions, bool store) {
  MutableBytes slot = socket_.send_slot();
  rtp::RtpHeaderFields fields;
  fields.marker = marker;
  fields.payload_type = payload_type;
  fields.sequence_number = sequence;
  fields.timestamp = timestamp;
  fields.ssrc = ssrc;
  // The caller's extensions, then (negotiated) the transport-wide sequence number and
  // abs-send-time.
  std::array<rtp::ExtensionElement, 6> all;
  std::size_t count = std::min(extensions.size(), all.size() - 2);
  std::copy_n(extensions.begin(), count, all.begin());
  std::uint8_t sequence_bytes[2];
  if (transport_cc_id_) {
    store_u16(sequence_bytes, transport_sequence_++);
    all[count++] = {transport_cc_id_, Bytes(sequence_bytes, 2)};
  }
  const auto send_time = rtp::abs_send_time(loop_.now());
  if (abs_send_time_id_) all[count++] = {abs_send_time_id_, Bytes(send_time.data(), send_time.size())};
  std::size_t header = rtp::write_rtp_header(slot.data(), slot.size(), fields, std::span(all.data(), count));
  std::size_t length = header + payload.size();
  if (header == 0 || length + srtp::kMaxTrailerLength > slot.size()) return;
  std::memcpy(slot.data() + header, payload.data(), payload.size());
  if (store) {
    for (std::size_t i = 0; i < video_.size(); ++i) {
      if (video_[i].ssrc != ssrc) continue;
      SentPacket& sent = (*sent_[i])[sequence % sent_[i]->size()];
      if (length > sent.data.size()) break;
      sent.sequence = sequence;
      sent.length = static_cast<std::uint16_t>(length);
      std::memcpy(sent.data.data(), slot.data(), length);
    }
  }
  auto protected_length = srtp_out_->protect_rtp(slot.data(), length, slot.size());
  if (!protected_length) return;
  socket_.commit_slot(*protected_length, server_);
  ++packets_sent_;
  bytes_sent_ += payload.size();
}

void RtcClient::resend(std::uint32_t ssrc, std::uint16_t sequence) {
  for (std::size_t i = 0; i < video_.size(); ++i) {
    if (video_[i].ssrc != ssrc) continue;
    const SentPacket& sent = (*sent_[i])[sequence % sent_[i]->size()];
    if (sent.length == 0 || sent.sequence != sequence) return;
    // No RTX negotiated: RFC 4585 lets the sender resend the packet as it was.
    MutableBytes slot = socket_.send_slot();
    std::memcpy(slot.data(), sent.data.data(), sent.length);
    auto length = srtp_out_->protect_rtp(slot.data(), sent.length, slot.size());
    if (!length) return;
    socket_.commit_slot(*length, server_);
    ++retransmissions_sent_;
    return;
  }
}

void RtcClient::send_rtcp(MutableBytes buffer, std::size_t length) {
  if (!srtp_out_ || length == 0) return;
  auto protected_length = srtp_out_->protect_rtcp(buffer.data(), length, buffer.size());
  if (protected_length) socket_.send(Bytes(buffer.data(), *protected_length), server_);
}

void RtcClient::send_audio_frame(TimePoint now) {
  if (!sending_ || !srtp_out_ || !audio_ssrc_ || media_.audio.empty()) return;
  const auto& frame = media_.audio[audio_frame_];
  audio_frame_ = (audio_frame_ + 1) % media_.audio.size();
  // RFC 6464 §3: voice, at a speaking level.
  const std::uint8_t level[] = {0x80 | 30};
  const rtp::ExtensionElement extensions[] = {{kMidId, as_bytes(audio_mid_)}, {kAudioLevelId, Bytes(level, 1)}};
  send_rtp(audio_ssrc_, kOpusPayloadType, false, audio_sequence_++, audio_timestamp_, frame, extensions, false);
  audio_timestamp_ += 960;  // 20 ms at 48 kHz (RFC 7587 §4.1)
  ++audio_packets_;
  audio_octets_ += static_cast<std::uint32_t>(frame.size());
  if (audio_times_) audio_times_->record(SendTimes::fingerprint(frame), now);
}

void RtcClient::send_video_frame(TimePoint now) {
  if (!sending_ || !srtp_out_ || video_.empty()) return;
  std::size_t first_layer = media_.video.size() - video_.size();
  for (std::size_t i = 0; i < video_.size(); ++i) {
    VideoStream& stream = video_[i];
    const EncodedVideoLayer& layer = media_.video[first_layer + i];
    if (stream.restart) {
      stream.frame = 0;  // the loop starts with a keyframe
      stream.restart = false;
    }
    const EncodedVideoFrame& frame = layer.frames[stream.frame];
    stream.frame = (stream.frame + 1) % layer.frames.size();
    std::uint8_t payload[1500];
    for (std::size_t p = 0; p < frame.payloads.size(); ++p) {
      const auto& source = frame.payloads[p];
      const bool marker = p + 1 == frame.payloads.size();
      if (options_.pacing_factor > 0) {
        PacedPacket& packet = paced_.emplace_back(PacedPacket{i, marker, stream.sequence++, video_timestamp_, source});
        rtp::set_vp8_picture_id(MutableBytes(packet.payload.data(), packet.payload.size()), stream.picture_id);
        continue;
      }
      if (source.size() > sizeof payload) continue;
      std::memcpy(payload, source.data(), source.size());
      rtp::set_vp8_picture_id(MutableBytes(payload, source.size()), stream.picture_id);
      send_video_packet(i, marker, stream.sequence++, video_timestamp_, Bytes(payload, source.size()), now);
    }
    stream.picture_id = static_cast<std::uint16_t>((stream.picture_id + 1) & 0x7FFF);
  }
  video_timestamp_ += static_cast<std::uint32_t>(90000 / std::max(1, media_.fps));
  if (options_.pacing_factor > 0) pace(now);
}

// A budget refilled at the pacing rate, as libwebrtc's interval budget: packets leave while
// it is positive, and an idle pacer keeps no more than 5 ms of credit.
void RtcClient::pace(TimePoint now) {
  if (pacing_bytes_per_us_ == 0) {
    double kbps = 0;
    for (std::size_t i = media_.video.size() - video_.size(); i < media_.video.size(); ++i)
      kbps += media_.video[i].average_kbps;
    pacing_bytes_per_us_ = options_.pacing_factor * kbps * 1000 / 8 / 1e6;
  }
  const double most = pacing_bytes_per_us_ * 5000;
  if (paced_at_) pacing_budget_ += pacing_bytes_per_us_ * static_cast<double>((now - *paced_at_).count());
  paced_at_ = now;
  pacing_budget_ = std::min(pacing_budget_, most);
  while (!paced_.empty() && pacing_budget_ > 0) {
    const PacedPacket& packet = paced_.front();
    pacing_budget_ -= static_cast<double>(packet.payload.size());
    send_video_packet(packet.stream, packet.marker, packet.sequence, packet.timestamp,
                      Bytes(packet.payload.data(), packet.payload.size()), now);
    paced_.pop_front();
  }
}

void RtcClient::send_video_packet(std::size_t index, bool marker, std::uint16_t sequence,
                                  std::uint32_t timestamp, Bytes bytes, TimePoint now) {
  if (!srtp_out_ || index >= video_.size()) return;
  const VideoStream& stream = video_[index];
  const EncodedVideoLayer& layer = media_.video[media_.video.size() - video_.size() + index];
  std::array<rtp::ExtensionElement, 2> extensions{{{kMidId, as_bytes(video_mid_)},
                                                   {kRtpStreamIdId, as_bytes(layer.spec.rid)}}};
  std::size_t extension_count = video_.size() > 1 ? 2 : 1;
  send_rtp(stream.ssrc, kVp8PayloadType, marker, sequence, timestamp, bytes,
           std::span(extensions.data(), extension_count), true);
  if (video_times_) {
    auto descriptor = rtp::parse_vp8_descriptor(bytes);
    if (descriptor) video_times_->record(SendTimes::fingerprint(bytes.subspan(descriptor->size)), now);
  }
}

void RtcClient::tick(TimePoint now) {
  if (failed_) return;
  if (auto t = ice_.next_timeout(); t && *t <= now) ice_.handle_timeout(now);
  for (auto& transmit : ice_.take_outgoing()) socket_.send(transmit.data, to_endpoint(transmit.to));
  if (ice_.state() == ice::IceClientAgent::State::kFailed) return fail("ICE: " + ice_.failure_reason());
  // Once SRTP runs, the handshake is over: its timers have nothing left to do (a lost
  // last flight is answered when the server repeats its own).
  if (ice_.state() == ice::IceClientAgent::State::kConnected && dtls_ && !srtp_out_) {
    server_ = to_endpoint(*ice_.selected());
    if (dtls_->state() == dtls::DtlsTransport::State::kNew &&
        dtls_->role() == dtls::DtlsTransport::Role::kClient) {
      dtls_->start(now);
      on_dtls_output();
    }
    if (auto t = dtls_->next_timeout(); t && *t <= now) {
      dtls_->handle_timeout(now);
      on_dtls_output();
    }
  }
  if (!srtp_out_) return;
  for (auto& track : received_) {
    if (track.kind != "video" || track.nack.missing_count() == 0) continue;
    nack_scratch_.clear();
    track.nack.collect(now, nack_scratch_);
    if (nack_scratch_.empty()) continue;
    std::uint8_t buffer[1200 + srtp::kMaxRtcpTrailerLength];
    std::size_t n = rtp::write_nack(buffer, 1200, rtcp_ssrc_, track.ssrc, nack_scratch_);
    send_rtcp(MutableBytes(buffer, sizeof buffer), n);
    track.nacks_sent += nack_scratch_.size();
  }
  if (now >= next_report_at_) {
    next_report_at_ = now + rtp::randomized_report_interval(kReportInterval, random_u32());
    send_reports(now);
  }
  if (transport_cc_id_ && now >= next_feedback_at_) {
    next_feedback_at_ = now + kTransportFeedbackInterval;
    send_transport_feedback();
  }
}

void RtcClient::send_transport_feedback() {
  // The media SSRC field is unused by the sender (transport-wide-cc draft §3.1); libwebrtc
  // puts one of the streams it receives there.
  std::uint32_t media_ssrc = 0;
  for (const auto& track : received_) {
    if (track.ssrc) {
      media_ssrc = track.ssrc;
      break;
    }
  }
  for (int i = 0; i < 4 && arrivals_.has_pending(); ++i) {
    std::uint8_t buffer[1200 + srtp::kMaxRtcpTrailerLength];
    std::size_t length = arrivals_.write_feedback(buffer, 1200, rtcp_ssrc_, media_ssrc);
    if (length == 0) break;
    send_rtcp(MutableBytes(buffer, sizeof buffer), length);
    ++transport_feedback_sent_;
  }
}

void RtcClient::send_reports(TimePoint now) {
  std::uint8_t buffer[1400 + srtp::kMaxRtcpTrailerLength];
  const std::size_t capacity = 1400;
  std::size_t length = 0;
  // RFC 3550 §6.4: a sender reports its streams; everyone reports what it receives.
  std::uint64_t ntp = ntp_now();
  if (sending_ && audio_ssrc_)
    length += rtp::write_sender_report(buffer + length, capacity - length, audio_ssrc_, ntp,
                                       audio_timestamp_, audio_packets_, audio_octets_, {});
  std::vector<rtp::ReportBlock> blocks;
  std::vector<std::uint32_t> video_ssrcs;
  for (auto& track : received_) {
    if (!track.statistics || !track.statistics->valid()) continue;
    if (blocks.size() < 31) blocks.push_back(track.statistics->report_block(now));
    if (track.kind == "video") video_ssrcs.push_back(track.ssrc);
  }
  length += rtp::write_receiver_report(buffer + length, capacity - length, rtcp_ssrc_, blocks);
  length += rtp::write_sdes_cname(buffer + length, capacity - length, rtcp_ssrc_, "loadtest");
  // A browser that agreed on transport-cc sends its feedback instead of REMB.
  if (!video_ssrcs.empty() && !transport_cc_id_) {
    if (video_ssrcs.size() > 255) video_ssrcs.resize(255);
    length += rtp::write_remb(buffer + length, capacity - length, rtcp_ssrc_, options_.remb_bps, video_ssrcs);
  }
  send_rtcp(MutableBytes(buffer, sizeof buffer), length);
}

void RtcClient::flush() {
  if (socket_.queued()) socket_.flush();
}

}  // namespace podium::loadtest
