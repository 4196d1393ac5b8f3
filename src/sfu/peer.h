// One participant's media session on a worker: its transport, the tracks it publishes
// (producers) and the tracks it receives (consumers), keyed by m-section mid.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/event_loop.h"
#include "rtp/rtp_packet.h"
#include "rtp/transport_cc.h"
#include "sfu/bandwidth_estimator.h"
#include "sfu/media_server.h"
#include "sfu/probe.h"
#include "sfu/track.h"
#include "webrtc/transport.h"

namespace podium::sdp {
struct SessionDescription;
}

namespace podium::sfu {

class Consumer;
class Producer;
class Router;
class Worker;

class Peer final : public webrtc::TransportListener {
 public:
  Peer(SessionId id, SessionOptions options, Router& router, Worker& worker);
  ~Peer() override;

  SessionId id() const { return id_; }
  const std::string& participant_id() const { return options_.participant_id; }
  Router& router() const { return router_; }
  webrtc::Transport& transport() { return *transport_; }
  webrtc::MediaCounters& counters();
  bool worker_behind() const;

  NegotiateResult negotiate(const NegotiateRequest& request, TimePoint now);
  void set_may_publish(bool may_publish) { options_.may_publish = may_publish; }
  // Removes every producer and consumer; returns the ids of the tracks that ended.
  std::vector<std::string> close_media(TimePoint now);

  // Periodic RTCP: receiver reports for producers, sender reports for consumers, in as few
  // compound packets as fit. Each peer keeps its own randomised interval (schedule_reports).
  void send_reports(TimePoint now);
  // The worker's short tick: NACKs toward this peer that fell due (Producer::on_tick),
  // and bandwidth probing. The worker visits only the peers that need it.
  void on_tick(TimePoint now);
  // A DTLS handshake in progress (its retransmission timer), a published track (NACK
  // timers), or probing: what the 20 ms tick is for. A connected subscriber that is not
  // probing needs only the worker's one-second visit (ICE consent).
  bool needs_short_tick() const;
  // Puts the peer on the worker's short-tick list if it needs it and is not there yet.
  void want_short_tick();
  // From the worker's short tick: false (and off the list) once the peer no longer needs it.
  bool keep_short_tick();
  // Smoothed round trip to this peer, from the report blocks it sends about our
  // sender reports (RFC 3550 §6.4.1); nullopt until one arrives.
  std::optional<Duration> round_trip_time() const { return rtt_; }
  // PLI toward this peer for one stream (its media SSRC) of one of its producers.
  void send_keyframe_request(const Producer& producer, std::uint32_t media_ssrc);
  // Generic NACK toward this peer for packets of one stream of one of its producers
  // (RFC 4585 §6.2.1).
  void send_nack(const Producer& producer, std::uint32_t media_ssrc,
                 std::span<const std::uint16_t> sequence_numbers);
  // The consumer of a recvonly m-section, or null.
  Consumer* consumer(const std::string& mid);

  // webrtc::TransportListener
  void on_transport_connected(webrtc::Transport& transport) override;
  void on_rtp(webrtc::Transport& transport, MutableBytes packet, TimePoint now) override;
  void on_rtcp(webrtc::Transport& transport, Bytes packet, TimePoint now) override;
  void on_transport_closed(webrtc::Transport& transport, std::string_view reason) override;

 private:
  Producer* producer_for_packet(const rtp::RtpPacket& packet);
  // The producer an RTX packet (RFC 4588) repairs: by the RTX SSRC, else by its RTX
  // payload type (and MID, if several sections use it), learning the SSRC.
  Producer* rtx_producer_for_packet(const rtp::RtpPacket& packet);
  void on_rtx(Producer& producer, MutableBytes data, const rtp::RtpPacket& packet, TimePoint now);
  void remove_producer(const std::string& mid, TimePoint now, std::vector<std::string>& removed);
  void remove_consumer(const std::string& mid);
  void request_keyframe_for(std::uint32_t consumer_ssrc, TimePoint now);
  void on_report_block(const rtp::ReportBlock& block);
  // The next reports in `mean` times a random factor (rtp::randomized_report_interval).
  void schedule_reports(Duration mean);
  std::optional<Duration> rtt_;
  net::TimerId report_timer_ = 0;
  bool on_short_tick_list_ = false;

