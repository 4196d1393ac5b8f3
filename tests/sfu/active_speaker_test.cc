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
constexpr Level kSilence{127, false};

// Speech around -30 dBov that rises and falls by 12 dB from one 20 ms frame to the next,
// as syllables do; every 100 ms slice has the same mean, so timings stay exact.
Level speech(std::chrono::milliseconds t, int base = 30) {
  static constexpr int kWobble[5] = {-6, 0, 6, 0, 0};
  return {static_cast<std::uint8_t>(base + kWobble[(t.count() / 20) % 5]), true};
}

// A steady background the VAD takes for voice: level ±1 dB, like a fan or a hum.
Level steady_noise(std::chrono::milliseconds t, int level) {
  return {static_cast<std::uint8_t>(level + ((t.count() / 20) % 3) - 1), true};
}

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
  return t >= from && t < to ? speech(t) : kSilence;
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

TEST(ActiveSpeakerDetector, ConstantNoiseFlaggedAsVoiceNeverTakesTheFloor) {
  Conference c;
  // Alice's VAD is fooled by a steady -70 dBov hum, exactly level: it never counts.
  auto changes = c.run(20s, [](auto key, auto t) {
    if (key == kAlice) return Level{70, true};
    return talks(t, 12s, 20s);
  });
  // Bob needs only his own 600 ms.
  EXPECT_EQ(changes, (std::vector<Change>{{12600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, SteadyLoudNoiseNeverBecomesDominant) {
  Conference c;
  // A loud fan (-20 dBov) from the first packet, and one that starts suddenly after 3 s
  // of silence: neither speaks, not even while the noise floor has yet to settle.
  auto changes = c.run(30s, [](auto key, auto t) {
    if (key == kAlice) return steady_noise(t, 20);
    return t < 3s ? kSilence : steady_noise(t, 25);
  });
  EXPECT_TRUE(changes.empty()) << changes.front();
  EXPECT_EQ(c.detector.dominant(), "");
}

TEST(ActiveSpeakerDetector, SpeechOverSteadyNoiseTakesTheFloor) {
  Conference c;
  // Both sit in noisy rooms (-50 dBov); Alice speaks up over hers (-30 dBov) from 5 s to
  // 9 s, then Bob over his from 12 s, with the pauses between phrases speech has.
  auto phrase = [](std::chrono::milliseconds t, std::chrono::milliseconds from,
                   std::chrono::milliseconds to) {
    bool in_pause = (t - from) % 2000ms >= 1600ms;  // 1.6 s phrases, 0.4 s pauses
    return t >= from && t < to && !in_pause ? speech(t) : steady_noise(t, 50);
  };
  auto changes = c.run(20s, [&](auto key, auto t) {
    return key == kAlice ? phrase(t, 5s, 9s) : phrase(t, 12s, 20s);
  });
  // Alice after her first 600 ms; Bob once his 1.5 s window leads hers by 4 slices
  // (her speech ended at 9 s: she has none left in the window by then).
  EXPECT_EQ(changes, (std::vector<Change>{{5600ms, "alice"}, {12600ms, "bob"}}));
}

TEST(ActiveSpeakerDetector, CoughsOverNoiseDoNotFlap) {
  Conference c;
  // Alice speaks on; Bob, in a noisy room, coughs for 200 ms every second.
  auto changes = c.run(15s, [](auto key, auto t) {
    if (key == kAlice) return talks(t, 0s, 15s);
    return t % 1000ms < 200ms ? speech(t, 20) : steady_noise(t, 60);
  });
  EXPECT_EQ(changes, (std::vector<Change>{{600ms, "alice"}}));
  // And with Alice silent, the coughs still take nothing.
  auto later = c.run(25s, [](auto key, auto t) {
    if (key == kAlice) return kSilence;
    return t % 1000ms < 200ms ? speech(t, 20) : steady_noise(t, 60);
  });
  EXPECT_TRUE(later.empty());
  EXPECT_EQ(c.detector.dominant(), "alice");
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
