#include "sfu/producer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "rtp/codec.h"
#include "sfu/consumer.h"
#include "sfu/fanout_batch.h"
#include "webrtc/media_counters.h"
#include "sfu/peer.h"
#include "sfu/relay.h"
#include "sfu/router.h"
#include "util/log.h"

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

Producer::Producer(std::string id, std::string mid, MediaKind kind, RtpCodecParameters codec,
                   rtp::ExtensionMap extensions, std::string participant_id, std::uint64_t sequence,
                   RelayOrigin& origin, Router& router)
    : id_(std::move(id)), mid_(std::move(mid)), kind_(kind), codec_(std::move(codec)),
      extensions_(extensions), publisher_(nullptr), sequence_(sequence), relay_origin_(&origin),
      relay_router_(&router), relay_participant_(std::move(participant_id)) {
  streams_.push_back(make_stream(""));
}

Producer::~Producer() {
  if (deferred_ && deferred_->count > 0 && fanout_batch_) fanout_batch_->forget(*this);
}

const std::string& Producer::participant_id() const {
  return publisher_ ? publisher_->participant_id() : relay_participant_;
}

// Video streams keep a retransmission buffer from the start (allocated once here).
Producer::Stream Producer::make_stream(std::string rid) const {
  Stream stream;
  stream.rid = std::move(rid);
  if (kind_ == MediaKind::kVideo) stream.retransmissions = std::make_unique<rtp::RetransmissionBuffer>();
  if (nack_enabled_) stream.nack = make_nack_generator();
  return stream;
}

std::unique_ptr<rtp::NackGenerator> Producer::make_nack_generator() const {
  auto nack = std::make_unique<rtp::NackGenerator>();
  if (rtt_) nack->set_round_trip_time(*rtt_ + kNackRetryMargin);
  return nack;
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
  for (auto& stream : streams_) stream.nack = make_nack_generator();
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
    out[i].height = stream.height;
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
    if (reception == rtp::NackGenerator::Reception::kRecovered && publisher_) {
      publisher_->counters().upstream_repaired.add();
      publisher_->counters().upstream_repair_micros.add(
          static_cast<std::uint64_t>(stream.nack->last_repair_delay().count()));
      repairs_.on_repair(stream.nack->last_repair_delay(), now);
      update_repair_need(now);
    }
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
  if (kind_ == MediaKind::kVideo && codec_.codec == rtp::Codec::kVp8)
    if (auto height = rtp::keyframe_height(codec_.codec, packet.payload())) stream.height = *height;
  if (stream.keyframe_request_held) {
    // A subscriber that joined inside the request interval: the keyframe it waits for
    // is either this packet or one asked for now, not one more second away (its
    // consumer's own retry).
    if (rtp::is_keyframe(codec_.codec, packet.payload()))
      stream.keyframe_request_held = false;
    else if (now - *stream.last_keyframe_request >= kKeyframeInterval)
      request_keyframe(now, layer);
  }
  if (paused_) {
    if (publisher_) publisher_->counters().drop(webrtc::DropReason::kNotAllowed);
    return;
  }
  if (stream.retransmissions) stream.retransmissions->store(packet, now);
  // Active speaker and interpretation programs.
  if (kind_ == MediaKind::kAudio && publisher_) publisher_->router().on_audio_packet(*this, packet);
  if (kind_ == MediaKind::kAudio && relay_router_) relay_router_->on_audio_packet(*this, packet);
  // A recorder's copy (docs/recording.md), after the pause check: only what the
  // conference lets the audience hear and see.
  if (publisher_)
    if (MediaTap* tap = publisher_->router().tap())
      if (tap->on_rtp(*this, layer, packet, now)) request_keyframe(now, layer);
  forward_to_consumers(packet, now, layer);
  // One copy toward each other worker of the conference (sfu/relay.h).
  if (relay_targets_ && !relay_targets_->empty())
    relay_hub_->push(relay_worker_, *relay_targets_, relay_key_, layer, packet,
                     repair_need_ ? static_cast<std::uint16_t>(std::min<std::int64_t>(
                                        repair_need_->count() / 1000, RelayRing::kNoRepairNeed - 1))
                                  : RelayRing::kNoRepairNeed);
  send_due_nacks(now, layer);
}

bool Producer::defer(const rtp::RtpPacket& packet, TimePoint now, int layer) {
  // Worth it where a burst is copied to several subscribers; one subscriber's copies
  // are consecutive anyway. Audio comes one packet per frame.
  if (!fanout_batch_ || !fanout_batch_->is_open() || kind_ != MediaKind::kVideo || consumers_.size() < 2)
    return false;
  Bytes bytes = packet.data();
  if (bytes.size() > Deferred::kPacketCapacity) return false;
  if (!deferred_) deferred_ = std::make_unique<Deferred>();
  Deferred& d = *deferred_;
  if (d.count == 0) fanout_batch_->enqueue(*this);
  std::memcpy(d.bytes[d.count], bytes.data(), bytes.size());
  d.size[d.count] = bytes.size();
  d.at[d.count] = now;
  d.layer[d.count] = layer;
  if (++d.count == Deferred::kCapacity) flush_deferred_before_batch_end();
  return true;
}

