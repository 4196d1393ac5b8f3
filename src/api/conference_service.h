// The live conferences of this server: one conference::Conference each, loaded from the
// store on first join (or created fresh), persisted after every decision (snapshot in the
// conference document under "live", recorded events appended to the timeline), and
// enforced in the media path (send permissions and the WHEP stage follow the domain).
// Control thread only. The signaling hub turns its events into messages.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/conference_commands.h"
#include "conference/conference.h"
#include "sfu/media_server.h"
#include "store/live_writer.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/result.h"

namespace podium::api {

conference::Role domain_role(Role role);
Role api_role(conference::Role role);

class Recordings;

class ConferenceService {
 public:
  // Runs a function on the control thread later (never inline).
  using Post = std::function<void(std::function<void()>)>;

  // store may be null: conferences then live in memory only. With post (and a store that
  // can open a second connection), inputs are stored by a group-committing writer thread
  // (store/live_writer.h) and on_durable tells when; without, each is stored at once.
  ConferenceService(sfu::MediaServer& media, store::Store* store, Post post = {});
  ~ConferenceService();
  ConferenceService(const ConferenceService&) = delete;
  ConferenceService& operator=(const ConferenceService&) = delete;

  // Group commit: every input so far has a ticket; what acknowledges it (the command's
  // result, the events others see) waits until on_durable reports a ticket at least as
  // high. settled(): nothing is waiting, so anything may be sent at once.
  bool settled() const { return durable_ >= submitted_; }
  std::uint64_t last_ticket() const { return submitted_; }
  // Called on the control thread after a commit, with the highest ticket now stored.
  std::function<void(std::uint64_t through)> on_durable;
  // Blocks until everything submitted is stored (shutdown, tests).
  void flush();

  // Loads (or creates) the conference. Fails when its stored snapshot is damaged.
  Result<conference::Conference*> live(std::string_view name);
  conference::Conference* find(std::string_view name);

  // The participant id this conference gave the token subject before (a restart keeps
  // it), so a rejoining client is the same participant to the domain.
  std::optional<std::string> known_participant(std::string_view name,
                                               std::string_view subject) const;
  // The highest number N of an id "pN" the conference knows (0: none).
  std::uint64_t highest_participant_number(std::string_view name) const;

  // organization and name_private come from the access token (docs/record.md).
  Result<conference::Events> join(std::string_view name, const std::string& participant_id,
                                  std::string_view subject, std::string display_name, Role role,
                                  std::optional<std::string> organization = std::nullopt,
                                  bool name_private = false);
  conference::Events leave(std::string_view name, const std::string& participant_id);
  // command: the whole client message (its "command" and arguments).
  Result<conference::Events> command(std::string_view name, const std::string& actor,
                                     const nlohmann::json& command);
  // Due timer events of every live conference.
  std::vector<std::pair<std::string, conference::Events>> tick();

  // A participant opened a new media session: its own permissions, the stage and the
  // interpretation plan go to the media plane again (a new session may also be the
  // first of a new router). Everyone else's stand: their sessions still hold them,
  // and a router that comes later is seeded with them (sfu::MediaServer::open_session).
  void reapply_media(std::string_view name, const std::string& participant_id);

  // Whether viewer may see the event (Audience::hosts_and_subject).
  bool may_see(std::string_view name, std::string_view viewer, const conference::Event& e) const;
  // The state as the viewer may see it, for the welcome message: a JSON object's text
  // ("{}" for a conference that is not live).
  std::string state_for(std::string_view name, const std::string& viewer) const;

  std::size_t live_count() const { return live_.size(); }

  // Writes the full snapshot of every live conference whose log has entries since its
  // last one (server shutdown).
  void snapshot_all();
  // A full snapshot after this many logged inputs, or this long after the last one.
  static constexpr std::int64_t kSnapshotEvery = 200;
  static constexpr std::int64_t kSnapshotIntervalMs = 10'000;

  // Runs the recorders (docs/recording.md); null: recording is decided but not written.
  void set_recordings(Recordings* recordings) { recordings_ = recordings; }
  // Recording on or off on the organizer's behalf (REST): the caller authenticated the
  // organizer. Fails when the conference is not running here or refuses.
  Result<conference::Events> set_recording(std::string_view name, bool on);

  // The organizer through the REST API (authenticated there; docs/api.md "Participants"):
  // the people of the conference, a role change, and the chat and Q&A for export. A
  // conference stored as running is loaded as a join would; one that never ran has
  // nobody and nothing (an empty list).
  Result<nlohmann::json> participants_json(std::string_view name);
  Result<conference::Events> change_role_as_organizer(std::string_view name,
                                                      const std::string& participant,
                                                      conference::Role role);
  Result<nlohmann::json> talk_json(std::string_view name);

  // Told when a participant starts or stops being allowed to publish (an attendee
  // promoted to speak, a speaker demoted, admitted from the lobby), so its media session
  // follows.
  std::function<void(std::string_view conference, const std::string& participant, bool may_publish)>
      on_publish_right;

 private:
  struct Live {
    std::unique_ptr<conference::Conference> domain;
    std::int64_t version = 0;  // of the stored document; 0: not stored
    std::map<std::string, std::string, std::less<>> subjects;  // token sub → participant id
    std::map<std::string, std::pair<bool, bool>> applied;      // participant → audio, video
    std::map<std::string, bool> publish_applied;               // participant → may publish
    std::optional<std::string> applied_stage;
    bool stage_applied = false;
    conference::InterpretationMedia applied_interpretation;
    bool interpretation_applied = false;
    // The live log (docs/store.md): the last entry written, and how many entries and how
    // long since the stored snapshot.
    std::int64_t log_seq = 0;
    std::int64_t unsnapshotted = 0;
    conference::UnixMillis snapshot_at = 0;
  };

  // Steady time, or the recorded time of the input a restart is replaying.
  class ServiceClock final : public Clock {
   public:
    TimePoint now() const override { return fixed ? *fixed : steady_.now(); }
    std::optional<TimePoint> fixed;

   private:
    SteadyClock steady_;
  };

  Live* find_live(std::string_view name);
  const Live* find_live(std::string_view name) const;
  // The running conference, or the stored one that ran (loaded); null when it never ran.
  Result<Live*> ran(std::string_view name);
  // Persists and enforces after a decision. input: what caused it, as the live log keeps
  // it (null: nothing a restart could replay, so a full snapshot is written at once).
  void settle(const std::string& name, Live& live, const conference::Events& events,
              const nlohmann::json& input = nullptr);
  void persist(const std::string& name, Live& live, const conference::Events& events,
               const nlohmann::json& input);
  void write_snapshot(const std::string& name, Live& live);
  // Applies one live log entry to a conference being restored.
  void replay(Live& live, const nlohmann::json& entry);
  conference::UnixMillis wall_now() const;
  void enforce(const std::string& name, Live& live);
  nlohmann::json live_document(const Live& live) const;

  // The writer reported a commit (on the control thread).
  void committed(std::uint64_t through, const std::vector<std::string>& failed);

  sfu::MediaServer& media_;
  store::Store* store_;
  std::unique_ptr<store::LiveWriter> writer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for the writer's posts
  std::uint64_t submitted_ = 0;
  std::uint64_t durable_ = 0;
  Recordings* recordings_ = nullptr;
  ServiceClock clock_;
  conference::UnixMillis unix_ms_at_epoch_;
  std::map<std::string, Live, std::less<>> live_;
};

}  // namespace podium::api
