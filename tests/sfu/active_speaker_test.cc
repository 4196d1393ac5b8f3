#include "sfu/active_speaker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace podium::sfu {
namespace {

using namespace std::chrono_literals;

constexpr ActiveSpeakerDetector::SourceKey kAlice = 1;
constexpr ActiveSpeakerDetector::SourceKey kBob = 2;
constexpr ActiveSpeakerDetector::SourceKey kCarol = 3;

struct Level {
  std::uint8_t level = 127;
  bool voice = false;
};
constexpr Level kSpeech{30, true};   // -30 dBov, VAD says voice
constexpr Level kSilence{127, false};

struct Change {
  std::chrono::milliseconds at;
  std::string speaker;
  bool operator==(const Change&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Change& c) {
  return os << c.speaker << "@" << c.at.count() << "ms";
}

// Drives the detector like the worker does: a tick every 20 ms (evaluate first), and one
// audio packet per source per 20 ms (Opus frames). `script(source, t)` gives the level.
class Conference {
 public:
  Conference() {
    detector.add_source(kAlice, "alice");
    detector.add_source(kBob, "bob");
    detector.evaluate(start_);
  }

  std::vector<Change> run(std::chrono::milliseconds until,
                          const std::function<Level(ActiveSpeakerDetector::SourceKey,
                                                    std::chrono::milliseconds)>& script) {
    std::vector<Change> changes;
    for (; elapsed_ < until; elapsed_ += 20ms) {
      if (auto speaker = detector.evaluate(start_ + elapsed_))
        changes.push_back({elapsed_, *speaker});
      for (auto key : keys) {
        Level l = script(key, elapsed_);
        detector.on_audio_level(key, l.level, l.voice);
      }
    }
    return changes;
  }

  ActiveSpeakerDetector detector;
  std::vector<ActiveSpeakerDetector::SourceKey> keys{kAlice, kBob};

 private:
  TimePoint start_{10s};
  std::chrono::milliseconds elapsed_{0};
};

// Speech in [from, to), silence elsewhere.
Level talks(std::chrono::milliseconds t, std::chrono::milliseconds from, std::chrono::milliseconds to) {
  return t >= from && t < to ? kSpeech : kSilence;
}

TEST(ActiveSpeakerDetector, FirstSpeakerTakesTheFloorAfter600msOfSpeech) {
  Conference c;
  auto changes = c.run(5s, [](auto key, auto t) { return key == kAlice ? talks(t, 1s, 5s) : kSilence; });
  // Slices of 100 ms close on the ticks at 1.1 s, 1.2 s, ...; the 6th speech slice at 1.6 s.
  EXPECT_EQ(changes, (std::vector<Change>{{1600ms, "alice"}}));
  EXPECT_EQ(c.detector.dominant(), "alice");
  EXPECT_EQ(c.detector.changes(), 1u);
}

TEST(ActiveSpeakerDetector, SilenceDoesNotTakeTheFloorAway) {
  Conference c;
  auto changes = c.run(20s, [](auto key, auto t) { return key == kAlice ? talks(t, 0s, 2s) : kSilence; });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}}));
  EXPECT_EQ(c.detector.dominant(), "alice");  // 18 s of silence later
}

TEST(ActiveSpeakerDetector, TurnTakingFollowsTheOneWhoKeepsTalking) {
  Conference c;
  auto changes = c.run(12s, [](auto key, auto t) {
    return key == kAlice ? talks(t, 0s, 3s) : talks(t, 3s, 8s);
  });
  // Bob starts as Alice stops. At 3 s + k*100 ms Alice still has 15-k speech slices in
  // the 1.5 s window and Bob k: he needs k >= (15 - k) + 4, so k = 10, at 4.0 s.
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}, {4000ms, "bob"}}));
  EXPECT_EQ(c.detector.dominant(), "bob");
}

TEST(ActiveSpeakerDetector, AfterALongPauseTheNextSpeakerTakesOverAt600ms) {
  Conference c;
  auto changes = c.run(10s, [](auto key, auto t) {
    return key == kAlice ? talks(t, 0s, 2s) : talks(t, 6s, 10s);
  });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}, {6600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, ACoughDoesNotSwitch) {
  Conference c;
  auto changes = c.run(8s, [](auto key, auto t) {
    if (key == kAlice) return talks(t, 0s, 8s);
    return talks(t, 3s, 3300ms);  // Bob coughs for 300 ms while Alice talks
  });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}}));

  // Nor while Alice is silent.
  auto later = c.run(16s, [](auto key, auto t) { return key == kBob ? talks(t, 12s, 12300ms) : kSilence; });
  EXPECT_TRUE(later.empty());
  EXPECT_EQ(c.detector.dominant(), "alice");
}

