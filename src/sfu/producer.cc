#include "sfu/producer.h"

#include <algorithm>

#include "sfu/consumer.h"
#include "webrtc/media_counters.h"
#include "sfu/peer.h"
#include "sfu/router.h"

namespace podium::sfu {

Producer::Producer(std::string id, std::string mid, MediaKind kind, RtpCodecParameters codec,
                   rtp::ExtensionMap extensions, Peer& publisher, std::uint64_t sequence)
    : id_(std::move(id)), mid_(std::move(mid)), kind_(kind), codec_(std::move(codec)),
      extensions_(extensions), publisher_(&publisher), sequence_(sequence) {
  streams_.push_back(make_stream(""));
}

Producer::Producer(std::string id, MediaKind kind, RtpCodecParameters codec)
    : id_(std::move(id)), kind_(kind), codec_(std::move(codec)), publisher_(nullptr), sequence_(0) {
  streams_.push_back(make_stream(""));
}

// Video streams keep a retransmission buffer from the start (allocated once here).
Producer::Stream Producer::make_stream(std::string rid) const {
  Stream stream;
  stream.rid = std::move(rid);
  if (kind_ == MediaKind::kVideo) stream.retransmissions = std::make_unique<rtp::RetransmissionBuffer>();
  if (nack_enabled_) stream.nack = std::make_unique<rtp::NackGenerator>();
  return stream;
}

void Producer::set_simulcast(const std::vector<std::string>& rids) {
  if (rids.empty()) return;
  streams_.clear();
  for (const auto& rid : rids) streams_.push_back(make_stream(rid));
}

std::optional<int> Producer::layer_of_rid(std::string_view rid) const {
  for (std::size_t i = 0; i < streams_.size(); ++i)
    if (streams_[i].rid == rid) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> Producer::layer_of_ssrc(std::uint32_t ssrc) const {
  for (std::size_t i = 0; i < streams_.size(); ++i)
    if (streams_[i].ssrc == ssrc) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> Producer::layer_of_rtx_ssrc(std::uint32_t ssrc) const {
  for (std::size_t i = 0; i < streams_.size(); ++i)
    if (streams_[i].rtx_ssrc == ssrc) return static_cast<int>(i);
  return std::nullopt;
}

void Producer::enable_nack() {
  if (nack_enabled_) return;
  nack_enabled_ = true;
  for (auto& stream : streams_) stream.nack = std::make_unique<rtp::NackGenerator>();
  nack_due_.reserve(rtp::NackGenerator::kMaxMissing);
}

void Producer::add_rtx_payload_type(int rtx_payload_type, int original_payload_type) {
  rtx_payload_types_.emplace_back(rtx_payload_type, original_payload_type);
}

std::optional<int> Producer::rtx_original_payload_type(int rtx_payload_type) const {
  for (auto [rtx, original] : rtx_payload_types_)
    if (rtx == rtx_payload_type) return original;
  return std::nullopt;
}

std::optional<rtp::RtpPacket> Producer::retransmission(std::uint16_t sequence_number, TimePoint now,
                                                       int layer) {
  if (layer < 0 || layer >= stream_count() || !streams_[layer].retransmissions) return std::nullopt;
  return streams_[layer].retransmissions->get(sequence_number, now);
}

bool Producer::accepts_payload_type(int pt) const {
  return std::find(payload_types_.begin(), payload_types_.end(), pt) != payload_types_.end();
}

void Producer::add_consumer(Consumer& consumer) {
  if (std::find(consumers_.begin(), consumers_.end(), &consumer) == consumers_.end())
    consumers_.push_back(&consumer);
}

void Producer::remove_consumer(Consumer& consumer) { std::erase(consumers_, &consumer); }

void Producer::set_ssrc(std::uint32_t ssrc, int layer) {
  streams_[layer].ssrc = ssrc;
  streams_[layer].statistics.emplace(ssrc, static_cast<std::uint32_t>(codec_.clock_rate));
}

void Producer::describe_layers(TimePoint now, std::span<LayerInfo> out) const {
  for (std::size_t i = 0; i < out.size() && i < streams_.size(); ++i) {
    const Stream& stream = streams_[i];
    out[i].active = stream.last_packet_at && now - *stream.last_packet_at < kInactiveAfter;
    out[i].bitrate_bps = stream.bitrate_bps;
  }
}

void Producer::on_sender_report(std::uint32_t ssrc, std::uint64_t ntp_timestamp, TimePoint now) {
  auto layer = layer_of_ssrc(ssrc);
  if (layer && streams_[*layer].statistics)
    streams_[*layer].statistics->on_sender_report(ntp_timestamp, now);
}

void Producer::append_report_blocks(TimePoint now, std::vector<rtp::ReportBlock>& blocks) {
  for (auto& stream : streams_) {
    if (!stream.statistics || stream.statistics->packets_received() == 0) continue;
    blocks.push_back(stream.statistics->report_block(now));
  }
}

void Producer::set_paused(bool paused, TimePoint now) {
  if (paused == paused_) return;
  paused_ = paused;
  if (!paused_)
    for (Consumer* consumer : consumers_) consumer->on_source_resumed(now);
}

void Producer::forward(const rtp::RtpPacket& packet, TimePoint now, bool repaired) {
  // One stream for a plain producer; a simulcast packet's SSRC names its layer (the
  // peer learned it from the rid before handing the packet over).
  int layer = 0;
  if (streams_.size() > 1) {
    auto found = layer_of_ssrc(packet.ssrc());
    if (!found) return;
    layer = *found;
  }
  Stream& stream = streams_[layer];
  if (stream.nack) {
    auto reception = stream.nack->on_packet(packet.sequence_number(), now);
    if (repaired && reception == rtp::NackGenerator::Reception::kDuplicate) return;
    if (reception == rtp::NackGenerator::Reception::kKeyframeNeeded) request_keyframe(now, layer);
  }
  if (stream.statistics)
    stream.statistics->on_packet(packet.sequence_number(), packet.timestamp(), now, packet.payload_size());
  stream.last_packet_at = now;
  if (now - stream.window_start >= Duration{1'000'000}) {
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - stream.window_start).count();
    stream.bitrate_bps = stream.window_start == TimePoint{} || elapsed <= 0
                             ? stream.window_bytes * 8
                             : stream.window_bytes * 8 * 1'000'000 / static_cast<std::uint64_t>(elapsed);
    stream.window_start = now;
    stream.window_bytes = 0;
  }
  stream.window_bytes += packet.payload_size();
  if (paused_) {
    if (publisher_) publisher_->counters().drop(webrtc::DropReason::kNotAllowed);
    return;
  }
  if (stream.retransmissions) stream.retransmissions->store(packet, now);
  // Active speaker and interpretation programs.
  if (kind_ == MediaKind::kAudio && publisher_) publisher_->router().on_audio_packet(*this, packet);
  // A recorder's copy (docs/recording.md), after the pause check: only what the
  // conference lets the audience hear and see.
  if (publisher_)
    if (MediaTap* tap = publisher_->router().tap())
      if (tap->on_rtp(*this, layer, packet, now)) request_keyframe(now, layer);
  for (Consumer* consumer : consumers_) consumer->forward(packet, now, layer);
  if (stream.nack && stream.ssrc && publisher_) {
    nack_due_.clear();
    stream.nack->collect(now, nack_due_);
    if (!nack_due_.empty()) publisher_->send_nack(*this, *stream.ssrc, nack_due_);
  }
}

void Producer::request_keyframe(TimePoint now, int layer) {
  if (kind_ != MediaKind::kVideo || layer < 0 || layer >= stream_count()) return;
  Stream& stream = streams_[layer];
  if (stream.last_keyframe_request && now - *stream.last_keyframe_request < kKeyframeInterval) return;
  if (!stream.ssrc || !publisher_) return;  // not seen yet: asked again when a consumer retries
  stream.last_keyframe_request = now;
  publisher_->send_keyframe_request(*this, *stream.ssrc);
}

}  // namespace podium::sfu
