// One simulated WebRTC participant's media: a PeerConnection's worth of full ICE
// (controlling), DTLS, SRTP and RTP/RTCP over its own UDP socket, built from Podium's
// protocol layers in the client role. It publishes the replayed media of a MediaLibrary
// and receives the tracks it subscribed to without decoding them, counting what arrives.
// Everything runs on the tool's media loop thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dtls/certificate.h"
#include "dtls/dtls_transport.h"
#include "ice/ice_client_agent.h"
#include "net/event_loop.h"
#include "net/udp_socket.h"
#include "rtp/header_extensions.h"
#include "rtp/nack_generator.h"
#include "rtp/receive_statistics.h"
#include "rtp/transport_cc.h"
#include "srtp/srtp_session.h"
#include "tools/loadtest/media_library.h"
#include "util/clock.h"

namespace podium::loadtest {

// One-way forwarding delay without trusting the server with a timestamp: the publisher
// notes when it sent each payload (the server forwards payloads unchanged, apart from
// the VP8 picture ID) and a subscriber in the same process looks its payload up. The
// media loops, so the latest send of an identical payload is the one meant.
class SendTimes {
 public:
  static std::uint64_t fingerprint(Bytes media);  // payload after the VP8 descriptor
  void record(std::uint64_t fingerprint, TimePoint at) { sent_[fingerprint] = at; }
  std::optional<TimePoint> find(std::uint64_t fingerprint) const;

 private:
  std::unordered_map<std::uint64_t, TimePoint> sent_;
};

struct Section {
  std::string mid;
  std::string kind;  // "audio" or "video"
  bool send = false;
  std::string track_id;  // what a recvonly section subscribes to
};

struct ReceivedTrack {
  std::string mid;
  std::string track_id;
  std::string kind;
  std::uint32_t ssrc = 0;  // from the answer's a=ssrc
  bool answered_inactive = false;
  std::optional<rtp::ReceiveStatistics> statistics;
  rtp::NackGenerator nack;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  // payload bytes
  std::uint64_t nacks_sent = 0;  // sequence numbers asked for
  std::uint64_t keyframes = 0;
  std::uint64_t plis_sent = 0;
  std::optional<TimePoint> first_packet_at;
  std::optional<TimePoint> first_keyframe_at;
  const SendTimes* send_times = nullptr;
  std::vector<std::uint32_t> delays_us;  // sampled one-way delays
};

class RtcClient {
 public:
  struct Options {
    std::string local_address = "127.0.0.1";
    bool simulcast = true;           // one stream per library layer, else the top one only
    std::uint64_t remb_bps = 20'000'000;  // what a subscriber tells the server it can take
    int delay_sample_every = 1;     // keep every n-th delay sample
    // Video leaves through a pacer at this multiple of the video's bitrate, as libwebrtc's
    // does (pacing factor 2.5): a keyframe is spread over tens of ms instead of reaching
    // the server as one burst. 0: every frame's packets go out at once.
    double pacing_factor = 0;
    // As browsers do: offer transport-wide-cc (feedback "transport-cc") and abs-send-time;
    // where the server agrees, number every sent packet transport-wide, send transport-cc
    // feedback for what arrives every 100 ms (libwebrtc's default), and no REMB.
    bool transport_cc = true;
  };

  RtcClient(net::EventLoop& loop, const dtls::Certificate& certificate, const MediaLibrary& media,
            Options options);
  ~RtcClient();
  RtcClient(const RtcClient&) = delete;
  RtcClient& operator=(const RtcClient&) = delete;

  // Sections in m-line order. Mids are stable across renegotiation.
  std::string add_send_section(const std::string& kind);
  std::string add_receive_section(const std::string& kind, const std::string& track_id);
  std::string make_offer() const;
  // Our side's DTLS role for an offerer that says actpass: set by the answer's setup.
  // Returns an error text, or empty on success. The first answer starts ICE and DTLS.
  std::string apply_answer(const std::string& sdp);

  // The server offers instead (a Janus subscriber): every audio/video m-line of `sdp` is
  // received (its mid mapped to a track id by `tracks`, else "mid:<mid>"); the others are
  // rejected. Fills `answer` and starts ICE (controlled, RFC 8445 §6.1.1) and DTLS (client,
  // a=setup:active). Returns an error text, or empty on success.
  std::string apply_offer(const std::string& sdp, const std::map<std::string, std::string>& tracks,
                          std::string& answer);

  // A track id the server gave to one of our send sections, for the delay table.
  void set_published_track(const std::string& mid, SendTimes* times);

  void start_sending() { sending_ = true; }
  void stop_sending() { sending_ = false; }
  void send_audio_frame(TimePoint now);
  void send_video_frame(TimePoint now);
  // With pacing: sends the queued video the budget allows; call every few ms.
  void pace(TimePoint now);
  // ICE and DTLS retransmissions, NACKs, RTCP reports; call every ~10 ms.
  void tick(TimePoint now);
  void flush();

