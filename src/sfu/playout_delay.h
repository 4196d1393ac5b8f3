// How long subscribers should hold a publisher's video when its path needs repairs.
//
// A packet lost between a publisher and Podium reaches the subscribers only after
// Podium's NACK round trip to the publisher, and after two when the NACK or the
// retransmission is lost as well. A receiver sizes its jitter buffer from what it sees
// of its own path (its round trip to Podium, its jitter), so the frames those repairs
// hold back arrive after their render time and show as freezes. Podium measures the
// upstream repairs; while they go on, it asks each subscriber to render that much
// later with the playout-delay header extension (min delay), and lets the delay fall
// back once the publisher's path is clean. (LiveKit adapts the same extension from
// its own measurements; libwebrtc's receiver honours it as a floor under its target.)
#pragma once

#include <cstdint>
#include <optional>

#include "rtp/header_extensions.h"
#include "util/clock.h"

namespace podium::sfu {

// The repairs of one producer's packets (NackGenerator: from the gap being seen to the
// missing packet arriving) over the last 5–10 s, in two buckets of kBucket.
class RepairWindow {
 public:
  void on_repair(Duration delay, TimePoint now);
  // What a frame of this producer may wait for upstream now: nullopt when fewer than
  // kMinRepairs were repaired lately. The longest repair seen; once repairs are frequent (loss, not a
  // stray drop), at least two repair rounds (a lost NACK or retransmission costs a
  // second one): 2 × (rtt + retry_margin).
  std::optional<Duration> need(TimePoint now, std::optional<Duration> rtt, Duration retry_margin) const;

  static constexpr Duration kBucket{5'000'000};
  static constexpr int kMinRepairs = 2;       // per window: one stray repair asks nothing
  static constexpr int kFrequentRepairs = 5;  // per window: loss, not a stray drop

 private:
  void roll(TimePoint now);
  struct Bucket {
    TimePoint start{};
    Duration longest{0};
    int count = 0;
  };
  Bucket current_;
  Bucket previous_;
};

// Per consumer: the min playout delay asked of the subscriber, with hysteresis, and
// when to carry the extension (a receiver keeps the last value it got, so it is sent
// on every packet for kRepeat after each change, not forever).
class PlayoutDelayControl {
 public:
  // Returns the extension value to put on this packet, or nullopt. `upstream`: the
  // source's RepairWindow::need; `rtt`: the subscriber's own round trip (a frame held
  // upstream may need a downstream repair as well). `changed`: set when the delay asked
  // changed on this call.
  std::optional<rtp::PlayoutDelay> on_packet(std::optional<Duration> upstream,
                                             std::optional<Duration> rtt, TimePoint now,
                                             bool* changed = nullptr);
  // The min delay asked now (0: none, the receiver's own choice).
  Duration current() const { return current_; }

  static constexpr Duration kCap{500'000};          // never ask more than this
  static constexpr Duration kRaiseStep{20'000};     // raise when the need is this much above
  static constexpr Duration kLowerStep{50'000};     // lower when this much below ...
  static constexpr Duration kHold{10'000'000};      // ... and the last change is this old
  static constexpr Duration kRepeat{1'000'000};     // carry the extension after a change
  // The range's upper end: libwebrtc's own default maximum, so asking for a floor does
  // not also cap the receiver (and min 0 with a max above 500 ms is not its
  // low-latency mode).
  static constexpr std::uint16_t kMax10ms = 1000;  // 10 s

 private:
  Duration current_{0};
  std::optional<TimePoint> changed_at_;
};

}  // namespace podium::sfu
