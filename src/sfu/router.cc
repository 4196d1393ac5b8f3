#include "sfu/router.h"

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "rtp/header_extensions.h"
#include "rtp/rtp_packet.h"
#include "sfu/consumer.h"
#include "sfu/peer.h"
#include "sfu/producer.h"
#include "util/log.h"

namespace podium::sfu {

namespace {
std::atomic<std::uint64_t> g_producer_sequence{0};
}  // namespace

std::uint64_t Router::next_sequence() { return ++g_producer_sequence; }

Router::Router(std::string conference) : conference_(std::move(conference)) {}

Router::~Router() {
  if (!relay_hub_) return;
  // The peers are gone, so no consumer points at a relay producer any more.
  for (auto& [key, relay] : relays_) relay_hub_->unregister_relay(relay_worker_, key);
  relays_.clear();
  relay_hub_->leave(conference_, relay_worker_);
}

void Router::add_producer(Producer& producer, TimePoint now) {
  producers_[producer.id()] = &producer;
  producer.set_paused(!may_send(producer.participant_id(), producer.kind()), now);
  // The active speaker, the recorder: what this worker's publishers send (sfu/relay.h).
  if (producer.kind() == MediaKind::kAudio && !producer.relayed() &&
      !is_interpreter(producer.participant_id()))
    speakers_.add_source(producer.sequence(), producer.participant_id());
  if (tap_ && !producer.relayed()) tap_->on_producer_added(producer, now);
  if (relay_hub_ && !producer.relayed()) {
    RelayTrack track;
    track.origin = relay_worker_;
    track.id = producer.id();
    track.mid = producer.mid();
    track.participant_id = producer.participant_id();
    track.kind = producer.kind();
    track.codec = producer.codec();
    track.extensions = producer.extensions();
    if (producer.is_simulcast())
      for (int i = 0; i < producer.stream_count(); ++i) track.rids.push_back(producer.rid(i));
    track.payload_types = producer.payload_types();
    track.sequence = producer.sequence();
    std::uint64_t key = relay_hub_->publish(conference_, std::move(track));
    producer.set_relay_out(relay_hub_, relay_worker_, &relay_targets_, key);
  }
  update_stage(now);
}

void Router::remove_producer(Producer& producer, TimePoint now) {
  producers_.erase(producer.id());
  speakers_.remove_source(producer.sequence());
  if (tap_ && !producer.relayed()) tap_->on_producer_removed(producer, now);
  if (relay_hub_ && !producer.relayed() && producer.relay_key()) {
    relay_hub_->unpublish(conference_, relay_worker_, producer.relay_key());
    producer.set_relay_out(nullptr, 0, nullptr, 0);
  }
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
    if (producer->kind() != MediaKind::kAudio || producer->participant_id() != participant_id)
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
    const std::string& participant = producer->participant_id();
    if (is_interpreter(participant) || producer->relayed()) {
      speakers_.remove_source(producer->sequence());
    } else {
      speakers_.add_source(producer->sequence(), participant);
    }
  }
  update_stage(now);
}

// Programs follow the floor (every voice that is not an interpreter's, the floor holder
// first) and each booth's live interpreter; the consumers of virtual tracks follow their
// source.
void Router::update_interpretation(TimePoint now) {
  std::map<std::string, const Producer*> booths;
  for (const auto& [language, participant] : plan_.live) {
    const Producer* producer = nullptr;
    if (!participant.empty() && language != plan_.floor_language) producer = audio_of(participant);
    booths[language] = producer;
  }
  std::vector<const Producer*> voices;
  for (auto& [id, producer] : producers_)
    if (producer->kind() == MediaKind::kAudio && !is_interpreter(producer->participant_id()))
      voices.push_back(producer);
  programs_.configure(stage_source(MediaKind::kAudio), voices, booths, now);
  for (auto& [consumer, track_id] : virtual_consumers_) {
    Producer* source = virtual_source(track_id);
    if (consumer->source() != source) consumer->set_source(source, now);
  }
}

Producer* Router::stage_source(MediaKind kind) const {
  if (!stage_publisher_) return nullptr;  // the stage's participant id
  Producer* best = nullptr;
  for (auto& [id, producer] : producers_) {
    if (producer->participant_id() != *stage_publisher_ || producer->kind() != kind) continue;
    if (!best || producer->sequence() > best->sequence()) best = producer;
  }
  return best;
}

