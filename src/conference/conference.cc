#include "conference/conference.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace podium::conference {
namespace {

bool is_host_role(Role r) { return r == Role::organizer || r == Role::moderator; }

bool skips_lobby(const Settings& s, Role r) {
  return std::find(s.lobby_skip.begin(), s.lobby_skip.end(), r) != s.lobby_skip.end();
}

Error refuse(std::string why) { return Error{std::move(why)}; }

}  // namespace

UnixMillis WallClock::now() const {
  return unix_ms_at_epoch +
         std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
             .count();
}

Conference::Conference(ConferenceInfo info, Settings settings, WallClock clock)
    : info_(std::move(info)), settings_(std::move(settings)), clock_(clock) {}

// ---------------------------------------------------------------- helpers

Result<Participant*> Conference::present(const ParticipantId& id) {
  auto it = participants_.find(id);
  if (it == participants_.end()) return refuse("unknown participant: " + id);
  switch (it->second.presence) {
    case Presence::present:
      return &it->second;
    case Presence::waiting:
      return refuse(id + " is waiting in the lobby");
    case Presence::left:
      return refuse(id + " has left the conference");
    case Presence::rejected:
      return refuse(id + " was not admitted");
  }
  return refuse("unknown participant: " + id);
}

Result<Participant*> Conference::actor_for(const ParticipantId& id, Action action) {
  auto p = present(id);
  if (!p) return p;
  if (!allowed((*p)->role, action)) {
    return refuse("a " + std::string(to_string((*p)->role)) + " may not " +
                  std::string(to_string(action)));
  }
  return p;
}

void Conference::emit(Events& out, EventBody body, Audience audience, ParticipantId subject) {
  Event e{.seq = next_seq_++,
          .at = now(),
          .audience = audience,
          .subject = std::move(subject),
          .body = std::move(body)};
  if (is_recorded(e.body)) timeline_.push_back(e);
  out.push_back(std::move(e));
}

const Participant* Conference::participant(const ParticipantId& id) const {
  auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : &it->second;
}

void Conference::set_role(Events& out, Participant& p, Role role, const ParticipantId& by,
                          const std::string& reason) {
  const Role from = p.role;
  p.role = role;
  emit(out, RoleChanged{.participant = p.id, .from = from, .to = role, .by = by, .reason = reason});
  if (from == Role::interpreter && role != Role::interpreter) {
    interpreter_gone(out, p.id, "role_changed", by, /*unassign=*/true);
  }
  if (floor_.held_by(p.id) && !allowed(role, Action::hold_floor)) {
    release_floor(out, "role_changed");
  }
  if (find_hand(p.id) != queue_.end() && !allowed(role, Action::raise_hand)) {
    remove_hand(out, p.id, "role_changed", by);
  }
}

void Conference::enter(Events& out, Participant& p) {
  p.presence = Presence::present;
  p.joined_at = now();
  p.left_at.reset();
  emit(out,
       ParticipantJoined{
           .participant = p.id, .name = p.name, .role = p.role, .organization = p.organization});
  if (Booth* b = find_booth_of(p.id)) staff_booth(out, *b, p.id, "joined", p.id);
}

// ---------------------------------------------------------------- lifecycle

Outcome Conference::open(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::manage_conference);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::scheduled) {
    return refuse("cannot open a conference that is " + std::string(to_string(state_)));
  }
  Events out;
  state_ = ConferenceState::open;
  emit(out, ConferenceStateChanged{.from = ConferenceState::scheduled, .to = state_, .by = actor});
  return out;
}

Outcome Conference::go_live(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::manage_conference);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::open) {
    return refuse("only an open conference can go live; it is " + std::string(to_string(state_)));
  }
  Events out;
  state_ = ConferenceState::live;
  emit(out, ConferenceStateChanged{.from = ConferenceState::open, .to = state_, .by = actor});
  if (settings_.recording && !recording_) {
    recording_ = true;
    emit(out, RecordingStarted{});
  }
  return out;
}

Outcome Conference::end(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::manage_conference);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::open && state_ != ConferenceState::live) {
    return refuse("cannot end a conference that is " + std::string(to_string(state_)));
  }
  Events out;
  if (running_item_) finish_item(out, actor);
  if (floor_.grant()) release_floor(out, "ended");
  while (!queue_.empty()) remove_hand(out, queue_.front().participant, "ended", actor);
  for (Booth& b : interp_.booths) {
    drop_handover(out, b, "ended", actor);
    if (!b.live.empty()) set_booth_live(out, b, "", "ended", actor);
  }
  if (recording_) {
    recording_ = false;
    emit(out, RecordingStopped{.by = actor, .reason = "ended"});
  }
  const ConferenceState from = state_;
  state_ = ConferenceState::ended;
  emit(out, ConferenceStateChanged{.from = from, .to = state_, .by = actor});
  return out;
}

