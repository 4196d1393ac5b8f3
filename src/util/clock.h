// Time is passed into protocol code, never read from inside it, so tests can drive it.
#pragma once

#include <chrono>
#include <cstdint>

namespace podium {

using Duration = std::chrono::microseconds;
// Monotonic time since an arbitrary epoch.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }
};

class FakeClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(Duration d) { now_ += d; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_{Duration{1'000'000}};
};

// Wall-clock time as an NTP timestamp (RFC 3550 §4), for sender reports.
std::uint64_t ntp_now();

}  // namespace podium