void Producer::flush_deferred() {
  if (!deferred_ || deferred_->count == 0) return;
  Deferred& d = *deferred_;
  const std::size_t count = std::exchange(d.count, 0);
  // They parsed when they arrived, so they parse again.
  std::array<std::optional<rtp::RtpPacket>, Deferred::kCapacity> packets;
  for (std::size_t i = 0; i < count; ++i) packets[i] = rtp::RtpPacket::parse(MutableBytes(d.bytes[i], d.size[i]));
  // One payload size per stream where they are within kMaxGsoPadding of its largest.
  std::array<std::size_t, Deferred::kCapacity> pad_to{};
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t largest = 0;
    for (std::size_t j = 0; j < count; ++j)
      if (d.layer[j] == d.layer[i]) largest = std::max(largest, packets[j]->payload_size());
    if (largest - packets[i]->payload_size() <= kMaxGsoPadding) pad_to[i] = largest;
  }
  std::array<std::optional<rtp::Vp8Descriptor>, Deferred::kCapacity> vp8;
  for (std::size_t i = 0; i < count; ++i) vp8[i] = vp8_descriptor(*packets[i]);
  for_each_consumer([&](Consumer& consumer) {
    for (std::size_t i = 0; i < count; ++i)
      consumer.forward(*packets[i], vp8[i], d.at[i], d.layer[i], pad_to[i]);
  });
}

void Producer::flush_deferred_before_batch_end() {
  fanout_batch_->forget(*this);
  flush_deferred();
}

void Producer::forward_to_consumers(const rtp::RtpPacket& packet, TimePoint now, int layer) {
  if (defer(packet, now, layer)) return;
  // What was deferred goes first: each consumer keeps the order of its packets.
  if (deferred_ && deferred_->count > 0) flush_deferred_before_batch_end();
  auto vp8 = vp8_descriptor(packet);
  for_each_consumer([&](Consumer& consumer) { consumer.forward(packet, vp8, now, layer); });
}

std::optional<rtp::Vp8Descriptor> Producer::vp8_descriptor(const rtp::RtpPacket& packet) const {
  if (codec_.codec != rtp::Codec::kVp8) return std::nullopt;
  return rtp::parse_vp8_descriptor(packet.payload());
}

template <typename Visit>
void Producer::for_each_consumer(Visit&& visit) {
  // A consumer's state and its transport's (SRTP session, cipher context) have left the
  // CPU cache since their previous packet when there are hundreds of them: the fan-out
  // was mostly waiting for memory. Each consumer's state is fetched a few consumers
  // ahead, one dependent step per round (Consumer::prefetch), so it is in cache by the
  // time its turn comes (docs/benchmarks.md, "Half load, 26 November").
  constexpr std::ptrdiff_t kStep = 2;  // consumers between two stages of one consumer
  constexpr int kStages = Consumer::kPrefetchStages;
  const auto count = static_cast<std::ptrdiff_t>(consumers_.size());
  for (std::ptrdiff_t i = count > kStep ? -kStep * kStages : 0; i < count; ++i) {
    for (int stage = 0; stage < kStages; ++stage) {
      std::ptrdiff_t ahead = i + kStep * (kStages - stage);
      if (ahead >= 0 && ahead < count) consumers_[static_cast<std::size_t>(ahead)]->prefetch(stage);
    }
    if (i >= 0) visit(*consumers_[static_cast<std::size_t>(i)]);
  }
}

void Producer::set_round_trip_time(Duration rtt) {
  rtt_ = rtt;
  for (auto& stream : streams_)
    if (stream.nack) stream.nack->set_round_trip_time(rtt + kNackRetryMargin);
}

void Producer::on_tick(TimePoint now) {
  for (int layer = 0; layer < stream_count(); ++layer) send_due_nacks(now, layer);
  update_repair_need(now);
}

void Producer::update_repair_need(TimePoint now) {
  if (kind_ != MediaKind::kVideo || !publisher_) return;
  auto need = repairs_.need(now, rtt_, kNackRetryMargin);
  if (need.has_value() != repair_need_.has_value())
    log::info("sfu", "track {} of {}: {}", id_, publisher_->participant_id(),
              need ? fmt::format("upstream repairs take up to {} ms; its viewers are asked to buffer more",
                                 need->count() / 1000)
                   : std::string("no upstream repairs lately; its viewers' buffering goes back to their own"));
  repair_need_ = need;
}

void Producer::send_due_nacks(TimePoint now, int layer) {
  Stream& stream = streams_[layer];
  if (!stream.nack || !stream.ssrc || !publisher_) return;
  nack_due_.clear();
  std::uint64_t given_up = stream.nack->given_up();
  stream.nack->collect(now, nack_due_);
  if (!nack_due_.empty()) publisher_->send_nack(*this, *stream.ssrc, nack_due_);
  // A packet that ran out of tries or age will not come: the subscribers' decoders wait
  // for it until a keyframe, so ask for one now rather than when they notice.
  if (stream.nack->given_up() != given_up) {
    publisher_->counters().nack_given_up.add(stream.nack->given_up() - given_up);
    request_keyframe(now, layer);
  }
}

void Producer::request_keyframe(TimePoint now, int layer) {
  if (kind_ != MediaKind::kVideo || layer < 0 || layer >= stream_count()) return;
  Stream& stream = streams_[layer];
  if (stream.last_keyframe_request && now - *stream.last_keyframe_request < kKeyframeInterval) {
    stream.keyframe_request_held = true;
    return;
  }
  stream.keyframe_request_held = false;
  if (relay_origin_) {  // the original's worker asks its publisher
    stream.last_keyframe_request = now;
    relay_origin_->request_keyframe(*this, layer);
    return;
  }
  if (!stream.ssrc || !publisher_) return;  // not seen yet: asked again when a consumer retries
  stream.last_keyframe_request = now;
  publisher_->send_keyframe_request(*this, *stream.ssrc);
}

}  // namespace podium::sfu
