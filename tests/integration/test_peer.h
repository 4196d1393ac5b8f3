// A minimal WebRTC endpoint for integration tests: full ICE (controlling), DTLS client,
// SRTP, over a real UDP socket on loopback. It speaks to Podium exactly as a browser
// would on the wire, with Podium's own protocol layers in the client role.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dtls/certificate.h"
#include "dtls/dtls_transport.h"
#include "net/tcp_connection.h"
#include "net/udp_socket.h"
#include "rtp/header_extensions.h"
#include "rtp/rtcp_packet.h"
#include "srtp/srtp_session.h"
#include "util/bytes.h"

namespace podium::testing {

struct ReceivedRtp {
  std::uint32_t ssrc;
  std::uint16_t sequence;
  std::uint32_t timestamp;
  std::uint8_t payload_type;
  std::vector<std::uint8_t> payload;
  // The playout-delay extension, when the offer negotiated it (with_playout_delay).
  std::optional<rtp::PlayoutDelay> playout_delay;
  std::size_t padding = 0;  // RFC 3550 §5.1 padding octets after the payload
};

// One RTCP compound that carried a sender or receiver report, as it arrived.
struct ReceivedReportCompound {
  std::chrono::steady_clock::time_point arrival;
  std::vector<rtp::RtcpType> types;              // the compound's packets, in order
  std::vector<std::uint32_t> reporting_ssrcs;    // each SR's and RR's sender SSRC, in order
  std::vector<std::uint32_t> cname_ssrcs;        // SSRCs of the SDES CNAME items, in order
};

struct OfferSection {
  std::string kind;       // "audio" or "video"
  std::string direction;  // "sendonly" or "recvonly"
  std::uint32_t ssrc = 0; // for sendonly
  std::string mid;
  // Video: offer rtx (RFC 4588, payload type 97 with apt=96). For sendonly, a nonzero
  // rtx_ssrc is announced with a=ssrc-group:FID.
  bool rtx = false;
  std::uint32_t rtx_ssrc = 0;
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
  // While true, UDP sends queue up (up to a batch) until flush_sends(): a burst leaves
  // in one sendmmsg, as a browser's frame does.
  bool hold_sends = false;
  void flush_sends() { socket_.flush(); }
  // Sends a PLI for `media_ssrc` (a subscriber asking for a keyframe).
  void send_pli(std::uint32_t media_ssrc);
  // Generic NACK (RFC 4585 §6.2.1) for `media_ssrc` listing these lost packets.
  void send_nack(std::uint32_t media_ssrc, const std::vector<std::uint16_t>& sequence_numbers);
  // Keeps consent fresh (one binding request).
  void send_check();
  // Receives for up to timeout_ms, collecting RTP and counting RTCP.
  void pump(int timeout_ms);

  std::vector<ReceivedRtp> received;
  bool keep_packets = true;  // false: only count (benchmarks)
  std::size_t rtp_received = 0;
  std::size_t rtcp_received = 0;
  std::size_t pli_received = 0;
  // Sequence numbers asked for by generic NACKs received, per media SSRC, in order.
  std::vector<std::pair<std::uint32_t, std::uint16_t>> nacked;
  // Every RTCP compound received that holds an SR or RR.
  std::vector<ReceivedReportCompound> report_compounds;
  // Incoming RTP with these sequence numbers is discarded once, before SRTP sees it:
  // a packet lost on the way (a later copy then passes the replay check).
  std::vector<std::uint16_t> lose;
  net::Endpoint server;

  // ICE-TCP (RFC 6544 active side) and path changes. The server's passive TCP candidate
  // from the last answer, if it had one.
  std::optional<net::Endpoint> tcp_server;
  // From now on everything goes over a TCP connection to tcp_server in RFC 4571 frames,
  // and UDP is no longer used. False when the answer had no TCP candidate or connect failed.
  bool use_tcp();
  // The client's network changed: a new UDP socket on a new port. DTLS and SRTP stay;
  // the next send_check() nominates the new 5-tuple.
  void rebind_udp();
  std::uint16_t local_udp_port() const { return socket_.local_endpoint().port(); }
  // New local ICE credentials for the next offer (an ICE restart, RFC 8445 §9); checks
  // use the new pair once the answer to that offer is applied.
  void restart_ice();
  // One check with the current credentials and a wait for its success response.
  bool check(int timeout_ms = 2000);
  std::size_t stun_errors_received = 0;

