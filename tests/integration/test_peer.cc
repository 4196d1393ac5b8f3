#include "tests/integration/test_peer.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "ice/connectivity_check.h"
#include "ice/ice_lite_server.h"
#include "ice/tcp_framing.h"
#include "rtp/rtcp_packet.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtcp_writer.h"
#include "rtp/rtp_writer.h"
#include "sdp/session_description.h"
#include "webrtc/srtp_profile.h"

namespace podium::testing {
namespace {

TimePoint now() { return SteadyClock().now(); }

dtls::Certificate make_certificate() {
  auto c = dtls::Certificate::generate();
  if (!c) throw std::runtime_error(c.error());
  return std::move(*c);
}

}  // namespace

TestPeer::TestPeer()
    : socket_(std::move(*net::UdpSocket::bind(*net::Endpoint::parse("127.0.0.1:0")))),
      ufrag_(ice::IceLiteServer::random_ufrag()),
      pwd_(ice::IceLiteServer::random_password()),
      certificate_(make_certificate()) {}

std::string TestPeer::make_offer(const std::vector<OfferSection>& sections) const {
  std::string bundle = "a=group:BUNDLE";
  for (auto& s : sections) bundle += " " + s.mid;
  std::string sdp = fmt::format(
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{}\r\n"
      "a=msid-semantic: WMS stream\r\n",
      bundle);
  for (auto& s : sections) {
    bool audio = s.kind == "audio";
    bool rtx = !audio && s.rtx;
    sdp += fmt::format("m={} 9 UDP/TLS/RTP/SAVPF {}\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n",
                       s.kind, audio ? "111" : rtx ? "96 97" : "96");
    sdp += fmt::format("a=ice-ufrag:{}\r\na=ice-pwd:{}\r\na=ice-options:trickle\r\n", ufrag_, pwd_);
    sdp += fmt::format("a=fingerprint:sha-256 {}\r\na=setup:actpass\r\na=mid:{}\r\n",
                       certificate_.fingerprint_sha256(), s.mid);
    sdp += "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";
    sdp += fmt::format("a={}\r\na=rtcp-mux\r\na=rtcp-rsize\r\n", s.direction);
    if (audio)
      sdp += "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";
    else
      sdp += "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n";
    if (rtx) sdp += "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";
    if (rtx && s.direction == "sendonly" && s.ssrc && s.rtx_ssrc)
      sdp += fmt::format("a=ssrc-group:FID {} {}\r\na=ssrc:{} cname:testpeer\r\n", s.ssrc, s.rtx_ssrc,
                         s.rtx_ssrc);
    if (s.direction == "sendonly" && s.ssrc) {
      sdp += fmt::format("a=msid:stream track-{}\r\na=ssrc:{} cname:testpeer\r\n", s.mid, s.ssrc);
    }
  }
  return sdp;
}

bool TestPeer::apply_answer(const std::string& text) {
  auto answer = sdp::parse(text);
  if (!answer) return false;
  for (auto& section : answer->media) {
    if (section.port == 0) continue;
    auto ice = sdp::effective_ice(section, *answer);
    auto fingerprint = sdp::effective_fingerprint(section, *answer);
    remote_ufrag_ = ice.ufrag;
    remote_pwd_ = ice.pwd;
    if (!fingerprint) return false;
    remote_fingerprint_ = fingerprint->value;
    for (auto& candidate : section.candidates) {
      auto endpoint = net::Endpoint::parse(fmt::format("{}:{}", candidate.address, candidate.port));
      if (!endpoint) continue;
      if (candidate.transport == "tcp" || candidate.transport == "TCP")
        tcp_server = *endpoint;
      else
        server = *endpoint;
    }
    return !remote_ufrag_.empty() && server.port() != 0;
  }
  return false;
}

void TestPeer::send_check() {
  auto id = ice::random_transaction_id();
  auto request = ice::make_binding_request(remote_ufrag_, ufrag_, remote_pwd_, 0x1234567890ULL,
                                           0x6E001EFF, true, id);
  transmit(request);
}

bool TestPeer::connect(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  dtls_.emplace(certificate_, dtls::DtlsTransport::Role::kClient, srtp_profiles);
  dtls_->set_remote_fingerprint("sha-256", remote_fingerprint_);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!ice_ok_) send_check();
    pump(50);
    if (dtls_->state() == dtls::DtlsTransport::State::kConnected && srtp_out_) return true;
    if (dtls_->state() == dtls::DtlsTransport::State::kFailed) return false;
    if (auto t = dtls_->next_timeout(); t && *t <= now()) {
      dtls_->handle_timeout(now());
      for (auto& d : dtls_->take_outgoing()) transmit(d);
    }
  }
  return false;
}

