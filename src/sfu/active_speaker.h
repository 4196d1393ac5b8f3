// Dominant speaker of one conference, from the audio levels publishers put in their
// packets (RFC 6464 ssrc-audio-level). Pure: levels and time in, a change of speaker out.
//
// Time is cut into kInterval slices. A slice is "speech" for a source when most of its
// packets carry the V flag (RFC 6464 §3: the sender's voice activity detector), their
// mean level is louder than kSilenceLevel and stands kNoiseMargin above that source's
// noise floor, and their levels vary by kVariability within the slice: speech rises and
// falls from syllable to syllable, a fan, a hum or traffic noise stays level, whatever a
// VAD fooled by it says. The noise floor is a minimum-statistics estimate per source: the
// quietest steady (not varying) slice of the last kNoiseSlices, so it settles on a
// steady background within kNoiseSlices and never climbs on speech.
// A participant's activity is the number of speech slices in the last kWindow slices.
// Like the dominant speaker identification of Volfin & Cohen, decisions look at the
// recent window rather than at single packets, so:
//  - nobody takes the floor with less than kTakeoverSlices of speech (a cough or a door
//    slam of < ~300 ms never does);
//  - a challenger takes over only when clearly more active than the current speaker
//    (kLeadSlices more speech slices in the window): two people talking at once leave the
//    floor where it is, and the floor follows the one who keeps talking;
//  - silence never takes the floor away: the last speaker stays dominant until someone
//    else talks (or leaves the conference).
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "util/clock.h"

namespace podium::sfu {

class ActiveSpeakerDetector {
 public:
  using SourceKey = std::uint64_t;

  static constexpr Duration kInterval{100'000};
  static constexpr std::size_t kWindow = 15;          // slices: 1.5 s
  static constexpr std::size_t kTakeoverSlices = 6;   // 600 ms of speech in the window
  static constexpr std::size_t kLeadSlices = 4;       // over the current speaker's count
  // RFC 6464 levels are -dBov, 127 = silence. Quieter than this is never speech.
  static constexpr int kSilenceLevel = 80;
  static constexpr int kNoiseMargin = 10;  // dB above the noise floor
  // dB between the loudest and the quietest packet of a slice for it to count as speech
  // (and for it not to count as steady background).
  static constexpr int kVariability = 6;
  static constexpr std::size_t kNoiseSlices = 10;  // 1 s of steady slices

  // An audio source (one audio track) of `participant`. Several sources of one participant
  // count as the most active of them.
  void add_source(SourceKey key, std::string participant);
  // Forgets the source; if its participant has no source left and was dominant, the floor
  // is free (no change is reported: the participant is gone).
  void remove_source(SourceKey key);

  // Per packet: no allocation, one hash lookup. Unknown keys are ignored.
  // `level` is -dBov 0..127 (values above 127 are clamped), `voice` the V flag.
  void on_audio_level(SourceKey key, std::uint8_t level, bool voice);

  // Closes the slices that ended by `now` and returns the new dominant speaker if it
  // changed. Call it often (every tick); it does work only at slice boundaries.
  std::optional<std::string> evaluate(TimePoint now);

  // Empty while nobody has taken the floor.
  const std::string& dominant() const { return dominant_; }
  std::size_t source_count() const { return sources_.size(); }
  std::uint64_t changes() const { return changes_; }

 private:
  struct Source {
    std::string participant;
    // The open slice.
    std::uint32_t packets = 0;
    std::uint32_t voiced = 0;
    std::uint32_t loudness_sum = 0;  // sum of (127 - level)
    std::uint8_t loudest = 0;        // of one packet, as 127 - level
    std::uint8_t quietest = 127;
    // Mean loudness (tenths of a dB above silence) of the recent steady slices, a ring;
    // -1: none yet. The noise floor is their minimum (0, silence, while there is none).
    std::array<int, kNoiseSlices> steady{};
    std::size_t steady_next = 0;
    std::bitset<kWindow> speech;  // bit 0 = the newest slice

    Source() { steady.fill(-1); }
    int floor_tenths() const;
  };
  void close_slice();
  void decide();

  std::unordered_map<SourceKey, Source> sources_;
  std::optional<TimePoint> slice_end_;
  std::string dominant_;
  std::uint64_t changes_ = 0;
};

}  // namespace podium::sfu