 private:
  void handle(MutableBytes datagram);
  void transmit(Bytes packet);
  void pump_tcp(int timeout_ms);
  std::optional<net::TcpConnection> tcp_;

  net::UdpSocket socket_;
  std::string ufrag_, pwd_;
  std::string remote_ufrag_, remote_pwd_, remote_fingerprint_;
  dtls::Certificate certificate_;
  std::optional<dtls::DtlsTransport> dtls_;
  std::optional<srtp::SrtpSession> srtp_in_, srtp_out_;
  bool ice_ok_ = false;

 public:
  // Audio level (RFC 6464): the a=extmap line to add to an offer's audio section, and a
  // packet carrying the level (-dBov, 127 = silence) and the V flag with that id.
  static constexpr std::uint8_t kAudioLevelId = 1;
  static std::string with_audio_level(std::string offer);
  void send_audio(std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp,
                  std::uint8_t level, bool voice);

  // The playout-delay extension (webrtc.org experiments) at kPlayoutDelayId in every
  // video section of an offer, as browsers offer it; received values land in
  // ReceivedRtp::playout_delay.
  static constexpr std::uint8_t kPlayoutDelayId = 6;
  static std::string with_playout_delay(std::string offer);

  // Simulcast (RFC 8853): the lines that make the offer's section `mid` send one stream
  // per rid (listed low → high), with the RtpStreamId extension (RFC 8852) at
  // kRtpStreamIdId; and a packet carrying the MID and its rid in those extensions.
  static constexpr std::uint8_t kRtpStreamIdId = 10;
  static std::string with_simulcast(std::string offer, const std::string& mid,
                                    const std::vector<std::string>& rids);
  void send_rtp_with_rid(std::uint32_t ssrc, std::uint8_t payload_type, std::uint16_t sequence,
                         std::uint32_t timestamp, const std::string& mid, const std::string& rid,
                         Bytes payload, bool marker = false);
  // The media SSRC of every PLI received, in order.
  std::vector<std::uint32_t> pli_ssrcs;

  // Transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
  // the a=extmap line at kTransportCcId added to every section of an offer; a packet
  // carrying a transport-wide sequence number; and what arrived with that extension.
  static constexpr std::uint8_t kTransportCcId = 5;
  static std::string with_transport_cc(std::string offer);
  void send_rtp_with_transport_sequence(std::uint32_t ssrc, std::uint8_t payload_type,
                                        std::uint16_t sequence, std::uint32_t timestamp,
                                        std::uint16_t transport_sequence, Bytes payload);
  // Transport-wide sequence numbers of received RTP, in arrival order.
  std::vector<std::uint16_t> transport_sequences;
  // Every transport-cc feedback packet (RTPFB FMT 15) received, as bytes.
  std::vector<std::vector<std::uint8_t>> transport_feedback;
  // Any RTCP compound, protected and sent.
  void send_rtcp(Bytes compound);

  // The SRTP protection profiles the client offers in DTLS use_srtp (RFC 5764 §4.1.1),
  // and the one the server chose once connected.
  std::vector<dtls::SrtpProfile> srtp_profiles = dtls::default_srtp_profiles();
  std::optional<dtls::SrtpProfile> srtp_profile() const {
    auto keys = dtls_ ? dtls_->srtp_keys() : std::nullopt;
    return keys ? std::optional(keys->profile) : std::nullopt;
  }
};

// A publisher path that needs repairs: `gaps` times, five packets are sent by `send`
// with the third missing, and the missing one follows `repair_ms` later (the publisher
// pumped meanwhile, so it receives Podium's NACK), as over a long lossy path. `sequence`
// advances past what was sent; `subscriber` is pumped after each repair.
void send_with_repaired_gaps(TestPeer& publisher, TestPeer& subscriber, std::uint16_t& sequence, int gaps,
                             int repair_ms, const std::function<void(std::uint16_t)>& send);

}  // namespace podium::testing
