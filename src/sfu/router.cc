#include "sfu/router.h"

#include <fmt/format.h>

#include "rtp/header_extensions.h"
#include "rtp/rtp_packet.h"
#include "sfu/consumer.h"
#include "sfu/peer.h"
#include "sfu/producer.h"
#include "util/log.h"

namespace podium::sfu {

Router::Router(std::string conference) : conference_(std::move(conference)) {}

Router::~Router() = default;

void Router::add_producer(Producer& producer, TimePoint now) {
  producers_[producer.id()] = &producer;
  producer.set_paused(!may_send(producer.publisher().participant_id(), producer.kind()), now);
  if (producer.kind() == MediaKind::kAudio && !is_interpreter(producer.publisher().participant_id()))
    speakers_.add_source(producer.sequence(), producer.publisher().participant_id());
  if (tap_) tap_->on_producer_added(producer, now);
  update_stage(now);
}

void Router::remove_producer(Producer& producer, TimePoint now) {
  producers_.erase(producer.id());
  speakers_.remove_source(producer.sequence());
  if (tap_) tap_->on_producer_removed(producer, now);
  // Consumers of this track keep their SSRC and wait; the subscriber's app removes them.
  auto consumers = producer.consumers();
  for (Consumer* consumer : consumers) consumer->set_source(nullptr, now);
  update_stage(now);
}

void Router::on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet) {
  if (programs_.active()) programs_.on_audio_packet(producer, packet);
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

void Router::remove_stage_consumer(Consumer& consumer) {
  stage_consumers_.erase(&consumer);
  virtual_consumers_.erase(&consumer);
  consumer.follows_track.clear();
}

void Router::add_virtual_consumer(Consumer& consumer, const std::string& track_id, TimePoint now) {
  stage_consumers_.erase(&consumer);
  consumer.follows_stage = false;
  virtual_consumers_[&consumer] = track_id;
  consumer.follows_track = track_id;
  Producer* source = virtual_source(track_id);
  if (consumer.source() != source) consumer.set_source(source, now);
}

Producer* Router::virtual_source(const std::string& track_id) const {
  if (auto language = language_of_channel(track_id)) {
    auto it = plan_.live.find(*language);
    return it == plan_.live.end() || it->second.empty() ? nullptr : audio_of(it->second);
  }
  if (auto language = language_of_program(track_id)) {
    if (Producer* program = programs_.program(*language)) return program;
    return stage_source(MediaKind::kAudio);
  }
  return nullptr;
}

Producer* Router::audio_of(const std::string& participant_id) const {
  Producer* newest = nullptr;
  for (auto& [id, producer] : producers_) {
    if (producer->kind() != MediaKind::kAudio || producer->publisher().participant_id() != participant_id)
      continue;
    if (!newest || producer->sequence() > newest->sequence()) newest = producer;
  }
  return newest;
}

void Router::set_interpretation(InterpretationPlan plan, TimePoint now) {
  plan_ = std::move(plan);
  std::string live;
  for (const auto& [language, interpreter] : plan_.live)
    live += fmt::format("{}{}={}", live.empty() ? "" : " ", language,
                        interpreter.empty() ? "-" : interpreter);
  log::info("sfu", "conference {}: interpretation floor={} live: {}", conference_,
            plan_.floor_language.empty() ? "?" : plan_.floor_language,
            live.empty() ? "none" : live);
  // Interpreters are not speakers of the conference: their audio is not the floor.
  for (auto& [id, producer] : producers_) {
    if (producer->kind() != MediaKind::kAudio) continue;
    const std::string& participant = producer->publisher().participant_id();
    if (is_interpreter(participant)) {
      speakers_.remove_source(producer->sequence());
    } else {
      speakers_.add_source(producer->sequence(), participant);
    }
  }
  update_stage(now);
}

// Programs follow the floor (the stage's audio) and each booth's live interpreter;
// the consumers of virtual tracks follow their source.
void Router::update_interpretation(TimePoint now) {
  std::map<std::string, const Producer*> interpreters;
  for (const auto& [language, participant] : plan_.live) {
    if (participant.empty() || language == plan_.floor_language) continue;
    if (const Producer* producer = audio_of(participant)) interpreters[language] = producer;
  }
  programs_.configure(stage_source(MediaKind::kAudio), interpreters, now);
  for (auto& [consumer, track_id] : virtual_consumers_) {
    Producer* source = virtual_source(track_id);
    if (consumer->source() != source) consumer->set_source(source, now);
  }
}

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
  if (tap_) tap_->on_stage(stage_participant_, now);
  update_stage(now);
}

void Router::set_tap(std::shared_ptr<MediaTap> tap, TimePoint now) {
  if (tap == tap_) return;
  tap_ = std::move(tap);
  if (!tap_) return;
  for (auto& [id, producer] : producers_) tap_->on_producer_added(*producer, now);
  tap_->on_stage(stage_participant_, now);
}

// The stage is the floor holder when the conference names one; otherwise the publisher
// whose newest track is the newest in the conference.
void Router::update_stage(TimePoint now) {
  const Producer* newest = nullptr;
  for (auto& [id, producer] : producers_) {
    if (!stage_participant_.empty()) {
      if (producer->publisher().participant_id() != stage_participant_) continue;
    }
    if (is_interpreter(producer->publisher().participant_id())) continue;
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
  update_interpretation(now);
}

}  // namespace podium::sfu
