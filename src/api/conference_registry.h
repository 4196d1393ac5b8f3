// Who is in which conference and which tracks they publish. In memory, touched only from
// the control thread: a conference exists from its first participant to its last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "sfu/media_server.h"

namespace podium::api {

// How the participant reached us. WHEP viewers are passive: they are not listed to others.
enum class Attachment { kWebSocket, kWhip, kWhep };

struct Participant {
  std::string id;  // "p<N>", unique on this server
  std::string conference;
  std::string name;
  // The role the conference gives it now (the token's until the conference says
  // otherwise); the hub refreshes it from every role_changed and on join.
  Role role = Role::kAttendee;
  Attachment attachment = Attachment::kWebSocket;
  sfu::SessionId session = 0;  // 0: no media session (yet, or it closed)
  // In the conference's media: told about the others and their tracks, may open a media
  // session. False while waiting in the lobby and after a rejection.
  bool admitted = true;

  bool listed() const { return attachment != Attachment::kWhep; }
};

struct Track {
  std::string id;
  std::string participant;
  std::string kind;
};

class ConferenceRegistry {
 public:
  // Creates the conference on first use and assigns the participant id, unless the
  // caller gives one that is not in use (a participant rejoining a restored conference).
  const Participant& add_participant(Participant participant);
  // New ids will be above pN (ids a restored conference already knows are not reused).
  void reserve_ids_through(std::uint64_t n) { next_participant_ = std::max(next_participant_, n + 1); }
  // Removes the participant and its tracks (returned); drops the conference if empty.
  std::vector<Track> remove_participant(std::string_view participant_id);

  Participant* find_participant(std::string_view participant_id);
  std::optional<std::string> participant_for_session(sfu::SessionId session) const;

  // Listed participants of a conference, in join order (those in the lobby included).
  std::vector<const Participant*> participants(std::string_view conference) const;
  // Admitted attendees and press, WHEP viewers included: the conference's audience.
  std::size_t audience_count(std::string_view conference) const;
  std::vector<Track> tracks(std::string_view conference) const;
  const Track* find_track(std::string_view conference, std::string_view track_id) const;

  void add_track(std::string_view conference, Track track);
  // Removes the track only if the participant publishes it.
  std::optional<Track> remove_track(std::string_view participant_id, std::string_view track_id);
  std::vector<Track> remove_tracks_of(std::string_view participant_id);

  // Whether the conference has anyone in it (the registry drops empty conferences).
  bool contains(std::string_view conference) const { return conferences_.find(conference) != conferences_.end(); }
  std::size_t conference_count() const { return conferences_.size(); }
  std::size_t participant_count() const { return conference_of_.size(); }

 private:
  struct Conference {
    std::vector<Participant> participants;  // join order; conferences stay small enough
    std::vector<Track> tracks;
  };
  Conference* conference_for(std::string_view participant_id);

  std::map<std::string, Conference, std::less<>> conferences_;
  std::map<std::string, std::string, std::less<>> conference_of_;  // participant id → conference
  std::uint64_t next_participant_ = 1;
};

}  // namespace podium::api