Outcome Conference::change_settings(const ParticipantId& actor, const Settings& settings) {
  auto a = actor_for(actor, Action::manage_conference);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  Events out;
  settings_ = settings;
  emit(out, SettingsChanged{.settings = settings_, .by = actor});
  return out;
}

// ---------------------------------------------------------------- people

Outcome Conference::join(const JoinRequest& request) {
  if (request.id.empty()) return refuse("a participant needs an id");
  if (request.name.empty()) return refuse("a participant needs a name");
  if (request.name.size() > 200) return refuse("name too long");
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  auto it = participants_.find(request.id);
  // A returning participant keeps the role the conference gave them (a demotion
  // during the event outlives a reconnect with the original token).
  const Role role = it != participants_.end() ? it->second.role : request.role;
  if (state_ == ConferenceState::scheduled && !allowed(role, Action::join_before_open)) {
    return refuse("the conference is not open yet");
  }
  if (it != participants_.end()) {
    switch (it->second.presence) {
      case Presence::present:
        return refuse(request.id + " has already joined");
      case Presence::waiting:
        return refuse(request.id + " is already waiting in the lobby");
      case Presence::rejected:
        return refuse(request.id + " was not admitted");
      case Presence::left:
        break;
    }
  }
  Participant& p = participants_[request.id];
  p.id = request.id;
  p.name = request.name;
  p.role = role;
  p.organization = request.organization;
  p.name_private = request.name_private;
  Events out;
  if (settings_.lobby && !skips_lobby(settings_, role)) {
    p.presence = Presence::waiting;
    emit(out, ParticipantWaiting{.participant = p.id, .name = p.name, .role = p.role},
         Audience::hosts_and_subject, p.id);
  } else {
    enter(out, p);
  }
  return out;
}

Outcome Conference::leave(const ParticipantId& id) {
  auto it = participants_.find(id);
  if (it == participants_.end()) return refuse("unknown participant: " + id);
  Participant& p = it->second;
  if (p.presence != Presence::present && p.presence != Presence::waiting) {
    return refuse(id + " is not in the conference");
  }
  Events out;
  if (p.presence == Presence::waiting) {
    p.presence = Presence::left;
    emit(out, ParticipantLeft{.participant = id}, Audience::hosts_and_subject, id);
    return out;
  }
  if (floor_.held_by(id)) release_floor(out, "left");
  if (find_hand(id) != queue_.end()) remove_hand(out, id, "left", id);
  interpreter_gone(out, id, "left", id, /*unassign=*/false);
  p.presence = Presence::left;
  p.left_at = now();
  p.audio_unmute_asked = p.video_unmute_asked = false;
  emit(out, ParticipantLeft{.participant = id});
  return out;
}

Outcome Conference::change_role(const ParticipantId& actor, const ParticipantId& target,
                                Role role) {
  // An empty actor is the organizer through the REST API (authenticated there).
  Role actor_role = Role::organizer;
  if (!actor.empty()) {
    auto a = actor_for(actor, Action::change_role);
    if (!a) return Error{a.error()};
    actor_role = (*a)->role;
  }
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  auto it = participants_.find(target);
  if (it == participants_.end()) return refuse("unknown participant: " + target);
  Participant& p = it->second;
  if (target == actor) return refuse("you cannot change your own role");
  if ((is_host_role(role) || is_host_role(p.role)) &&
      !allowed(actor_role, Action::assign_host_role)) {
    return refuse("only an organizer may give or take the organizer and moderator roles");
  }
  if (p.role == role) return refuse(target + " is already a " + std::string(to_string(role)));
  Events out;
  set_role(out, p, role, actor, "");
  return out;
}

Outcome Conference::admit(const ParticipantId& actor, const ParticipantId& target) {
  auto a = actor_for(actor, Action::manage_lobby);
  if (!a) return Error{a.error()};
  auto it = participants_.find(target);
  if (it == participants_.end() || it->second.presence != Presence::waiting) {
    return refuse(target + " is not waiting in the lobby");
  }
  Events out;
  emit(out, ParticipantAdmitted{.participant = target, .by = actor});
  enter(out, it->second);
  return out;
}

