// One conference's media on one worker: its producers, and the stage (the source that
// WHEP viewers receive: the newest publisher still publishing).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "sfu/active_speaker.h"
#include "sfu/track.h"
#include "util/clock.h"

namespace podium::rtp {
class RtpPacket;
}

namespace podium::sfu {

class Consumer;
class Peer;
class Producer;

class Router {
 public:
  explicit Router(std::string conference) : conference_(std::move(conference)) {}

  const std::string& conference() const { return conference_; }

  void add_producer(Producer& producer, TimePoint now);
  void remove_producer(Producer& producer, TimePoint now);
  Producer* find_producer(const std::string& track_id) const;

  void add_stage_consumer(Consumer& consumer, TimePoint now);
  void remove_stage_consumer(Consumer& consumer);
  // The producer of `kind` that stage consumers receive, or null.
  Producer* stage_source(MediaKind kind) const;

  // Per audio packet, from Producer::forward: feeds the RFC 6464 level, if the publisher
  // negotiated ssrc-audio-level, to the active speaker detector.
  void on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet);
  // On the worker tick: the new dominant speaker's participant id if it changed.
  std::optional<std::string> update_active_speaker(TimePoint now) { return speakers_.evaluate(now); }
  const std::string& active_speaker() const { return speakers_.dominant(); }

  // What the conference allows a participant to send now. A participant with no entry
  // may send everything (a conference without floor control). New producers of a
  // participant start paused when the permission says so.
  void set_send_permission(const std::string& participant_id, bool audio, bool video, TimePoint now);
  bool may_send(const std::string& participant_id, MediaKind kind) const;
  // The stage follows this participant (the floor holder) instead of the newest
  // publisher; empty: back to the newest publisher.
  void set_stage_participant(std::string participant_id, TimePoint now);

  std::uint64_t next_sequence() { return ++sequence_; }
  std::size_t peer_count = 0;

 private:
  void update_stage(TimePoint now);

  std::string conference_;
  std::uint64_t sequence_ = 0;
  std::map<std::string, Producer*> producers_;
  std::unordered_set<Consumer*> stage_consumers_;
  const Peer* stage_publisher_ = nullptr;
  std::string stage_participant_;  // floor holder chosen by the conference, if any
  struct Permission {
    bool audio = true;
    bool video = true;
  };
  std::map<std::string, Permission> permissions_;
  ActiveSpeakerDetector speakers_;  // keyed by producer sequence
};

}  // namespace podium::sfu
