#include "webrtc/transport.h"

#include <array>
#include <chrono>
#include <cstring>
#include <string_view>

#include "dtls/certificate.h"
#include "dtls/dtls_transport.h"
#include "ice/ice_lite_server.h"
#include "ice/tcp_framing.h"
#include "srtp/srtp_session.h"
#include "util/bytes.h"
#include "util/log.h"
#include "webrtc/media_counters.h"
#include "webrtc/srtp_profile.h"

namespace podium::webrtc {
namespace {

ice::TransportAddress to_ice_address(const net::Endpoint& endpoint) {
  ice::TransportAddress address{};
  auto ip = endpoint.ip_bytes();
  address.family = ip.size() == 4 ? 4 : 6;
  std::memcpy(address.ip.data(), ip.data(), ip.size());
  address.port = endpoint.port();
  return address;
}

}  // namespace

struct Transport::Impl {
  Impl(const dtls::Certificate& certificate, net::UdpSocket& socket, TransportListener& listener,
       MediaCounters& counters)
      : socket(socket),
        listener(listener),
        counters(counters),
        ice(ice::IceLiteServer::random_ufrag(), ice::IceLiteServer::random_password()),
        dtls(certificate, dtls::DtlsTransport::Role::kServer) {}

  net::UdpSocket& socket;
  TransportListener& listener;
  MediaCounters& counters;
  ice::IceLiteServer ice;
  dtls::DtlsTransport dtls;
  std::string remote_ufrag;
  std::string remote_password;
  std::optional<Path> selected;  // where we send
  // ICE-TCP: outgoing packets are built here, then framed into the connection.
  std::array<std::uint8_t, net::UdpSocket::kDatagramCapacity> scratch{};
  std::optional<srtp::SrtpSession> srtp_in;
  std::optional<srtp::SrtpSession> srtp_out;
  std::optional<std::size_t> pending_slot;  // length reserved by rtp_slot()
  bool dtls_started = false;
  std::optional<TimePoint> negotiated_at;  // first tick after the remote description
  // A run of inbound packets that fail to unprotect, for one log line where it starts
  // (at most one a second) and one where it ends.
  std::uint64_t unprotect_failures = 0;
  std::optional<TimePoint> unprotect_failure_logged_at;

  void unprotect_failed(std::string_view ufrag, Bytes packet, bool rtcp, TimePoint now) {
    counters.drop(DropReason::kSrtpUnprotect);
    if (unprotect_failures++ != 0) return;
    if (unprotect_failure_logged_at && now - *unprotect_failure_logged_at < std::chrono::seconds(1)) return;
    unprotect_failure_logged_at = now;
    const srtp::SrtpSession& session = *srtp_in;
    if (rtcp)
      log::warn("webrtc", "transport {}: SRTCP from ssrc {:#010x} does not unprotect: {}", ufrag,
                load_u32(packet.data() + 4), srtp::to_string(session.last_error()));
    else
      log::warn("webrtc", "transport {}: SRTP from ssrc {:#010x} seq {} does not unprotect: {}", ufrag,
                load_u32(packet.data() + 8), load_u16(packet.data() + 2), srtp::to_string(session.last_error()));
  }
  void unprotected(std::string_view ufrag) {
    if (unprotect_failures == 0) return;
    if (unprotect_failures > 1 || unprotect_failure_logged_at)
      log::info("webrtc", "transport {}: packets unprotect again after {} that did not", ufrag, unprotect_failures);
    unprotect_failures = 0;
  }

  // RFC 6544 §3 / RFC 4571: on TCP every packet is preceded by its 16-bit length.
  void send_on(const Path& path, Bytes packet) {
    if (!path.tcp) {
      socket.send(packet, path.remote);
      return;
    }
    auto header = ice::frame_header(packet.size());
    if (!header || !path.tcp->write(*header, packet)) counters.drop(DropReason::kSendFailed);
  }

  void flush_dtls() {
    if (!selected) return;
    for (auto& datagram : dtls.take_outgoing()) send_on(*selected, datagram);
  }