Outcome Conference::reject(const ParticipantId& actor, const ParticipantId& target) {
  auto a = actor_for(actor, Action::manage_lobby);
  if (!a) return Error{a.error()};
  auto it = participants_.find(target);
  if (it == participants_.end() || it->second.presence != Presence::waiting) {
    return refuse(target + " is not waiting in the lobby");
  }
  Events out;
  it->second.presence = Presence::rejected;
  emit(out, ParticipantRejected{.participant = target, .by = actor}, Audience::hosts_and_subject,
       target);
  return out;
}

Outcome Conference::admit_all(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::manage_lobby);
  if (!a) return Error{a.error()};
  Events out;
  for (auto& [id, p] : participants_) {
    if (p.presence != Presence::waiting) continue;
    emit(out, ParticipantAdmitted{.participant = id, .by = actor});
    enter(out, p);
  }
  return out;
}

// ---------------------------------------------------------------- mute

Outcome Conference::mute(const ParticipantId& actor, const ParticipantId& target, MediaKind kind) {
  auto a = actor_for(actor, Action::mute_others);
  if (!a) return Error{a.error()};
  auto t = present(target);
  if (!t) return Error{t.error()};
  Participant& p = **t;
  bool& muted = kind == MediaKind::audio ? p.audio_muted : p.video_muted;
  if (muted) return refuse(target + " is already muted");
  Events out;
  muted = true;
  (kind == MediaKind::audio ? p.audio_unmute_asked : p.video_unmute_asked) = false;
  emit(out, ParticipantMuted{.participant = target, .kind = kind, .by = actor});
  return out;
}

Outcome Conference::ask_to_unmute(const ParticipantId& actor, const ParticipantId& target,
                                  MediaKind kind) {
  auto a = actor_for(actor, Action::mute_others);
  if (!a) return Error{a.error()};
  auto t = present(target);
  if (!t) return Error{t.error()};
  Participant& p = **t;
  if (!(kind == MediaKind::audio ? p.audio_muted : p.video_muted)) {
    return refuse(target + " is not muted");
  }
  Events out;
  (kind == MediaKind::audio ? p.audio_unmute_asked : p.video_unmute_asked) = true;
  emit(out, UnmuteRequested{.participant = target, .kind = kind, .by = actor},
       Audience::hosts_and_subject, target);
  return out;
}

Outcome Conference::accept_unmute(const ParticipantId& actor, MediaKind kind) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  Participant& p = **a;
  bool& asked = kind == MediaKind::audio ? p.audio_unmute_asked : p.video_unmute_asked;
  // A moderator's mute is lifted only with the moderator's consent.
  if (!asked) return refuse("no request to unmute " + std::string(to_string(kind)));
  Events out;
  asked = false;
  (kind == MediaKind::audio ? p.audio_muted : p.video_muted) = false;
  if (kind == MediaKind::audio && floor_.held_by(actor)) floor_.set_muted_by_timer(false);
  emit(out, ParticipantUnmuted{.participant = actor, .kind = kind});
  return out;
}

// ---------------------------------------------------------------- queries

bool Conference::may_send_media(const ParticipantId& id, MediaKind kind) const {
  const Participant* p = participant(id);
  return p && may_send_media(*p, kind);
}

bool Conference::may_send_media(const Participant& p, MediaKind kind) const {
  if (p.presence != Presence::present) return false;
  if (kind == MediaKind::audio ? p.audio_muted : p.video_muted) return false;
  if (allowed(p.role, Action::interpret)) {
    // Into their booth's channel only (the media plane routes it there), audio only.
    const Booth* b = booth_of(p.id);
    return kind == MediaKind::audio && b && !b->muted &&
           (state_ == ConferenceState::open || state_ == ConferenceState::live);
  }
  switch (state_) {
    case ConferenceState::scheduled:
    case ConferenceState::open:
      return allowed(p.role, Action::send_media_before_live);
    case ConferenceState::live:
      return floor_.held_by(p.id) || allowed(p.role, Action::send_media_when_live);
    case ConferenceState::ended:
      return false;
  }
  return false;
}

std::optional<ParticipantId> Conference::stage() const {
  if (!floor_.grant()) return std::nullopt;
  return floor_.grant()->holder;
}

std::optional<std::int64_t> Conference::floor_remaining_ms() const {
  if (!floor_.grant() || floor_.grant()->allotted_ms == 0) return std::nullopt;
  return floor_.remaining_ms(now());
}

}  // namespace podium::conference
