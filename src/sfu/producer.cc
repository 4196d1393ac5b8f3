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
      extensions_(extensions), publisher_(publisher), sequence_(sequence) {
  if (kind_ == MediaKind::kVideo) retransmissions_ = std::make_unique<rtp::RetransmissionBuffer>();
}

void Producer::enable_nack() {
  if (nack_) return;
  nack_ = std::make_unique<rtp::NackGenerator>();
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

std::optional<rtp::RtpPacket> Producer::retransmission(std::uint16_t sequence_number, TimePoint now) {
  if (!retransmissions_) return std::nullopt;
  return retransmissions_->get(sequence_number, now);
}

bool Producer::accepts_payload_type(int pt) const {
  return std::find(payload_types_.begin(), payload_types_.end(), pt) != payload_types_.end();
}

void Producer::add_consumer(Consumer& consumer) {
  if (std::find(consumers_.begin(), consumers_.end(), &consumer) == consumers_.end())
    consumers_.push_back(&consumer);
}

void Producer::remove_consumer(Consumer& consumer) { std::erase(consumers_, &consumer); }

void Producer::set_ssrc(std::uint32_t ssrc) {
  ssrc_ = ssrc;
  statistics_.emplace(ssrc, static_cast<std::uint32_t>(codec_.clock_rate));
}

void Producer::on_sender_report(std::uint64_t ntp_timestamp, TimePoint now) {
  if (statistics_) statistics_->on_sender_report(ntp_timestamp, now);
}

std::optional<rtp::ReportBlock> Producer::report_block(TimePoint now) {
  if (!statistics_ || statistics_->packets_received() == 0) return std::nullopt;
  return statistics_->report_block(now);
}

void Producer::set_paused(bool paused, TimePoint now) {
  if (paused == paused_) return;
  paused_ = paused;
  if (!paused_)
    for (Consumer* consumer : consumers_) consumer->on_source_resumed(now);
}

void Producer::forward(const rtp::RtpPacket& packet, TimePoint now, bool repaired) {
  if (nack_) {
    auto reception = nack_->on_packet(packet.sequence_number(), now);
    if (repaired && reception == rtp::NackGenerator::Reception::kDuplicate) return;
    if (reception == rtp::NackGenerator::Reception::kKeyframeNeeded) request_keyframe(now);
  }
  if (statistics_)
    statistics_->on_packet(packet.sequence_number(), packet.timestamp(), now, packet.payload_size());
  if (paused_) {
    publisher_.counters().drop(webrtc::DropReason::kNotAllowed);
    return;
  }
  if (retransmissions_) retransmissions_->store(packet, now);
  if (kind_ == MediaKind::kAudio) publisher_.router().on_audio_packet(*this, packet);  // active speaker
  for (Consumer* consumer : consumers_) consumer->forward(packet, now);
  if (nack_) {
    nack_due_.clear();
    nack_->collect(now, nack_due_);
    if (!nack_due_.empty()) publisher_.send_nack(*this, nack_due_);
  }
}

void Producer::request_keyframe(TimePoint now) {
  if (kind_ != MediaKind::kVideo) return;
  if (last_keyframe_request_ && now - *last_keyframe_request_ < kKeyframeInterval) return;
  last_keyframe_request_ = now;
  publisher_.send_keyframe_request(*this);
}

}  // namespace podium::sfu
