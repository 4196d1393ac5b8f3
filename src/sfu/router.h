// One conference's media on one worker: its producers, the stage (the source that
// WHEP viewers receive: the floor holder, else the newest publisher still publishing),
// and interpretation (language channels and per-language programs, see
// sfu/language_channel.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "sfu/active_speaker.h"
#include "sfu/language_channel.h"
#include "sfu/media_server.h"
#include "sfu/media_tap.h"
#include "sfu/relay.h"
#include "sfu/track.h"
#include "util/clock.h"

namespace podium::rtp {
class RtpPacket;
}

namespace podium::sfu {

class Consumer;
class Peer;
class Producer;

class Router final : public RelayOrigin {
 public:
  explicit Router(std::string conference);
  ~Router() override;

  // Relays (sfu/relay.h): this router is the conference's on worker `worker`; from now
  // on its own producers are relayed to the conference's other workers, and it holds a
  // relay producer for each of theirs. Once, right after construction, when the server
  // has several workers.
  void attach_relays(RelayHub& hub, int worker, TimePoint now);
  // Follows the hub's catalog: relay targets, relay producers added and removed.
  void sync_relays(TimePoint now);
  // RelayOrigin: a relay producer's keyframe request, sent to its original's worker.
  void request_keyframe(const Producer& relay, int layer) override;

  const std::string& conference() const { return conference_; }

  void add_producer(Producer& producer, TimePoint now);
  void remove_producer(Producer& producer, TimePoint now);
  Producer* find_producer(const std::string& track_id) const;

  void add_stage_consumer(Consumer& consumer, TimePoint now);
  // A consumer of a virtual track: "lang:<code>" (the live interpreter of that booth) or
  // "program:<code>" (the language's program mix; the floor when no interpreter is
  // live or the floor speaks that language). It follows as the plan changes.
  void add_virtual_consumer(Consumer& consumer, const std::string& track_id, TimePoint now);
  // Stops a stage or virtual consumer from following.
  void remove_stage_consumer(Consumer& consumer);
  // What a virtual track's consumer receives now (null: nothing).
  Producer* virtual_source(const std::string& track_id) const;
  // The producer of `kind` that stage consumers receive, or null.
  Producer* stage_source(MediaKind kind) const;

  // Per audio packet, from Producer::forward: feeds the RFC 6464 level, if the publisher
  // negotiated ssrc-audio-level, to the active speaker detector (never an
  // interpreter's), and the program mixers that use this producer.
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

  // Interpretation: interpreters never reach the stage or the active speaker detector;
  // language channels and programs follow the plan.
  void set_interpretation(InterpretationPlan plan, TimePoint now);
  bool is_interpreter(const std::string& participant_id) const {
    return plan_.interpreters.count(participant_id) > 0;
  }
  // A booth language, or the floor's language (WHEP ?lang=).
  bool has_language(const std::string& code) const {
    return plan_.live.count(code) > 0 || (!code.empty() && code == plan_.floor_language);
  }
  // The 20 ms mixing tick; mixing() tells whether there is anything to mix.
  bool mixing() const { return programs_.active(); }
  std::size_t program_count() const { return programs_.program_count(); }
  void mix(TimePoint now) { programs_.mix(now); }

  // Process-wide, so the order of producers is the same on every worker (relays).
  static std::uint64_t next_sequence();
  std::size_t peer_count = 0;

  // The recorder's copy of the media (null: none). Attaching tells the tap every
  // producer and the stage; detaching tells it nothing more.
  void set_tap(std::shared_ptr<MediaTap> tap, TimePoint now);
  MediaTap* tap() const { return tap_.get(); }

 private:
  void update_stage(TimePoint now);
  void update_interpretation(TimePoint now);
  // The newest audio producer of a participant, or null.
  Producer* audio_of(const std::string& participant_id) const;

  std::string conference_;
  std::map<std::string, Producer*> producers_;
  std::unordered_set<Consumer*> stage_consumers_;
  std::optional<std::string> stage_publisher_;  // participant id of the stage
  std::string stage_participant_;  // floor holder chosen by the conference, if any
  struct Permission {
    bool audio = true;
    bool video = true;
  };
  std::map<std::string, Permission> permissions_;
  ActiveSpeakerDetector speakers_;  // keyed by producer sequence
  InterpretationPlan plan_;
  LanguagePrograms programs_;
  std::map<Consumer*, std::string> virtual_consumers_;  // → "lang:xx" / "program:xx"
  std::shared_ptr<MediaTap> tap_;
  std::vector<std::string> tap_languages_;  // programs the tap holds
  // Relays: the hub (null: one worker), this worker, the other workers of the
  // conference (each local producer's packets go to them), the relay producers by key.
  RelayHub* relay_hub_ = nullptr;
  int relay_worker_ = 0;
  std::vector<int> relay_targets_;
  struct Relay {
    std::unique_ptr<Producer> producer;
    int origin = 0;
  };
  std::map<std::uint64_t, Relay> relays_;
};

}  // namespace podium::sfu
