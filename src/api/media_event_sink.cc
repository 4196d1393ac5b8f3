#include "api/media_event_sink.h"

#include <mutex>

namespace podium::api {

struct MediaEventSink::State {
  std::mutex mutex;
  SessionClosed on_session_closed;
  ActiveSpeaker on_active_speaker;
};

MediaEventSink::MediaEventSink() : state_(std::make_shared<State>()) {}
MediaEventSink::~MediaEventSink() { disconnect(); }

sfu::MediaEvents MediaEventSink::events() const {
  sfu::MediaEvents events;
  events.on_session_closed = [state = state_](sfu::SessionId session,
                                              std::vector<std::string> removed) {
    std::lock_guard lock(state->mutex);
    if (state->on_session_closed) state->on_session_closed(session, std::move(removed));
  };
  events.on_active_speaker = [state = state_](std::string conference, std::string participant) {
    std::lock_guard lock(state->mutex);
    if (state->on_active_speaker) state->on_active_speaker(std::move(conference), std::move(participant));
  };
  return events;
}

void MediaEventSink::connect(SessionClosed on_session_closed, ActiveSpeaker on_active_speaker) {
  std::lock_guard lock(state_->mutex);
  state_->on_session_closed = std::move(on_session_closed);
  state_->on_active_speaker = std::move(on_active_speaker);
}

void MediaEventSink::disconnect() {
  std::lock_guard lock(state_->mutex);
  state_->on_session_closed = nullptr;
  state_->on_active_speaker = nullptr;
}

}  // namespace podium::api
