// Placeholder until the worker-based implementation lands: negotiates nothing.
#include "sfu/media_server.h"

#include <atomic>

namespace podium::sfu {

struct MediaServer::Impl {
  MediaServerConfig config;
  MediaEvents events;
  std::atomic<SessionId> next_id{1};
};

MediaServer::MediaServer(MediaServerConfig config, MediaEvents events)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->events = std::move(events);
}
MediaServer::~MediaServer() = default;
void MediaServer::start() {}
void MediaServer::stop() {}
SessionId MediaServer::open_session(SessionOptions) { return impl_->next_id++; }
void MediaServer::negotiate(SessionId, NegotiateRequest, std::function<void(NegotiateResult)> done) {
  NegotiateResult r;
  r.status = 503;
  r.error = "media plane not available";
  done(std::move(r));
}
void MediaServer::close_session(SessionId) {}
std::string MediaServer::metrics_text() const { return ""; }

}  // namespace podium::sfu