void TestPeer::send_rtp(std::uint32_t ssrc, std::uint8_t payload_type, std::uint16_t sequence,
                        std::uint32_t timestamp, Bytes payload, bool marker) {
  std::uint8_t buffer[2048];
  rtp::RtpHeaderFields fields;
  fields.marker = marker;
  fields.payload_type = payload_type;
  fields.sequence_number = sequence;
  fields.timestamp = timestamp;
  fields.ssrc = ssrc;
  std::size_t header = rtp::write_rtp_header(buffer, sizeof buffer, fields, {});
  std::memcpy(buffer + header, payload.data(), payload.size());
  auto length = srtp_out_->protect_rtp(buffer, header + payload.size(), sizeof buffer);
  if (length) transmit(Bytes(buffer, *length));
}

void TestPeer::send_raw(Bytes datagram) { transmit(datagram); }

void TestPeer::send_pli(std::uint32_t media_ssrc) {
  std::uint8_t buffer[256];  // room for the SRTCP trailer
  std::size_t length = rtp::write_pli(buffer, sizeof buffer, 0x11111111, media_ssrc);
  auto protected_length = srtp_out_->protect_rtcp(buffer, length, sizeof buffer);
  if (protected_length) transmit(Bytes(buffer, *protected_length));
}

void TestPeer::send_nack(std::uint32_t media_ssrc, const std::vector<std::uint16_t>& sequence_numbers) {
  std::uint8_t buffer[1400];  // room for the SRTCP trailer
  std::size_t length = rtp::write_nack(buffer, 1200, 0x11111111, media_ssrc, sequence_numbers);
  auto protected_length = srtp_out_->protect_rtcp(buffer, length, sizeof buffer);
  if (protected_length) send_raw(Bytes(buffer, *protected_length));
}

void TestPeer::pump(int timeout_ms) {
  if (tcp_) {
    pump_tcp(timeout_ms);
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left < 0) break;
    pollfd p{socket_.fd(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    for (;;) {
      auto batch = socket_.receive_batch();
      if (batch.empty()) break;
      for (auto& datagram : batch) handle(datagram.data);
    }
  }
}

void TestPeer::handle(MutableBytes datagram) {
  if (datagram.empty()) return;
  std::uint8_t first = datagram[0];
  if (first <= 3) {
    // RFC 5389 §6: 0x0111 is a Binding error response (401 for bad credentials).
    if (datagram.size() >= 2 && load_u16(datagram.data()) == 0x0111) {
      ++stun_errors_received;
      return;
    }
    ice_ok_ = true;  // a success response
    if (dtls_ && dtls_->state() == dtls::DtlsTransport::State::kNew) {
      dtls_->start(now());
      for (auto& d : dtls_->take_outgoing()) transmit(d);
    }
    return;
  }
  if (first >= 20 && first <= 63) {
    dtls_->handle_datagram(datagram, now());
    for (auto& d : dtls_->take_outgoing()) transmit(d);
    if (dtls_->state() == dtls::DtlsTransport::State::kConnected && !srtp_out_) {
      auto keys = dtls_->srtp_keys();
      auto profile = webrtc::to_srtp_profile(keys->profile);
      srtp_in_.emplace(std::move(*srtp::SrtpSession::create(profile, keys->remote_key, keys->remote_salt,
                                                            srtp::Direction::kInbound)));
      srtp_out_.emplace(std::move(*srtp::SrtpSession::create(profile, keys->local_key, keys->local_salt,
                                                             srtp::Direction::kOutbound)));
    }
    return;
  }
  if (first < 128 || first > 191 || !srtp_in_) return;
  std::uint8_t pt = datagram[1];
  if (pt >= 192 && pt <= 223) {
    auto length = srtp_in_->unprotect_rtcp(datagram.data(), datagram.size());
    if (!length) return;
    ++rtcp_received;
    ReceivedReportCompound compound{std::chrono::steady_clock::now(), {}, {}, {}};
    rtp::for_each_rtcp_packet(Bytes(datagram.data(), *length), [&](const rtp::RtcpPacket& packet) {
      compound.types.push_back(packet.type());
      if (auto sr = rtp::SenderReport::parse(packet)) compound.reporting_ssrcs.push_back(sr->ssrc());
      if (auto rr = rtp::ReceiverReport::parse(packet)) compound.reporting_ssrcs.push_back(rr->ssrc());
      if (packet.type() == rtp::RtcpType::kSdes) {
        rtp::SdesReader reader(packet);
        while (auto item = reader.next())
          if (item->type == rtp::kSdesCname) compound.cname_ssrcs.push_back(item->ssrc);
      }
    });
    if (!compound.reporting_ssrcs.empty()) report_compounds.push_back(std::move(compound));
    rtp::for_each_rtcp_packet(Bytes(datagram.data(), *length), [&](const rtp::RtcpPacket& packet) {
      if (packet.type() == rtp::RtcpType::kRtpFeedback && packet.fmt() == rtp::kFmtTransportCc)
        transport_feedback.emplace_back(packet.data().begin(), packet.data().end());
    });
    rtp::for_each_rtcp_packet(Bytes(datagram.data(), *length), [&](const rtp::RtcpPacket& packet) {
      if (packet.type() == rtp::RtcpType::kPayloadFeedback && packet.fmt() == rtp::kFmtPli) {
        ++pli_received;
        if (auto pli = rtp::Pli::parse(packet)) pli_ssrcs.push_back(pli->media_ssrc());
      }
      if (packet.type() == rtp::RtcpType::kRtpFeedback && packet.fmt() == rtp::kFmtNack) {
        if (auto nack = rtp::Nack::parse(packet))
          nack->for_each_sequence_number([&](std::uint16_t s) { nacked.emplace_back(nack->media_ssrc(), s); });
      }
    });
    return;
  }
  if (datagram.size() >= 4) {
    auto lost = std::find(lose.begin(), lose.end(), load_u16(&datagram[2]));
    if (lost != lose.end()) {
      lose.erase(lost);
      return;
    }
  }
  auto length = srtp_in_->unprotect_rtp(datagram.data(), datagram.size());
  if (!length) return;
  auto packet = rtp::RtpPacket::parse(MutableBytes(datagram.data(), *length));
  if (!packet) return;
  ++rtp_received;
  if (!keep_packets) return;
  auto payload = packet->payload();
  if (auto value = packet->extension(kTransportCcId)) {
    if (auto sequence = rtp::parse_transport_sequence_number(*value)) transport_sequences.push_back(*sequence);
  }
  std::optional<rtp::PlayoutDelay> playout_delay;
  if (auto value = packet->extension(kPlayoutDelayId)) playout_delay = rtp::parse_playout_delay(*value);
  received.push_back({packet->ssrc(), packet->sequence_number(), packet->timestamp(),
                      packet->payload_type(), {payload.begin(), payload.end()}, playout_delay,
                      packet->padding_size()});
}

}  // namespace podium::testing

