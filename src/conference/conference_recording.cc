// Recording on and off. The domain only decides and logs it; the api layer runs the
// recorder while recording() is true (docs/recording.md).
#include <utility>

#include "conference/conference.h"

namespace podium::conference {

// An empty actor is the organizer acting through the REST API, which authenticated them;
// everyone else needs manage_conference.
Outcome Conference::start_recording(const ParticipantId& actor) {
  if (!actor.empty()) {
    auto a = actor_for(actor, Action::manage_conference);
    if (!a) return Error{a.error()};
  }
  if (state_ != ConferenceState::open && state_ != ConferenceState::live) {
    return Error{"recording starts only while the conference is open or live; it is " +
                 std::string(to_string(state_))};
  }
  if (recording_) return Error{"the conference is already being recorded"};
  Events out;
  recording_ = true;
  emit(out, RecordingStarted{.by = actor});
  return out;
}

Outcome Conference::stop_recording(const ParticipantId& actor) {
  if (!actor.empty()) {
    auto a = actor_for(actor, Action::manage_conference);
    if (!a) return Error{a.error()};
  }
  if (!recording_) return Error{"the conference is not being recorded"};
  Events out;
  recording_ = false;
  emit(out, RecordingStopped{.by = actor, .reason = "stopped"});
  return out;
}

Events Conference::recording_failed(const std::string& detail) {
  Events out;
  if (!recording_) return out;
  recording_ = false;
  emit(out, RecordingStopped{.reason = "failed", .detail = detail});
  return out;
}

}  // namespace podium::conference
