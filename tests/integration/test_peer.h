// A minimal WebRTC endpoint for integration tests: full ICE (controlling), DTLS client,
// SRTP, over a real UDP socket on loopback. It speaks to Podium exactly as a browser
// would on the wire, with Podium's own protocol layers in the client role.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dtls/certificate.h"
#include "dtls/dtls_transport.h"
#include "net/udp_socket.h"
#include "srtp/srtp_session.h"
#include "util/bytes.h"

namespace podium::testing {

struct ReceivedRtp {
  std::uint32_t ssrc;
  std::uint16_t sequence;
  std::uint32_t timestamp;
  std::uint8_t payload_type;
  std::vector<std::uint8_t> payload;
};

struct OfferSection {
  std::string kind;       // "audio" or "video"
  std::string direction;  // "sendonly" or "recvonly"
  std::uint32_t ssrc = 0; // for sendonly
  std::string mid;
};

class TestPeer {
 public:
  TestPeer();

  std::string make_offer(const std::vector<OfferSection>& sections) const;
  // Reads the server's ICE credentials, fingerprint and candidate from the answer.
  bool apply_answer(const std::string& sdp);
  // ICE check with USE-CANDIDATE, then the DTLS handshake; true when SRTP is ready.
  bool connect(int timeout_ms = 5000);

  void send_rtp(std::uint32_t ssrc, std::uint8_t payload_type, std::uint16_t sequence,
                std::uint32_t timestamp, Bytes payload, bool marker = false);
  void send_raw(Bytes datagram);
  // Sends a PLI for `media_ssrc` (a subscriber asking for a keyframe).
  void send_pli(std::uint32_t media_ssrc);
  // Keeps consent fresh (one binding request).
  void send_check();
  // Receives for up to timeout_ms, collecting RTP and counting RTCP.
  void pump(int timeout_ms);

  std::vector<ReceivedRtp> received;
  bool keep_packets = true;  // false: only count (benchmarks)
  std::size_t rtp_received = 0;
  std::size_t rtcp_received = 0;
  std::size_t pli_received = 0;
  net::Endpoint server;

 private:
  void handle(MutableBytes datagram);

  net::UdpSocket socket_;
  std::string ufrag_, pwd_;
  std::string remote_ufrag_, remote_pwd_, remote_fingerprint_;
  dtls::Certificate certificate_;
  std::optional<dtls::DtlsTransport> dtls_;
  std::optional<srtp::SrtpSession> srtp_in_, srtp_out_;
  bool ice_ok_ = false;
};

}  // namespace podium::testing
