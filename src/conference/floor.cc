#include "conference/floor.h"

#include <utility>

namespace podium::conference {

void Floor::give(const ParticipantId& holder, std::optional<std::string> item,
                 std::int64_t allotted_ms, UnixMillis now) {
  grant_ = FloorGrant{.holder = holder,
                      .item = std::move(item),
                      .granted_at = now,
                      .allotted_ms = allotted_ms,
                      .running_since = now};
  // A grant shorter than a minute starts inside the warning window: no warning.
  grant_->warned = allotted_ms <= kOneMinuteMs;
}

std::optional<FloorGrant> Floor::take_back() { return std::exchange(grant_, std::nullopt); }

std::int64_t Floor::held_ms(UnixMillis now) const {
  if (!grant_) return 0;
  std::int64_t running = grant_->running_since ? now - *grant_->running_since : 0;
  return grant_->elapsed_before_ms + running;
}

std::int64_t Floor::remaining_ms(UnixMillis now) const {
  if (!grant_ || grant_->allotted_ms == 0) return 0;
  return grant_->allotted_ms - held_ms(now);
}

void Floor::extend(std::int64_t ms, UnixMillis now) {
  if (!grant_ || grant_->allotted_ms == 0) return;
  grant_->allotted_ms += ms;
  // Time given back re-arms the warnings that no longer hold.
  const std::int64_t remaining = remaining_ms(now);
  if (remaining > 0) grant_->time_up = false;
  if (remaining > kOneMinuteMs) grant_->warned = false;
}

void Floor::pause(UnixMillis now) {
  if (!grant_ || !grant_->running_since) return;
  grant_->elapsed_before_ms += now - *grant_->running_since;
  grant_->running_since.reset();
}

void Floor::resume(UnixMillis now) {
  if (!grant_ || grant_->running_since) return;
  grant_->running_since = now;
}

Floor::Due Floor::due(UnixMillis now) {
  if (!grant_ || grant_->allotted_ms == 0) return Due::nothing;
  const std::int64_t remaining = remaining_ms(now);
  if (!grant_->warned && remaining <= kOneMinuteMs) {
    grant_->warned = true;
    return Due::one_minute_left;
  }
  if (!grant_->time_up && remaining <= 0) {
    grant_->time_up = true;
    return Due::time_up;
  }
  return Due::nothing;
}

}  // namespace podium::conference
