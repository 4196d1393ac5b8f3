// Breaks the construction cycle between the media plane and the server: the MediaServer
// needs its MediaEvents when it is built, the Server needs the MediaServer. Build the sink
// first, hand events() to the MediaServer, then pass the sink to the Server, which connects
// to it for its lifetime. Events arriving while no server is connected are dropped.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sfu/media_server.h"

namespace podium::api {

class MediaEventSink {
 public:
  using SessionClosed = std::function<void(sfu::SessionId, std::vector<std::string>)>;
  using ActiveSpeaker = std::function<void(std::string conference, std::string participant_id)>;

  MediaEventSink();
  ~MediaEventSink();
  MediaEventSink(const MediaEventSink&) = delete;
  MediaEventSink& operator=(const MediaEventSink&) = delete;

  // Callbacks stay valid after the sink is gone (they then drop the event).
  sfu::MediaEvents events() const;

  // Thread-safe. The handler runs on the media worker thread that reported the event.
  void connect(SessionClosed on_session_closed, ActiveSpeaker on_active_speaker = nullptr);
  void disconnect();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace podium::api