void Router::set_send_permission(const std::string& participant_id, bool audio, bool video,
                                 TimePoint now) {
  permissions_[participant_id] = Permission{audio, video};
  for (auto& [id, producer] : producers_) {
    if (producer->participant_id() == participant_id)
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
  for (const auto& language : tap_languages_) programs_.release(language);
  tap_languages_.clear();
  programs_.set_packet_observer({});
  tap_ = std::move(tap);
  if (!tap_) return;
  for (auto& [id, producer] : producers_)
    if (!producer->relayed()) tap_->on_producer_added(*producer, now);
  tap_->on_stage(stage_participant_, now);
  // The programs it records keep being mixed while it is attached.
  tap_languages_ = tap_->program_languages();
  for (const auto& language : tap_languages_) programs_.hold(language);
  if (!tap_languages_.empty()) {
    programs_.set_packet_observer(
        [this](const std::string& language, const rtp::RtpPacket& packet, TimePoint at) {
          if (tap_) tap_->on_program_rtp(language, packet, at);
        });
  }
}

// The stage is the floor holder when the conference names one; otherwise the publisher
// whose newest track is the newest in the conference.
void Router::update_stage(TimePoint now) {
  const Producer* newest = nullptr;
  for (auto& [id, producer] : producers_) {
    if (!stage_participant_.empty()) {
      if (producer->participant_id() != stage_participant_) continue;
    }
    if (is_interpreter(producer->participant_id())) continue;
    if (!newest || producer->sequence() > newest->sequence()) newest = producer;
  }
  std::optional<std::string> publisher;
  if (newest) publisher = newest->participant_id();
  if (publisher != stage_publisher_) {
    stage_publisher_ = publisher;
    log::info("sfu", "conference {}: stage is now {}", conference_,
              publisher ? *publisher : std::string("empty"));
  }
  for (Consumer* consumer : stage_consumers_) {
    Producer* source = stage_source(consumer->kind());
    if (consumer->source() != source) consumer->set_source(source, now);
  }
  update_interpretation(now);
}

// --- Relays between the workers of the conference (sfu/relay.h) ---

void Router::attach_relays(RelayHub& hub, int worker, TimePoint now) {
  relay_hub_ = &hub;
  relay_worker_ = worker;
  hub.join(conference_, worker);
  sync_relays(now);
}

void Router::sync_relays(TimePoint now) {
  if (!relay_hub_) return;
  relay_targets_ = relay_hub_->other_workers(conference_, relay_worker_);
  auto tracks = relay_hub_->remote_tracks(conference_, relay_worker_);
  std::vector<std::uint64_t> gone;
  for (auto& [key, relay] : relays_) {
    bool listed = std::any_of(tracks.begin(), tracks.end(), [&](const auto& t) { return t.key == key; });
    if (!listed) gone.push_back(key);
  }
  for (std::uint64_t key : gone) {
    auto it = relays_.find(key);
    relay_hub_->unregister_relay(relay_worker_, key);
    remove_producer(*it->second.producer, now);
    relays_.erase(it);
  }
  for (auto& track : tracks) {
    if (relays_.count(track.key)) continue;
    auto producer = std::make_unique<Producer>(track.id, track.mid, track.kind, track.codec,
                                               track.extensions, track.participant_id,
                                               track.sequence, *this, *this);
    producer->set_payload_types(track.payload_types);
    if (!track.rids.empty()) producer->set_simulcast(track.rids);
    Producer& added = *producer;
    relays_[track.key] = Relay{std::move(producer), track.origin};
    relay_hub_->register_relay(relay_worker_, track.key, &added);
    log::debug("sfu", "conference {}: worker {} relays track {} of {} from worker {}", conference_,
               relay_worker_, track.id, track.participant_id, track.origin);
    add_producer(added, now);
  }
}

void Router::request_keyframe(const Producer& relay, int layer) {
  for (auto& [key, entry] : relays_) {
    if (entry.producer.get() != &relay) continue;
    relay_hub_->request_keyframe(conference_, entry.origin, relay.id(), layer);
    return;
  }
}

}  // namespace podium::sfu