namespace podium::testing {

void TestPeer::transmit(Bytes packet) {
  if (tcp_) {
    // RFC 4571: each packet preceded by its 16-bit length.
    auto header = ice::frame_header(packet.size());
    if (header && tcp_->write(*header, packet)) tcp_->flush();
    return;
  }
  socket_.send(packet, server);
  if (!hold_sends) socket_.flush();
}

void TestPeer::pump_tcp(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left < 0) break;
    pollfd p{tcp_->fd(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    if (tcp_->read() == net::TcpConnection::ReadStatus::kClosed) break;
    for (;;) {
      auto frame = ice::next_frame(tcp_->buffered());
      if (frame.status != ice::FrameScan::Status::kFrame) break;
      handle(frame.packet);
      tcp_->consume(frame.consumed);
    }
  }
}

bool TestPeer::use_tcp() {
  if (!tcp_server) return false;
  auto connection = net::TcpConnection::connect(*tcp_server);
  if (!connection) return false;
  tcp_.emplace(std::move(*connection));
  return true;
}

void TestPeer::rebind_udp() {
  socket_ = std::move(*net::UdpSocket::bind(*net::Endpoint::parse("127.0.0.1:0")));
}

void TestPeer::restart_ice() {
  ufrag_ = ice::IceLiteServer::random_ufrag();
  pwd_ = ice::IceLiteServer::random_password();
}

bool TestPeer::check(int timeout_ms) {
  ice_ok_ = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!ice_ok_ && std::chrono::steady_clock::now() < deadline) {
    send_check();
    pump(50);
  }
  return ice_ok_;
}

std::string TestPeer::with_audio_level(std::string offer) {
  const std::string opus = "a=rtpmap:111 opus/48000/2\r\n";
  auto at = offer.find(opus);
  if (at != std::string::npos)
    offer.insert(at, fmt::format("a=extmap:{} urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n", kAudioLevelId));
  return offer;
}

void TestPeer::send_audio(std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp,
                          std::uint8_t level, bool voice) {
  static constexpr std::uint8_t kOpusFrame[] = {0xfc, 0xff, 0xfe, 0x01, 0x02, 0x03};
  std::uint8_t buffer[512];
  rtp::RtpHeaderFields fields;
  fields.payload_type = 111;
  fields.sequence_number = sequence;
  fields.timestamp = timestamp;
  fields.ssrc = ssrc;
  // RFC 6464 §3: V bit, then the level in -dBov.
  const std::uint8_t value[] = {static_cast<std::uint8_t>((voice ? 0x80 : 0) | (level & 0x7f))};
  const rtp::ExtensionElement extension{kAudioLevelId, Bytes(value, 1)};
  std::size_t header = rtp::write_rtp_header(buffer, sizeof buffer, fields, {&extension, 1});
  std::memcpy(buffer + header, kOpusFrame, sizeof kOpusFrame);
  auto length = srtp_out_->protect_rtp(buffer, header + sizeof kOpusFrame, sizeof buffer);
  if (length) transmit(Bytes(buffer, *length));
}