  bool connected() const { return srtp_out_.has_value(); }
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  std::optional<TimePoint> connected_at() const { return connected_at_; }
  std::vector<ReceivedTrack>& received() { return received_; }
  const std::vector<ReceivedTrack>& received() const { return received_; }
  std::uint64_t packets_sent() const { return packets_sent_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t retransmissions_sent() const { return retransmissions_sent_; }
  std::uint64_t plis_received() const { return plis_received_; }
  std::uint64_t decrypt_failures() const { return decrypt_failures_; }
  // The transport-wide-cc extension id the server agreed to; 0: not negotiated.
  std::uint8_t transport_cc_id() const { return transport_cc_id_; }
  std::uint64_t transport_feedback_sent() const { return transport_feedback_sent_; }
  const net::UdpCounters& socket_counters() const { return socket_.counters(); }

 private:
  struct VideoStream {
    std::uint32_t ssrc = 0;
    std::uint16_t sequence = 0;
    std::uint16_t picture_id = 0;
    std::size_t frame = 0;  // next frame of the loop
    bool restart = false;   // a PLI asked for a keyframe
    std::uint32_t packets = 0;
    std::uint32_t octets = 0;
  };
  struct PacedPacket {
    std::size_t stream = 0;  // index into video_
    bool marker = false;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    std::vector<std::uint8_t> payload;  // picture ID already set
  };
  struct SentPacket {
    std::uint16_t sequence = 0;
    std::uint16_t length = 0;
    std::array<std::uint8_t, 1300> data;
  };

  void on_readable();
  void handle_datagram(MutableBytes datagram, const net::Endpoint& from, TimePoint now);
  void handle_rtp(MutableBytes datagram, TimePoint now);
  void handle_rtcp(MutableBytes datagram, TimePoint now);
  void on_dtls_output();
  void send_rtp(std::uint32_t ssrc, std::uint8_t payload_type, bool marker, std::uint16_t sequence,
                std::uint32_t timestamp, Bytes payload, std::span<const rtp::ExtensionElement> extensions,
                bool store);
  // Stream `index` of video_; `bytes` has its picture ID set.
  void send_video_packet(std::size_t index, bool marker, std::uint16_t sequence, std::uint32_t timestamp,
                         Bytes bytes, TimePoint now);
  void send_rtcp(MutableBytes packet, std::size_t length);
  void send_reports(TimePoint now);
  void send_transport_feedback();
  void resend(std::uint32_t ssrc, std::uint16_t sequence);
  void fail(std::string reason);
  ReceivedTrack* find_received(std::uint32_t ssrc, const std::optional<Bytes>& mid);

  net::EventLoop& loop_;
  const MediaLibrary& media_;
  Options options_;
  std::deque<PacedPacket> paced_;
  double pacing_bytes_per_us_ = 0;
  double pacing_budget_ = 0;  // bytes; may go below zero by the last packet sent
  std::optional<TimePoint> paced_at_;
  net::UdpSocket socket_;
  net::Endpoint server_;
  std::string ufrag_, pwd_;
  ice::IceClientAgent ice_;
  const dtls::Certificate* certificate_;
  std::optional<dtls::DtlsTransport> dtls_;
  std::string remote_fingerprint_;
  bool started_ = false;
  std::optional<srtp::SrtpSession> srtp_in_, srtp_out_;
  std::optional<TimePoint> connected_at_;
  bool failed_ = false;
  std::string failure_;
  bool sending_ = false;

  std::vector<Section> sections_;
  std::vector<ReceivedTrack> received_;
  std::unordered_map<std::uint32_t, std::size_t> received_by_ssrc_;
  std::size_t last_found_ = 0;  // the received_ entry find_received returned last

  std::uint32_t rtcp_ssrc_;
  std::string audio_mid_, video_mid_;
  std::uint32_t audio_ssrc_ = 0;
  std::uint16_t audio_sequence_ = 0;
  std::size_t audio_frame_ = 0;
  std::uint32_t audio_timestamp_ = 0;
  std::uint32_t audio_packets_ = 0, audio_octets_ = 0;
  std::uint32_t video_timestamp_ = 0;
  std::vector<VideoStream> video_;
  std::vector<std::unique_ptr<std::array<SentPacket, 256>>> sent_;  // per video stream
  SendTimes* audio_times_ = nullptr;
  SendTimes* video_times_ = nullptr;
  TimePoint next_report_at_{};
  std::uint64_t delay_counter_ = 0;
  std::vector<std::uint16_t> nack_scratch_;
  std::uint8_t transport_cc_id_ = 0;   // agreed ids; 0: not negotiated
  std::uint8_t abs_send_time_id_ = 0;
  std::uint16_t transport_sequence_ = 0;  // the next sent packet's transport-wide number
  rtp::TransportCcRecorder arrivals_;
  TimePoint next_feedback_at_{};
  std::uint64_t transport_feedback_sent_ = 0;

  std::uint64_t packets_sent_ = 0, bytes_sent_ = 0, retransmissions_sent_ = 0;
  std::uint64_t plis_received_ = 0, decrypt_failures_ = 0;
};

}  // namespace podium::loadtest
