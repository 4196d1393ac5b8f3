// A peer's bandwidth side: transport-wide congestion control feedback toward publishers
// (draft-holmer-rmcat-transport-wide-cc-extensions-01), the estimate for a subscriber
// from its feedback or REMB, that estimate shared over its consumers, and bandwidth
// probes (sfu/probe.h). The rest of Peer is in peer.cc.
#include "sfu/peer.h"

#include <algorithm>
#include <vector>

#include "rtp/rtcp_packet.h"
#include "rtp/rtcp_writer.h"
#include "sfu/consumer.h"
#include "sfu/layer_selection.h"
#include "sfu/producer.h"
#include "sfu/router.h"
#include "sfu/worker.h"
#include "util/log.h"

namespace podium::sfu {

namespace {
// Feedback toward a publisher every 50 ms while it sends (libwebrtc's receivers use
// 50-250 ms; the sender's estimate reacts no faster than its feedback).
constexpr Duration kFeedbackInterval{50'000};
}  // namespace

void Peer::record_arrival(const rtp::RtpPacket& packet, TimePoint now) {
  auto value = packet.extension(transport_cc_id_);
  if (!value) return;
  auto sequence = rtp::parse_transport_sequence_number(*value);
  if (!sequence) return;
  arrivals_.on_packet(*sequence, now);
  // Sent from the receive path, so there is no timer: a publisher that stops sending
  // has nothing more to report, and the last ≤50 ms go out with its next packet.
  if (now - last_feedback_sent_ >= kFeedbackInterval) send_transport_feedback(now);
}

void Peer::send_transport_feedback(TimePoint now) {
  last_feedback_sent_ = now;
  if (!transport_->connected()) return;
  std::uint32_t media_ssrc = 0;
  for (auto& [mid, producer] : producers_) {
    if (auto ssrc = producer->ssrc()) {
      media_ssrc = *ssrc;
      break;
    }
  }
  std::uint8_t buffer[1200];
  for (int i = 0; i < 4 && arrivals_.has_pending(); ++i) {
    std::size_t length = arrivals_.write_feedback(buffer, sizeof buffer, rtcp_ssrc_, media_ssrc);
    if (length == 0) break;
    transport_->send_rtcp(Bytes(buffer, length));
    worker_.counters().transport_cc_feedback_sent.add();
  }
}

void Peer::on_transport_sequence_sent(std::uint16_t sequence, std::size_t size, TimePoint now) {
  // Everything sent while a cluster runs belongs to it (media too): the cluster's rate
  // is what the path had to carry.
  if (probe_.id) probe_.on_sent(size);
  sent_history_.on_sent(sequence, size, now, probe_.id);
}

void Peer::on_transport_feedback(const rtp::RtcpPacket& packet, TimePoint now) {
  auto feedback = rtp::TransportCc::parse(packet);
  if (!feedback || !rtp::read_transport_cc(*feedback, feedback_statuses_)) {
    worker_.counters().drop(webrtc::DropReason::kMalformedRtcp);
    return;
  }
  worker_.counters().transport_cc_feedback_received.add();
  feedback_results_.clear();
  for (const auto& status : feedback_statuses_) {
    // Only what we sent and still remember; anything else is not ours to judge by.
    const auto* sent = sent_history_.find(status.sequence);
    if (!sent) continue;
    feedback_results_.push_back(
        {sent->sent_at, sent->size, status.received, status.receive_time_us, sent->probe_cluster});
  }
  if (feedback_results_.empty()) return;
  estimator_.on_feedback(feedback_results_, now);
  if (auto outcome = estimator_.take_probe_outcome()) on_probe_outcome(*outcome, now);
  publish_estimate();
}

void Peer::on_remb(const rtp::RtcpPacket& packet, TimePoint now) {
  auto remb = rtp::Remb::parse(packet);
  if (!remb) return;  // another application-layer feedback
  worker_.counters().remb_received.add();
  estimator_.on_remb(remb->bitrate(), now);
  publish_estimate();
}

void Peer::publish_estimate() {
  std::uint64_t bps = estimator_.estimate_bps();
  auto& counters = worker_.counters();
  if (!reported_estimate_) counters.estimated_bitrate_subscribers.add();
  counters.estimated_bitrate_sum.sub(reported_estimate_);
  counters.estimated_bitrate_sum.add(bps);
  reported_estimate_ = bps;
  allocate_bandwidth(bps, worker_.loop().now());
  if (on_estimate) on_estimate(bps);
}

// The estimate is shared by everything this subscriber receives: audio first (small and
// essential), then the video consumers, the stage (the floor holder) before thumbnails.
void Peer::allocate_bandwidth(std::uint64_t bps, TimePoint now) {
  constexpr std::uint64_t kAudioReserve = 40'000;
  constexpr std::size_t kMaxLayers = 4;
  std::vector<Consumer*> video;
  std::vector<std::array<LayerInfo, kMaxLayers>> layers;
  std::vector<BandwidthDemand> demands;
  std::uint64_t budget = bps;
  Producer* stage = router_.stage_source(MediaKind::kVideo);
  for (auto& [mid, consumer] : consumers_) {
    Producer* source = consumer->source();
    if (!source) continue;
    if (consumer->kind() == MediaKind::kAudio) {
      budget = budget > kAudioReserve ? budget - kAudioReserve : 0;
      continue;
    }
    video.push_back(consumer.get());
  }
  layers.resize(video.size());
  for (std::size_t i = 0; i < video.size(); ++i) {
    Producer* source = video[i]->source();
    std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(source->stream_count()), kMaxLayers);
    source->describe_layers(now, std::span<LayerInfo>(layers[i].data(), count));
    BandwidthDemand demand;
    demand.priority = (video[i]->follows_stage || source == stage) ? 1 : 0;
    demand.preferred = video[i]->preferred_spatial_layer();
    demand.layers = std::span<const LayerInfo>(layers[i].data(), count);
    demand.current = video[i]->current_spatial_layer();
    demands.push_back(demand);
  }
  auto caps = allocate_bitrate(budget, demands);
  for (std::size_t i = 0; i < video.size(); ++i) video[i]->set_max_bitrate(caps[i], now);
  // Held back by bandwidth: some consumer's cap is below the stream it would take
  // without a limit. What they all would take (plus audio) is what a probe aims for.
  auto wanted = unlimited_bitrates(demands);
  bool limited = false;
  std::uint64_t demanded = bps - budget;  // the audio reserve
  for (std::size_t i = 0; i < video.size(); ++i) {
    demanded += wanted[i];
    if (caps[i] && *caps[i] < wanted[i]) limited = true;
  }
  probe_controller_.on_allocation(limited, demanded, bps, now);
  want_short_tick();  // a limited subscriber probes on the short tick
}

// --- Bandwidth probing (sfu/probe.h) ---

void Peer::run_probe(TimePoint now) {
  if (probe_.id) {
    pad_probe(now);
    // A cluster that cannot reach its packet count (nothing to send) ends anyway.
    if (probe_.complete(now) || now - probe_.started_at >= 4 * ProbeCluster::kDuration) {
      estimator_.on_probe_cluster_sent(probe_.id, probe_.packets_sent, now);
      log::debug("sfu", "{}: probe cluster {} sent: {} packets, {} bytes in {} ms", participant_id(),
                 probe_.id, probe_.packets_sent, probe_.bytes_sent,
                 (now - probe_.started_at).count() / 1000);
      probe_ = ProbeCluster{};
    }
    return;
  }
  // Probing is measured by transport-cc feedback; a REMB-only subscriber is not probed.
  if (!estimator_.has_feedback() || !transport_->connected()) return;
  auto target = probe_controller_.due(now);
  if (!target) return;
  bool can = std::any_of(consumers_.begin(), consumers_.end(),
                         [](const auto& entry) { return entry.second->can_probe(); });
  if (!can) {
    log::debug("sfu", "{}: held below its preferred stream but no consumer has RTX: not probing",
               participant_id());
    probe_controller_.on_result(0, now);
    return;
  }
  if (++last_probe_cluster_ == 0) last_probe_cluster_ = 1;  // 0 means no cluster
  probe_.id = last_probe_cluster_;
  probe_.target_bps = *target;
  probe_.started_at = now;
  worker_.counters().probe_clusters.add();
  log::debug("sfu", "{}: probe cluster {} at {} kbit/s (estimate {} kbit/s, held below the preferred stream)",
             participant_id(), probe_.id, *target / 1000, estimator_.estimate_bps() / 1000);
  pad_probe(now);
}

void Peer::pad_probe(TimePoint now) {
  probe_consumers_.clear();
  for (auto& [mid, consumer] : consumers_)
    if (consumer->can_probe()) probe_consumers_.push_back(consumer.get());
  if (probe_consumers_.empty()) return;
  // Each tick sends what the target rate asks for since the start; a bound per tick
  // keeps a stalled loop from bursting.
  constexpr int kMaxPacketsPerTick = 64;
  for (int i = 0; i < kMaxPacketsPerTick && probe_.bytes_due(now) > 0; ++i) {
    Consumer* consumer = probe_consumers_[probe_turn_++ % probe_consumers_.size()];
    std::size_t sent = consumer->send_probe(now);
    if (sent == 0) break;
    worker_.counters().probe_packets.add();
    worker_.counters().probe_bytes.add(sent);
  }
}

void Peer::on_probe_outcome(const BandwidthEstimator::ProbeOutcome& outcome, TimePoint now) {
  if (outcome.raised()) worker_.counters().probe_raised.add();
  // A late result of an earlier cluster (the controller gave up on it) is not its answer.
  bool success = false;
  if (outcome.cluster == last_probe_cluster_ && probe_controller_.waiting_for_result())
    success = probe_controller_.on_result(outcome.raised() ? outcome.after_bps : 0, now);
  if (success) {
    log::info("sfu", "{}: bandwidth probe arrived at {} kbit/s: estimate {} -> {} kbit/s", participant_id(),
              outcome.measured_bps.value_or(0) / 1000, outcome.before_bps / 1000, outcome.after_bps / 1000);
    return;
  }
  log::debug("sfu", "{}: probe cluster {} {}: estimate {} -> {} kbit/s, next probe in {} s", participant_id(),
             outcome.cluster,
             outcome.measured_bps ? fmt::format("arrived at {} kbit/s", *outcome.measured_bps / 1000)
                                  : std::string("could not be measured (packets lost or too few)"),
             outcome.before_bps / 1000, outcome.after_bps / 1000,
             std::chrono::duration_cast<std::chrono::seconds>(probe_controller_.interval()).count());
}

}  // namespace podium::sfu