std::string TestPeer::with_simulcast(std::string offer, const std::string& mid,
                                     const std::vector<std::string>& rids) {
  const std::string anchor = "a=mid:" + mid + "\r\n";
  auto at = offer.find(anchor);
  if (at == std::string::npos) return offer;
  std::string lines = fmt::format("a=extmap:{} urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", kRtpStreamIdId);
  std::string list;
  for (const auto& rid : rids) {
    lines += "a=rid:" + rid + " send\r\n";
    list += (list.empty() ? "" : ";") + rid;
  }
  lines += "a=simulcast:send " + list + "\r\n";
  offer.insert(at + anchor.size(), lines);
  return offer;
}

void TestPeer::send_rtp_with_rid(std::uint32_t ssrc, std::uint8_t payload_type, std::uint16_t sequence,
                                 std::uint32_t timestamp, const std::string& mid, const std::string& rid,
                                 Bytes payload, bool marker) {
  std::uint8_t buffer[2048];
  rtp::RtpHeaderFields fields;
  fields.marker = marker;
  fields.payload_type = payload_type;
  fields.sequence_number = sequence;
  fields.timestamp = timestamp;
  fields.ssrc = ssrc;
  const rtp::ExtensionElement extensions[] = {{4, as_bytes(mid)}, {kRtpStreamIdId, as_bytes(rid)}};
  std::size_t header = rtp::write_rtp_header(buffer, sizeof buffer, fields, extensions);
  std::memcpy(buffer + header, payload.data(), payload.size());
  auto length = srtp_out_->protect_rtp(buffer, header + payload.size(), sizeof buffer);
  if (length) transmit(Bytes(buffer, *length));
}

}  // namespace podium::testing

namespace podium::testing {

std::string TestPeer::with_transport_cc(std::string offer) {
  const std::string mid_line = "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";
  const std::string line = fmt::format(
      "a=extmap:{} http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n",
      kTransportCcId);
  for (auto at = offer.find(mid_line); at != std::string::npos;
       at = offer.find(mid_line, at + mid_line.size() + line.size()))
    offer.insert(at + mid_line.size(), line);
  return offer;
}

std::string TestPeer::with_playout_delay(std::string offer) {
  const std::string line =
      fmt::format("a=extmap:{} http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n", kPlayoutDelayId);
  for (auto at = offer.find("m=video"); at != std::string::npos; at = offer.find("m=video", at + 1)) {
    auto mid = offer.find("a=mid:", at);
    if (mid == std::string::npos) break;
    offer.insert(mid, line);
  }
  return offer;
}

void TestPeer::send_rtp_with_transport_sequence(std::uint32_t ssrc, std::uint8_t payload_type,
                                                std::uint16_t sequence, std::uint32_t timestamp,
                                                std::uint16_t transport_sequence, Bytes payload) {
  std::uint8_t buffer[2048];
  rtp::RtpHeaderFields fields;
  fields.payload_type = payload_type;
  fields.sequence_number = sequence;
  fields.timestamp = timestamp;
  fields.ssrc = ssrc;
  std::uint8_t value[2];
  store_u16(value, transport_sequence);
  const rtp::ExtensionElement extension{kTransportCcId, Bytes(value, 2)};
  std::size_t header = rtp::write_rtp_header(buffer, sizeof buffer, fields, {&extension, 1});
  std::memcpy(buffer + header, payload.data(), payload.size());
  auto length = srtp_out_->protect_rtp(buffer, header + payload.size(), sizeof buffer);
  if (length) transmit(Bytes(buffer, *length));
}

void TestPeer::send_rtcp(Bytes compound) {
  std::uint8_t buffer[2048];
  if (compound.size() + 200 > sizeof buffer) return;
  std::memcpy(buffer, compound.data(), compound.size());
  auto protected_length = srtp_out_->protect_rtcp(buffer, compound.size(), sizeof buffer);
  if (protected_length) transmit(Bytes(buffer, *protected_length));
}

void send_with_repaired_gaps(TestPeer& publisher, TestPeer& subscriber, std::uint16_t& sequence, int gaps,
                             int repair_ms, const std::function<void(std::uint16_t)>& send) {
  for (int gap = 0; gap < gaps; ++gap) {
    const std::uint16_t missing = sequence + 2;
    for (int i = 0; i < 5; ++i, ++sequence)
      if (sequence != missing) send(sequence);
    publisher.pump(repair_ms);
    send(missing);
    subscriber.pump(20);
  }
}

}  // namespace podium::testing
