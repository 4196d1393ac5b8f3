#include "sfu/router.h"

#include "rtp/header_extensions.h"
#include "rtp/rtp_packet.h"
#include "sfu/consumer.h"
#include "sfu/peer.h"
#include "sfu/producer.h"
#include "util/log.h"

namespace podium::sfu {

void Router::add_producer(Producer& producer, TimePoint now) {
  producers_[producer.id()] = &producer;
  producer.set_paused(!may_send(producer.publisher().participant_id(), producer.kind()), now);
  if (producer.kind() == MediaKind::kAudio)
    speakers_.add_source(producer.sequence(), producer.publisher().participant_id());
  update_stage(now);
}

void Router::remove_producer(Producer& producer, TimePoint now) {
  producers_.erase(producer.id());
  speakers_.remove_source(producer.sequence());
  // Consumers of this track keep their SSRC and wait; the subscriber's app removes them.
  auto consumers = producer.consumers();
  for (Consumer* consumer : consumers) consumer->set_source(nullptr, now);
  update_stage(now);
}

void Router::on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet) {
  std::uint8_t id = producer.extensions().id(rtp::ExtensionKind::kAudioLevel);
  if (id == 0) return;
  auto value = packet.extension(id);
  if (!value) return;
  if (auto level = rtp::parse_audio_level(*value))
    speakers_.on_audio_level(producer.sequence(), level->level, level->voice_activity);
}

Producer* Router::find_producer(const std::string& track_id) const {
  auto it = producers_.find(track_id);
  return it == producers_.end() ? nullptr : it->second;
}

void Router::add_stage_consumer(Consumer& consumer, TimePoint now) {
  stage_consumers_.insert(&consumer);
  consumer.follows_stage = true;
  consumer.set_source(stage_source(consumer.kind()), now);
}

void Router::remove_stage_consumer(Consumer& consumer) { stage_consumers_.erase(&consumer); }

Producer* Router::stage_source(MediaKind kind) const {
  if (!stage_publisher_) return nullptr;
  Producer* best = nullptr;
  for (auto& [id, producer] : producers_) {
    if (&producer->publisher() != stage_publisher_ || producer->kind() != kind) continue;
    if (!best || producer->sequence() > best->sequence()) best = producer;
  }
  return best;
}

void Router::set_send_permission(const std::string& participant_id, bool audio, bool video,
                                 TimePoint now) {
  permissions_[participant_id] = Permission{audio, video};
  for (auto& [id, producer] : producers_) {
    if (producer->publisher().participant_id() == participant_id)
      producer->set_paused(!may_send(participant_id, producer->kind()), now);
  }
}

bool Router::may_send(const std::string& participant_id, MediaKind kind) const {
  auto it = permissions_.find(participant_id);
  if (it == permissions_.end()) return true;
  return kind == MediaKind::kAudio ? it->second.audio : it->second.video;
}

void Router::set_stage_participant(std::string participant_id, TimePoint now) {
  stage_participant_ = std::move(participant_id);
  update_stage(now);
}

// The stage is the floor holder when the conference names one; otherwise the publisher
// whose newest track is the newest in the conference.
void Router::update_stage(TimePoint now) {
  const Producer* newest = nullptr;
  for (auto& [id, producer] : producers_) {
    if (!stage_participant_.empty()) {
      if (producer->publisher().participant_id() != stage_participant_) continue;
    }
    if (!newest || producer->sequence() > newest->sequence()) newest = producer;
  }
  const Peer* publisher = newest ? &newest->publisher() : nullptr;
  if (publisher != stage_publisher_) {
    stage_publisher_ = publisher;
    log::info("sfu", "conference {}: stage is now {}", conference_,
              publisher ? publisher->participant_id() : std::string("empty"));
  }
  for (Consumer* consumer : stage_consumers_) {
    Producer* source = stage_source(consumer->kind());
    if (consumer->source() != source) consumer->set_source(source, now);
  }
}

}  // namespace podium::sfu