  // The slot an outgoing packet is built in for the selected path.
  MutableBytes slot() {
    if (selected && selected->tcp) return MutableBytes(scratch);
    return socket.send_slot();
  }
  // `media`: forwarded RTP, whose delay the socket measures (UdpSocket::forwarding_delay).
  void commit(std::size_t length, bool media = false) {
    if (selected->tcp)
      send_on(*selected, Bytes(scratch.data(), length));
    else
      socket.commit_slot(length, selected->remote, media);
  }
};

Transport::Transport(const dtls::Certificate& certificate, net::UdpSocket& socket,
                     TransportListener& listener, MediaCounters& counters)
    : impl_(std::make_unique<Impl>(certificate, socket, listener, counters)) {
  counters.transports.add();
}

Transport::~Transport() {
  impl_->counters.transports.sub();
  if (state_ == TransportState::kConnected) impl_->counters.transports_connected.sub();
}

const std::string& Transport::local_ufrag() const { return impl_->ice.local_ufrag(); }
const std::string& Transport::local_password() const { return impl_->ice.local_password(); }
const std::string& Transport::remote_ufrag() const { return impl_->remote_ufrag; }

const std::optional<Path>& Transport::selected_path() const { return impl_->selected; }

void Transport::set_remote_parameters(std::string ufrag, std::string password,
                                      std::string fingerprint_algorithm, std::string fingerprint) {
  if (!impl_->remote_ufrag.empty() && (impl_->remote_ufrag != ufrag || impl_->remote_password != password)) {
    log::warn("webrtc", "transport {}: remote ICE credentials changed without a restart",
              local_ufrag());
  }
  impl_->remote_ufrag = ufrag;
  impl_->remote_password = password;
  impl_->ice.set_remote_credentials(std::move(ufrag), std::move(password));
  impl_->dtls.set_remote_fingerprint(std::move(fingerprint_algorithm), std::move(fingerprint));
}

bool Transport::restart_ice_if_changed(std::string_view remote_ufrag, std::string_view remote_password) {
  if (impl_->remote_ufrag.empty()) return false;
  if (remote_ufrag == impl_->remote_ufrag && remote_password == impl_->remote_password) return false;
  if (state_ == TransportState::kClosed) return false;
  std::string old_ufrag = local_ufrag();
  // RFC 8445 §9: both agents change credentials; the new agent state starts with no
  // valid pair, but the one carrying DTLS keeps being used until a check selects another.
  impl_->ice = ice::IceLiteServer(ice::IceLiteServer::random_ufrag(), ice::IceLiteServer::random_password(),
                                  impl_->ice.tie_breaker());
  impl_->remote_ufrag.clear();
  impl_->remote_password.clear();
  impl_->negotiated_at.reset();  // the peer gets a fresh 30 s to check with the new credentials
  log::info("webrtc", "transport {}: ICE restart, local ufrag now {}", old_ufrag, local_ufrag());
  return true;
}

bool Transport::receive_stun(Bytes datagram, const Path& from, TimePoint now) {
  if (state_ == TransportState::kClosed) return false;
  auto outcome = impl_->ice.handle_request(datagram, to_ice_address(from.remote), now);
  if (!outcome.response.empty()) impl_->send_on(from, outcome.response);
  if (!outcome.valid) {
    impl_->counters.drop(DropReason::kStunRejected);
    return false;
  }
  // RFC 8445 §7.3.1.5: as the controlled ICE-lite agent we follow the nominated pair, so
  // a nomination from a new 5-tuple (the peer's network changed, RFC 7675 consent goes
  // on there) moves media to it; DTLS and SRTP state belong to the transport, not the
  // path, and carry over. Before any nomination the first valid pair carries DTLS.
  if (!impl_->selected || (outcome.use_candidate && !(*impl_->selected == from))) {
    if (impl_->selected) log::info("webrtc", "transport {}: path now {}", local_ufrag(), from.to_string());
    impl_->selected = from;
  }
  if (state_ == TransportState::kNew) state_ = TransportState::kConnecting;
  return true;
}

void Transport::connection_closed(const net::TcpConnection& connection) {
  if (impl_->selected && impl_->selected->tcp == &connection) {
    log::info("webrtc", "transport {}: selected {} closed", local_ufrag(), impl_->selected->to_string());
    impl_->selected.reset();
  }
}

void Transport::receive_dtls(Bytes datagram, const Path& from, TimePoint now) {
  if (state_ == TransportState::kClosed) return;
  if (!impl_->selected) impl_->selected = from;
  if (!impl_->dtls_started) {
    impl_->dtls.start(now);
    impl_->dtls_started = true;
  }
  auto before = impl_->dtls.state();
  impl_->dtls.handle_datagram(datagram, now);
  impl_->flush_dtls();
  auto after = impl_->dtls.state();
  if (after == before) return;
  if (after == dtls::DtlsTransport::State::kConnected && state_ != TransportState::kConnected) {
    auto keys = impl_->dtls.srtp_keys();
    if (!keys) {
      close("DTLS connected without SRTP keys");
      return;
    }
    auto profile = to_srtp_profile(keys->profile);
    auto in = srtp::SrtpSession::create(profile, keys->remote_key, keys->remote_salt,
                                        srtp::Direction::kInbound);
    auto out = srtp::SrtpSession::create(profile, keys->local_key, keys->local_salt,
                                         srtp::Direction::kOutbound);
    if (!in || !out) {
      close("SRTP session setup failed");
      return;
    }
    impl_->srtp_in.emplace(std::move(*in));
    impl_->srtp_out.emplace(std::move(*out));
    state_ = TransportState::kConnected;
    impl_->counters.transports_connected.add();
    log::info("webrtc", "transport {}: connected via {} ({})", local_ufrag(), from.to_string(),
              srtp::to_string(profile));
    impl_->listener.on_transport_connected(*this);
  } else if (after == dtls::DtlsTransport::State::kFailed) {
    close("DTLS failed: " + impl_->dtls.failure_reason());
  } else if (after == dtls::DtlsTransport::State::kClosed) {
    close("DTLS closed by peer");
  }
}

void Transport::receive_srtp(MutableBytes datagram, const Path& from, TimePoint now) {
  if (state_ != TransportState::kConnected) {
    impl_->counters.drop(DropReason::kNotConnected);
    return;
  }
  if (datagram.size() < 12) {
    impl_->counters.drop(DropReason::kMalformedRtp);
    return;
  }
  // RFC 5761 §4: RTCP packet types 200-207 occupy payload types 72-79 with the marker set.
  std::uint8_t pt = datagram[1];
  bool rtcp = pt >= 192 && pt <= 223;
  if (rtcp) {
    auto length = impl_->srtp_in->unprotect_rtcp(datagram.data(), datagram.size());
    if (!length) {
      impl_->unprotect_failed(local_ufrag(), datagram, true, now);
      return;
    }
    impl_->unprotected(local_ufrag());
    impl_->counters.rtcp_packets_in.add();
    impl_->listener.on_rtcp(*this, Bytes(datagram.data(), *length), now);
  } else {
    auto length = impl_->srtp_in->unprotect_rtp(datagram.data(), datagram.size());
    if (!length) {
      impl_->unprotect_failed(local_ufrag(), datagram, false, now);
      return;
    }
    impl_->unprotected(local_ufrag());
    impl_->listener.on_rtp(*this, MutableBytes(datagram.data(), *length), now);
  }
}

void Transport::on_tick(TimePoint now) {
  if (state_ == TransportState::kClosed) return;
  if (auto deadline = impl_->dtls.next_timeout(); deadline && *deadline <= now) {
    impl_->dtls.handle_timeout(now);
    impl_->flush_dtls();
    if (impl_->dtls.state() == dtls::DtlsTransport::State::kFailed) {
      close("DTLS handshake timed out");
      return;
    }
  }
  // RFC 7675: without a valid check for 30 s the peer no longer consents to receive.
  if (impl_->ice.is_expired(now)) {
    close("ICE consent expired (no checks for 30 s)");
    return;
  }
  // A peer that negotiated but never sent a check gets as long to start.
  if (!impl_->remote_ufrag.empty() && !impl_->ice.last_consent()) {
    if (!impl_->negotiated_at) impl_->negotiated_at = now;
    if (now - *impl_->negotiated_at > ice::IceLiteServer::kConsentTimeout)
      close("no ICE connectivity check within 30 s");
  }
}

MutableBytes Transport::rtp_slot() {
  if (state_ != TransportState::kConnected || !impl_->selected) return {};
  auto slot = impl_->slot();
  if (slot.size() <= kSrtpTrailer) return {};
  return slot.first(slot.size() - kSrtpTrailer);
}

void Transport::prefetch_send(int stage) const {
  if (stage == 0) {
    // What rtp_slot and commit_rtp read: the selected path and the SRTP session. The
    // ICE-TCP scratch buffer in between is not touched on UDP.
    __builtin_prefetch(&impl_->selected);
    __builtin_prefetch(&impl_->srtp_out);
    __builtin_prefetch(&impl_->pending_slot);
    return;
  }
  if (!impl_->srtp_out) return;
  impl_->srtp_out->prefetch(stage - 1);
}

void Transport::commit_rtp(std::size_t length, RtpSendHint* hint) {
  if (state_ != TransportState::kConnected || !impl_->selected) return;
  auto slot = impl_->slot();
  auto protected_length = impl_->srtp_out->protect_rtp(slot.data(), length, slot.size(), hint);
  if (!protected_length) {
    impl_->counters.drop(DropReason::kSendFailed);
    return;
  }
  impl_->counters.rtp_packets_out.add();
  impl_->counters.rtp_bytes_out.add(*protected_length);
  impl_->commit(*protected_length, /*media=*/true);
}

void Transport::send_rtcp(Bytes compound) {
  if (state_ != TransportState::kConnected || !impl_->selected) return;
  auto slot = impl_->slot();
  if (compound.size() + kSrtpTrailer > slot.size()) return;
  std::memcpy(slot.data(), compound.data(), compound.size());
  auto length = impl_->srtp_out->protect_rtcp(slot.data(), compound.size(), slot.size());
  if (!length) {
    impl_->counters.drop(DropReason::kSendFailed);
    return;
  }
  impl_->counters.rtcp_packets_out.add();
  impl_->commit(*length);
}

void Transport::close(std::string_view reason) {
  if (state_ == TransportState::kClosed) return;
  if (state_ == TransportState::kConnected) {
    impl_->counters.transports_connected.sub();
    impl_->dtls.close();
    impl_->flush_dtls();
  }
  state_ = TransportState::kClosed;
  log::info("webrtc", "transport {}: closed ({})", local_ufrag(), reason);
  impl_->listener.on_transport_closed(*this, reason);
}

}  // namespace podium::webrtc
