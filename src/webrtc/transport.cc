#include "webrtc/transport.h"

#include <cstring>

#include "dtls/certificate.h"
#include "dtls/dtls_transport.h"
#include "ice/ice_lite_server.h"
#include "srtp/srtp_session.h"
#include "util/log.h"
#include "webrtc/media_counters.h"

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

srtp::Profile to_srtp_profile(dtls::SrtpProfile profile) {
  return profile == dtls::SrtpProfile::kAeadAes128Gcm ? srtp::Profile::kAeadAes128Gcm
                                                      : srtp::Profile::kAes128CmSha1_80;
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
  std::optional<net::Endpoint> selected;  // where we send
  std::optional<srtp::SrtpSession> srtp_in;
  std::optional<srtp::SrtpSession> srtp_out;
  std::optional<std::size_t> pending_slot;  // length reserved by rtp_slot()
  bool dtls_started = false;
  std::optional<TimePoint> negotiated_at;  // first tick after the remote description

  void flush_dtls() {
    if (!selected) return;
    for (auto& datagram : dtls.take_outgoing()) socket.send(datagram, *selected);
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

void Transport::set_remote_parameters(std::string ufrag, std::string password,
                                      std::string fingerprint_algorithm, std::string fingerprint) {
  if (!impl_->remote_ufrag.empty() && impl_->remote_ufrag != ufrag) {
    log::warn("webrtc", "transport {}: remote ICE ufrag changed (ICE restart not supported yet)",
              local_ufrag());
  }
  impl_->remote_ufrag = ufrag;
  impl_->ice.set_remote_credentials(std::move(ufrag), std::move(password));
  impl_->dtls.set_remote_fingerprint(std::move(fingerprint_algorithm), std::move(fingerprint));
}

bool Transport::receive_stun(Bytes datagram, const net::Endpoint& from, TimePoint now) {
  if (state_ == TransportState::kClosed) return false;
  auto outcome = impl_->ice.handle_request(datagram, to_ice_address(from), now);
  if (!outcome.response.empty()) impl_->socket.send(outcome.response, from);
  if (!outcome.valid) {
    impl_->counters.drop(DropReason::kStunRejected);
    return false;
  }
  // RFC 8445 §7.3.1.5: as the controlled ICE-lite agent we follow the nominated pair;
  // before any nomination, the first valid pair carries the DTLS handshake.
  if (auto selected = impl_->ice.selected()) {
    if (from.ip_bytes().size() == (selected->family == 4 ? 4u : 16u) && from.port() == selected->port &&
        std::memcmp(from.ip_bytes().data(), selected->ip.data(), from.ip_bytes().size()) == 0) {
      if (!impl_->selected || !(*impl_->selected == from)) {
        if (impl_->selected) log::info("webrtc", "transport {}: path now {}", local_ufrag(), from.to_string());
        impl_->selected = from;
      }
    }
  }
  if (!impl_->selected) impl_->selected = from;
  if (state_ == TransportState::kNew) state_ = TransportState::kConnecting;
  return true;
}

void Transport::receive_dtls(Bytes datagram, const net::Endpoint& from, TimePoint now) {
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
              profile == srtp::Profile::kAeadAes128Gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
    impl_->listener.on_transport_connected(*this);
  } else if (after == dtls::DtlsTransport::State::kFailed) {
    close("DTLS failed: " + impl_->dtls.failure_reason());
  } else if (after == dtls::DtlsTransport::State::kClosed) {
    close("DTLS closed by peer");
  }
}

void Transport::receive_srtp(MutableBytes datagram, const net::Endpoint& from, TimePoint now) {
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
      impl_->counters.drop(DropReason::kSrtpUnprotect);
      return;
    }
    impl_->counters.rtcp_packets_in.add();
    impl_->listener.on_rtcp(*this, Bytes(datagram.data(), *length), now);
  } else {
    auto length = impl_->srtp_in->unprotect_rtp(datagram.data(), datagram.size());
    if (!length) {
      impl_->counters.drop(DropReason::kSrtpUnprotect);
      return;
    }
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
  auto slot = impl_->socket.send_slot();
  if (slot.size() <= kSrtpTrailer) return {};
  return slot.first(slot.size() - kSrtpTrailer);
}

void Transport::commit_rtp(std::size_t length) {
  auto slot = impl_->socket.send_slot();
  auto protected_length = impl_->srtp_out->protect_rtp(slot.data(), length, slot.size());
  if (!protected_length) {
    impl_->counters.drop(DropReason::kSendFailed);
    return;
  }
  impl_->counters.rtp_packets_out.add();
  impl_->counters.rtp_bytes_out.add(*protected_length);
  impl_->socket.commit_slot(*protected_length, *impl_->selected);
}

void Transport::send_rtcp(Bytes compound) {
  if (state_ != TransportState::kConnected || !impl_->selected) return;
  auto slot = impl_->socket.send_slot();
  if (compound.size() + kSrtpTrailer > slot.size()) return;
  std::memcpy(slot.data(), compound.data(), compound.size());
  auto length = impl_->srtp_out->protect_rtcp(slot.data(), compound.size(), slot.size());
  if (!length) {
    impl_->counters.drop(DropReason::kSendFailed);
    return;
  }
  impl_->counters.rtcp_packets_out.add();
  impl_->socket.commit_slot(*length, *impl_->selected);
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
