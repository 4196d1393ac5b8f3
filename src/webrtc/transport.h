// One peer's ICE + DTLS + SRTP, stacked (ICE-lite server side, DTLS server role).
// Bytes come in already demultiplexed (see UdpDemux); decrypted RTP and RTCP go up to
// the listener; outgoing media is built in the socket's send slot, protected in place
// and queued for the batched send.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/udp_socket.h"
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
  // From the remote description. A changed ufrag is an ICE restart (not supported yet).
  void set_remote_parameters(std::string ufrag, std::string password,
                             std::string fingerprint_algorithm, std::string fingerprint);

  // Returns true when the STUN message was a valid check, so the demux may bind `from`.
  bool receive_stun(Bytes datagram, const net::Endpoint& from, TimePoint now);
  void receive_dtls(Bytes datagram, const net::Endpoint& from, TimePoint now);
  void receive_srtp(MutableBytes datagram, const net::Endpoint& from, TimePoint now);
  // Drives DTLS retransmissions and closes the transport when ICE consent expires.
  void on_tick(TimePoint now);

  TransportState state() const { return state_; }
  bool connected() const { return state_ == TransportState::kConnected; }

  // Outgoing media: fill the slot (at most its size minus kSrtpTrailer bytes), then
  // commit. The packet is protected in place and queued on the socket.
  static constexpr std::size_t kSrtpTrailer = 148;  // srtp::kMaxRtcpTrailerLength
  MutableBytes rtp_slot();
  void commit_rtp(std::size_t length);
  void send_rtcp(Bytes compound);

  void close(std::string_view reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TransportState state_ = TransportState::kNew;
};

}  // namespace podium::webrtc