  SessionId id_;
  SessionOptions options_;
  Router& router_;
  Worker& worker_;
  std::unique_ptr<webrtc::Transport> transport_;
  std::uint32_t rtcp_ssrc_;  // sender SSRC of our RTCP toward this peer
  std::uint64_t answer_version_ = 0;
  std::uint64_t session_id_;

  std::map<std::string, std::unique_ptr<Producer>> producers_;  // by mid
  std::map<std::string, std::unique_ptr<Consumer>> consumers_;  // by mid
  std::unordered_map<std::uint32_t, Producer*> producer_by_ssrc_;
  std::unordered_map<std::uint32_t, Producer*> producer_by_rtx_ssrc_;
  std::unordered_map<std::uint32_t, Consumer*> consumer_by_ssrc_;
  std::vector<std::uint8_t> mid_extension_ids_;  // every id the offer gave the MID extension

  // Bandwidth estimation (draft-holmer-rmcat-transport-wide-cc-extensions-01).
 public:
  // The available bitrate toward this peer as a subscriber, from its transport-cc
  // feedback (REMB when it sends none); the initial value until feedback arrives.
  std::uint64_t estimated_bitrate() const { return estimator_.estimate_bps(); }
  // Called on the worker thread with every new estimate: the hook that caps what this
  // subscriber's consumers send. Allocation across consumers (the speaker's video
  // first, thumbnails low) belongs to layer selection.
  std::function<void(std::uint64_t bps)> on_estimate;
  // The transport-wide sequence number the next packet to this peer carries, and the
  // record of it once sent (Consumer::send).
  std::uint16_t next_transport_sequence() const { return sent_history_.next_sequence(); }
  void on_transport_sequence_sent(std::uint16_t sequence, std::size_t size, TimePoint now);
  // Hints for the fan-out, a few consumers ahead (Consumer::prefetch): the line holding
  // the transport-wide counter and the probe cluster, then the history entry the next
  // packet takes. Over hundreds of subscribers both had left the cache since their
  // peer's previous packet.
  void prefetch_send_state() const { __builtin_prefetch(&probe_); }
  void prefetch_sent_entry() const { sent_history_.prefetch_next(); }

 private:
  void record_arrival(const rtp::RtpPacket& packet, TimePoint now);
  void send_transport_feedback(TimePoint now);
  void on_transport_feedback(const rtp::RtcpPacket& packet, TimePoint now);
  void on_remb(const rtp::RtcpPacket& packet, TimePoint now);
  void publish_estimate();
  void allocate_bandwidth(std::uint64_t bps, TimePoint now);
  // Bandwidth probing (sfu/probe.h) while a consumer is held below its preferred stream:
  // starts a cluster when the controller says so, keeps it at its rate on each tick.
  void run_probe(TimePoint now);
  void pad_probe(TimePoint now);
  void on_probe_outcome(const BandwidthEstimator::ProbeOutcome& outcome, TimePoint now);

  // Toward the publisher: arrivals of what it sends, reported every kFeedbackInterval.
  std::uint8_t transport_cc_id_ = 0;  // the publisher's transport-wide-cc extension id
  rtp::TransportCcRecorder arrivals_;
  TimePoint last_feedback_sent_{};
  // Read and written for every packet sent to this peer, in one cache line: the probe
  // cluster being sent (id 0: none), then the history, whose counter comes first.
  alignas(64) ProbeCluster probe_;
  // From the subscriber: what we sent, its feedback, the estimate.
  SentPacketHistory sent_history_;
  BandwidthEstimator estimator_;
  std::vector<rtp::TransportCcStatus> feedback_statuses_;  // reused between feedbacks
  std::vector<PacketResult> feedback_results_;
  std::uint64_t reported_estimate_ = 0;  // what the metrics gauge holds for this peer
  ProbeController probe_controller_;
  std::uint32_t last_probe_cluster_ = 0;
  std::size_t probe_turn_ = 0;           // round robin over the consumers that can probe
  std::vector<Consumer*> probe_consumers_;  // reused
};

}  // namespace podium::sfu
