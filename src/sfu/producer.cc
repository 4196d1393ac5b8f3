#include "sfu/producer.h"

#include <algorithm>

#include "sfu/consumer.h"
#include "sfu/peer.h"

namespace podium::sfu {

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

void Producer::forward(const rtp::RtpPacket& packet, TimePoint now) {
  if (statistics_)
    statistics_->on_packet(packet.sequence_number(), packet.timestamp(), now, packet.payload_size());
  for (Consumer* consumer : consumers_) consumer->forward(packet, now);
}

void Producer::request_keyframe(TimePoint now) {
  if (kind_ != MediaKind::kVideo) return;
  if (last_keyframe_request_ && now - *last_keyframe_request_ < kKeyframeInterval) return;
  last_keyframe_request_ = now;
  publisher_.send_keyframe_request(*this);
}

}  // namespace podium::sfu
