// One peer's ICE + DTLS + SRTP, stacked (ICE-lite server side, DTLS server role).
// Bytes come in already demultiplexed (see UdpDemux) with the Path they came on;
// decrypted RTP and RTCP go up to the listener. Outgoing packets take the path ICE
// selected: on UDP, media is built in the socket's send slot, protected in place and
// queued for the batched send; on ICE-TCP it is built in a scratch buffer, protected
// and framed into the connection's bounded write buffer (dropped and counted when full).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/udp_socket.h"
#include "webrtc/path.h"
#include "webrtc/rtp_send_hint.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::dtls {
class Certificate;
}

namespace podium::webrtc {

class Transport;
struct MediaCounters;

class TransportListener {
 public:
  virtual ~TransportListener() = default;
  virtual void on_transport_connected(Transport& transport) = 0;
  // A decrypted RTP packet; the view stays valid for the duration of the call.
  virtual void on_rtp(Transport& transport, MutableBytes packet, TimePoint now) = 0;
  // A decrypted compound RTCP packet.
  virtual void on_rtcp(Transport& transport, Bytes packet, TimePoint now) = 0;
  virtual void on_transport_closed(Transport& transport, std::string_view reason) = 0;
};

enum class TransportState { kNew, kConnecting, kConnected, kClosed };

class Transport {
 public:
  Transport(const dtls::Certificate& certificate, net::UdpSocket& socket,
            TransportListener& listener, MediaCounters& counters);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  const std::string& local_ufrag() const;
  const std::string& local_password() const;
  const std::string& remote_ufrag() const;
  // From the remote description. Call restart_ice_if_changed first when the offer may
  // carry new credentials, so the answer is built with the new local ones.
  void set_remote_parameters(std::string ufrag, std::string password,
                             std::string fingerprint_algorithm, std::string fingerprint);
  // RFC 8445 §9: an offer whose ice-ufrag or ice-pwd differs from the current remote
  // ones restarts ICE. We draw new local credentials (the demux must re-register the
  // ufrag: see UdpDemux::rekey) and accept checks only with the new pair; the selected
  // path, DTLS and SRTP stay, so media goes on while the peer re-checks. Returns true
  // when this was a restart. The first offer is not one.
  bool restart_ice_if_changed(std::string_view remote_ufrag, std::string_view remote_password);

  // Returns true when the STUN message was a valid check, so the demux may bind `from`.
  bool receive_stun(Bytes datagram, const Path& from, TimePoint now);
  void receive_dtls(Bytes datagram, const Path& from, TimePoint now);
  void receive_srtp(MutableBytes datagram, const Path& from, TimePoint now);
  // An ICE-TCP connection is going away: if it was the selected path, nothing is sent
  // until a check selects another (RFC 7675 consent then decides the transport's fate).
  void connection_closed(const net::TcpConnection& connection);
  // Where packets go now, if anywhere.
  const std::optional<Path>& selected_path() const;
  // Drives DTLS retransmissions and closes the transport when ICE consent expires.
  void on_tick(TimePoint now);

  TransportState state() const { return state_; }
  bool connected() const { return state_ == TransportState::kConnected; }

  // Outgoing media: fill the slot (at most its size minus kSrtpTrailer bytes), then
  // commit. The packet is protected in place and queued on the selected path.
  static constexpr std::size_t kSrtpTrailer = 148;  // srtp::kMaxRtcpTrailerLength
  MutableBytes rtp_slot();
  // `hint`: a sender that always sends one SSRC keeps one, and its packets skip the SRTP
  // session's lookup by SSRC (srtp/stream_hint.h).
  void commit_rtp(std::size_t length, RtpSendHint* hint = nullptr);
  // A fan-out sends one packet to each of many transports, whose state has left the CPU
  // cache since their previous packet. The forwarding loop calls this a few consumers
  // ahead, with stage 0, 1, 2 on successive rounds (each stage needs what the previous
  // one fetched): the transport's state, its SRTP session, the session's cipher context
  // and streams. A hint only; it changes nothing.
  void prefetch_send(int stage) const;
  void send_rtcp(Bytes compound);

  void close(std::string_view reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TransportState state_ = TransportState::kNew;
};

}  // namespace podium::webrtc