TEST(ActiveSpeakerDetector, ACoughDoesNotTakeAnEmptyFloor) {
  Conference c;
  auto changes = c.run(3s, [](auto key, auto t) { return key == kBob ? talks(t, 1s, 1300ms) : kSilence; });
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(c.detector.dominant(), "");
}

TEST(ActiveSpeakerDetector, TalkingOverTheSpeakerDoesNotSwitch) {
  Conference c;
  auto changes = c.run(10s, [](auto key, auto t) {
    return key == kAlice ? talks(t, 0s, 10s) : talks(t, 2s, 10s);
  });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}}));
}

TEST(ActiveSpeakerDetector, LoudBackgroundNoiseWithoutVoiceNeverSpeaks) {
  Conference c;
  auto changes = c.run(10s, [](auto key, auto t) {
    if (key == kAlice) return Level{20, false};  // a fan at -20 dBov, VAD says no voice
    return talks(t, 5s, 10s);
  });
  EXPECT_EQ(changes, (std::vector<Change>{{5600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, ConstantNoiseFlaggedAsVoiceIsAbsorbedByTheNoiseFloor) {
  Conference c;
  // Alice's VAD is fooled by a steady -70 dBov hum: 57 dB above silence. The floor rises
  // 0.5 dB per slice and stops counting it once within 10 dB: after 94 slices (9.4 s).
  auto changes = c.run(20s, [](auto key, auto t) {
    if (key == kAlice) return Level{70, true};
    return talks(t, 12s, 20s);
  });
  // Bob then needs only his own 600 ms.
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}, {12600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, VeryQuietVoiceIsNotSpeech) {
  Conference c;
  auto changes = c.run(5s, [](auto key, auto) { return key == kAlice ? Level{90, true} : kSilence; });
  EXPECT_TRUE(changes.empty());
}

TEST(ActiveSpeakerDetector, MutedSourcesSendingNothingAreSilent) {
  Conference c;
  c.keys = {kBob};  // Alice's track sends no packets at all
  auto changes = c.run(3s, [](auto, auto t) { return talks(t, 0s, 3s); });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, TheSpeakerLeavingFreesTheFloorWithoutAnEvent) {
  Conference c;
  c.run(3s, [](auto key, auto t) { return key == kAlice ? talks(t, 0s, 3s) : kSilence; });
  ASSERT_EQ(c.detector.dominant(), "alice");
  c.detector.remove_source(kAlice);
  c.keys = {kBob};
  EXPECT_EQ(c.detector.dominant(), "");
  // Bob needs no lead over a speaker who is gone.
  auto changes = c.run(5s, [](auto, auto t) { return talks(t, 3s, 5s); });
  EXPECT_EQ(changes, (std::vector<Change>{{3600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, TwoTracksOfOneParticipantCountAsTheMostActive) {
  Conference c;
  c.detector.add_source(kCarol, "alice");  // a second microphone of Alice's
  c.keys = {kAlice, kBob, kCarol};
  auto changes = c.run(3s, [](auto key, auto t) { return key == kCarol ? talks(t, 0s, 3s) : kSilence; });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}}));
  c.detector.remove_source(kAlice);
  EXPECT_EQ(c.detector.dominant(), "alice");  // still has a track
}

TEST(ActiveSpeakerDetector, UnknownSourcesAndOutOfRangeLevelsAreHarmless) {
  ActiveSpeakerDetector detector;
  detector.on_audio_level(99, 0, true);
  detector.remove_source(99);
  detector.add_source(1, "p1");
  detector.on_audio_level(1, 255, true);  // clamped to silence
  EXPECT_FALSE(detector.evaluate(TimePoint{1s}));
  EXPECT_FALSE(detector.evaluate(TimePoint{2s}));
  EXPECT_EQ(detector.dominant(), "");
}

TEST(ActiveSpeakerDetector, ALongStallEndsQuickly) {
  ActiveSpeakerDetector detector;
  detector.add_source(1, "p1");
  detector.evaluate(TimePoint{1s});
  // A clock jump of hours must not close millions of slices one by one.
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(detector.evaluate(TimePoint{1s + std::chrono::hours(24 * 365)}));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

}  // namespace
}  // namespace podium::sfu
