// The floor: who may speak on the stage now, and the clock of their allotted time.
// One holder at a time. Time is passed in; nothing runs by itself: `due` says which
// warnings have become due at `now`, and the conference turns them into events.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "conference/model.h"

namespace podium::conference {

inline constexpr std::int64_t kOneMinuteMs = 60'000;

struct FloorGrant {
  ParticipantId holder;
  std::optional<std::string> item;  // the agenda item it was granted for
  UnixMillis granted_at = 0;
  std::int64_t allotted_ms = 0;             // 0: untimed
  std::int64_t elapsed_before_ms = 0;       // speaking time before the last pause
  std::optional<UnixMillis> running_since;  // empty while paused
  bool warned = false;                      // one-minute warning already given
  bool time_up = false;                     // time-up already given
  bool muted_by_timer = false;              // the time-up muted the holder's audio
};

class Floor {
 public:
  enum class Due { nothing, one_minute_left, time_up };

  const std::optional<FloorGrant>& grant() const { return grant_; }
  bool held_by(const ParticipantId& id) const { return grant_ && grant_->holder == id; }

  void give(const ParticipantId& holder, std::optional<std::string> item, std::int64_t allotted_ms,
            UnixMillis now);
  // Takes the floor back; returns what was held (for the release event).
  std::optional<FloorGrant> take_back();

  std::int64_t held_ms(UnixMillis now) const;
  // Allotted minus held; negative once over time. 0 when untimed.
  std::int64_t remaining_ms(UnixMillis now) const;
  bool paused() const { return grant_ && !grant_->running_since; }

  void extend(std::int64_t ms, UnixMillis now);
  void pause(UnixMillis now);
  void resume(UnixMillis now);
  void set_muted_by_timer(bool muted) {
    if (grant_) grant_->muted_by_timer = muted;
  }

  // At most one warning per call, the earlier first; call again until nothing.
  Due due(UnixMillis now);

  void restore(std::optional<FloorGrant> grant) { grant_ = std::move(grant); }

 private:
  std::optional<FloorGrant> grant_;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorGrant, holder, item, granted_at, allotted_ms,
                                                elapsed_before_ms, running_since, warned, time_up,
                                                muted_by_timer)

}  // namespace podium::conference
