#include "sfu/active_speaker.h"

#include <algorithm>
#include <map>

namespace podium::sfu {

void ActiveSpeakerDetector::add_source(SourceKey key, std::string participant) {
  sources_[key].participant = std::move(participant);
}

void ActiveSpeakerDetector::remove_source(SourceKey key) {
  auto it = sources_.find(key);
  if (it == sources_.end()) return;
  std::string participant = std::move(it->second.participant);
  sources_.erase(it);
  if (participant != dominant_) return;
  bool still_here = std::any_of(sources_.begin(), sources_.end(),
                                [&](const auto& entry) { return entry.second.participant == participant; });
  if (!still_here) dominant_.clear();
}

void ActiveSpeakerDetector::on_audio_level(SourceKey key, std::uint8_t level, bool voice) {
  auto it = sources_.find(key);
  if (it == sources_.end()) return;
  Source& source = it->second;
  auto loudness = static_cast<std::uint8_t>(127 - std::min<std::uint8_t>(level, 127));
  ++source.packets;
  if (voice) ++source.voiced;
  source.loudness_sum += loudness;
  source.loudest = std::max(source.loudest, loudness);
  source.quietest = std::min(source.quietest, loudness);
}

int ActiveSpeakerDetector::Source::floor_tenths() const {
  int floor = -1;
  for (int mean : steady) {
    if (mean >= 0 && (floor < 0 || mean < floor)) floor = mean;
  }
  return std::max(floor, 0);
}

std::optional<std::string> ActiveSpeakerDetector::evaluate(TimePoint now) {
  if (!slice_end_) {
    slice_end_ = now + kInterval;
    return std::nullopt;
  }
  if (now < *slice_end_) return std::nullopt;
  // After a long stall only the last kWindow slices can matter, and they are all silent.
  auto missed = static_cast<std::size_t>((now - *slice_end_) / kInterval);
  if (missed > kWindow + 1) *slice_end_ += kInterval * static_cast<int>(missed - kWindow - 1);

  std::string before = dominant_;
  while (now >= *slice_end_) {
    close_slice();
    decide();
    *slice_end_ += kInterval;
  }
  if (dominant_ == before || dominant_.empty()) return std::nullopt;
  return dominant_;
}

void ActiveSpeakerDetector::close_slice() {
  for (auto& [key, source] : sources_) {
    bool speech = false;
    if (source.packets > 0) {
      int loudness_tenths = static_cast<int>(source.loudness_sum * 10 / source.packets);
      bool voiced = source.voiced * 2 > source.packets;
      bool audible = loudness_tenths > (127 - kSilenceLevel) * 10;
      bool above_noise = loudness_tenths >= source.floor_tenths() + kNoiseMargin * 10;
      bool varies = source.loudest - source.quietest >= kVariability;
      speech = voiced && audible && above_noise && varies;
      if (!varies) {
        // A steady slice is background: it feeds the noise floor.
        source.steady[source.steady_next] = loudness_tenths;
        source.steady_next = (source.steady_next + 1) % kNoiseSlices;
      }
    }
    // A slice without packets (muted, or Opus DTX) says nothing about the noise floor.
    source.speech <<= 1;
    source.speech[0] = speech;
    source.packets = source.voiced = source.loudness_sum = 0;
    source.loudest = 0;
    source.quietest = 127;
  }
}

void ActiveSpeakerDetector::decide() {
  // Runs ten times a second over a handful of sources: clarity over cleverness.
  std::map<std::string, std::size_t> activity;  // ordered: ties go to the smaller id
  for (const auto& [key, source] : sources_) {
    auto& slices = activity[source.participant];
    slices = std::max(slices, source.speech.count());
  }
  const std::string* best = nullptr;
  std::size_t best_slices = 0;
  for (const auto& [participant, slices] : activity) {
    if (slices > best_slices) {
      best = &participant;
      best_slices = slices;
    }
  }
  if (!best || *best == dominant_ || best_slices < kTakeoverSlices) return;
  auto held = activity.find(dominant_);
  std::size_t current = held == activity.end() ? 0 : held->second;
  if (best_slices < current + kLeadSlices) return;
  dominant_ = *best;
  ++changes_;
}

}  // namespace podium::sfu
