#include "sfu/audio_mixer.h"

#include <opus/opus.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "util/log.h"

namespace podium::sfu {
namespace {

constexpr int kMaxPacketSamples = 5760;  // 120 ms at 48 kHz

}  // namespace

OpusInput::OpusInput() : slots_(std::make_unique<std::array<Slot, kSlots>>()) {
  int error = OPUS_OK;
  decoder_ = opus_decoder_create(kMixSampleRate, 1, &error);
  if (error != OPUS_OK) {
    log::error("sfu", "opus decoder: {}", opus_strerror(error));
    decoder_ = nullptr;
  }
}

OpusInput::~OpusInput() {
  if (decoder_) opus_decoder_destroy(decoder_);
}

void OpusInput::push(std::uint16_t sequence, Bytes payload) {
  if (payload.empty() || payload.size() > kMaxPayload) {
    ++stats_.dropped;
    return;
  }
  int samples = opus_packet_get_nb_samples(payload.data(), static_cast<opus_int32>(payload.size()),
                                           kMixSampleRate);
  if (samples <= 0 || samples > kMaxPacketSamples) {
    ++stats_.dropped;
    return;
  }
  std::int64_t extended = unwrapper_.unwrap(sequence);
  if (have_next_ && extended < next_) {
    ++stats_.dropped;  // too late: its time has been played (or concealed) already
    return;
  }
  if (!have_next_) {
    have_next_ = true;
    next_ = extended;
  }
  if (extended >= next_ + kSlots) {
    // Far ahead of the playout point (a long stall, or the sender jumped): start again
    // from this packet.
    for (auto& slot : *slots_) slot.filled = false;
    stats_.dropped += static_cast<std::uint64_t>(std::max<std::int64_t>(highest_ - next_ + 1, 0));
    next_ = extended;
    highest_ = extended - 1;
    playing_ = false;
  }
  Slot& slot = (*slots_)[static_cast<std::size_t>(extended % kSlots)];
  slot.filled = true;
  slot.sequence = extended;
  slot.size = static_cast<std::uint16_t>(payload.size());
  std::memcpy(slot.data.data(), payload.data(), payload.size());
  highest_ = std::max(highest_, extended);
}

bool OpusInput::append(int samples) {
  if (samples <= 0) return false;
  pcm_size_ += static_cast<std::size_t>(samples);
  return true;
}

bool OpusInput::decode_next() {
  if (!decoder_ || !have_next_) return false;
  std::int64_t depth = highest_ - next_ + 1;
  std::int16_t* out = pcm_.data() + pcm_size_;
  int room = static_cast<int>(pcm_.size() - pcm_size_);
  if (depth <= 0 || (!playing_ && depth < kPrebuffer)) {
    // Nothing to play yet: conceal a few frames so the sound fades instead of clicking
    // off (after DTX this is the decoder's comfort noise), and let kPrebuffer packets
    // gather before playing again.
    playing_ = false;
    if (last_kind_ == FrameKind::kSilence || concealed_run_ >= kMaxConcealedRun) return false;
    ++concealed_run_;
    ++stats_.concealed;
    last_kind_ = FrameKind::kConcealed;
    return append(opus_decode(decoder_, nullptr, 0, out, std::min(last_samples_, room), 0));
  }
  playing_ = true;
  if (depth > kMaxDepth) {
    // Bound the delay: skip to kPrebuffer packets before the newest.
    std::int64_t target = highest_ - kPrebuffer + 1;
    for (; next_ < target; ++next_) {
      Slot& slot = (*slots_)[static_cast<std::size_t>(next_ % kSlots)];
      if (slot.filled && slot.sequence == next_) {
        slot.filled = false;
        ++stats_.dropped;
      }
    }
  }
  Slot& slot = (*slots_)[static_cast<std::size_t>(next_ % kSlots)];
  if (slot.filled && slot.sequence == next_) {
    slot.filled = false;
    ++next_;
    int samples = opus_packet_get_nb_samples(slot.data.data(), slot.size, kMixSampleRate);
    if (samples > room) return false;  // cannot happen: the queue holds a full packet
    int decoded = opus_decode(decoder_, slot.data.data(), slot.size, out, room, 0);
    if (decoded <= 0) {
      // A corrupt packet: conceal its duration instead.
      ++stats_.concealed;
      last_kind_ = FrameKind::kConcealed;
      return append(opus_decode(decoder_, nullptr, 0, out, std::min(samples, room), 0));
    }
    ++stats_.packets;
    last_samples_ = decoded;
    concealed_run_ = 0;
    last_kind_ = FrameKind::kAudio;
    return append(decoded);
  }
  // next_ is missing but later packets are here: it is lost. The packet after it may
  // carry it again at a lower bitrate (in-band FEC, RFC 7587 §3.2); else conceal.
  ++next_;
  Slot& after = (*slots_)[static_cast<std::size_t>(next_ % kSlots)];
  int samples = std::min(last_samples_, room);
  if (after.filled && after.sequence == next_) {
    int decoded = opus_decode(decoder_, after.data.data(), after.size, out, samples, 1);
    if (decoded > 0) {
      ++stats_.recovered;
      last_kind_ = FrameKind::kRecovered;
      return append(decoded);
    }
  }
  ++stats_.concealed;
  last_kind_ = FrameKind::kConcealed;
  return append(opus_decode(decoder_, nullptr, 0, out, samples, 0));
}

OpusInput::FrameKind OpusInput::pull(PcmFrame& out) {
  FrameKind kind = FrameKind::kAudio;
  bool decoded_any = false;
  while (pcm_size_ < kMixFrameSamples) {
    if (!decode_next()) break;
    decoded_any = true;
  }
  if (decoded_any) kind = last_kind_;
  if (pcm_size_ < kMixFrameSamples) {
    // Whatever is left, then silence.
    std::copy_n(pcm_.begin(), pcm_size_, out.begin());
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(pcm_size_), out.end(), std::int16_t{0});
    pcm_size_ = 0;
    ++stats_.silent_frames;
    last_kind_ = FrameKind::kSilence;
    return FrameKind::kSilence;
  }
  std::copy_n(pcm_.begin(), kMixFrameSamples, out.begin());
  pcm_size_ -= kMixFrameSamples;
  std::memmove(pcm_.data(), pcm_.data() + kMixFrameSamples, pcm_size_ * sizeof(std::int16_t));
  return kind;
}

void mix_frames(const PcmFrame* floor, const PcmFrame* interpreter, float floor_gain,
                PcmFrame& out) {
  for (int i = 0; i < kMixFrameSamples; ++i) {
    float sample = 0;
    if (floor) sample += static_cast<float>((*floor)[i]) * floor_gain;
    if (interpreter) sample += static_cast<float>((*interpreter)[i]);
    sample = std::clamp(sample, -32768.0f, 32767.0f);
    out[i] = static_cast<std::int16_t>(std::lrint(sample));
  }
}

float frame_rms(const PcmFrame& frame) {
  double sum = 0;
  for (auto sample : frame) sum += static_cast<double>(sample) * sample;
  return static_cast<float>(std::sqrt(sum / kMixFrameSamples));
}

void FloorMix::mix(const std::vector<Voice>& voices) {
  struct Offered {
    const PcmFrame* frame;
    bool preferred;
  };
  std::vector<Offered> offered(states_.size(), Offered{nullptr, false});
  for (auto& state : states_) state.seen = false;
  for (const Voice& voice : voices) {
    if (!voice.frame) continue;
    auto it = std::find_if(states_.begin(), states_.end(),
                           [&](const State& s) { return s.key == voice.key; });
    if (it == states_.end()) {
      states_.push_back(State{voice.key});
      offered.push_back(Offered{nullptr, false});
      it = states_.end() - 1;
    }
    auto index = static_cast<std::size_t>(it - states_.begin());
    it->seen = true;
    it->loudness = std::max(frame_rms(*voice.frame), it->loudness * kRelease);
    offered[index] = Offered{voice.frame, voice.preferred};
  }
  // Who is in the mix: the floor holder when audible, then the loudest others; one
  // already in needs to be overtaken by kHysteresis.
  ranking_.clear();
  for (std::size_t i = 0; i < states_.size(); ++i) {
    const State& state = states_[i];
    if (!state.seen || state.loudness < kAudibleRms) continue;
    float score = state.loudness * (state.gain > 0.5f ? kHysteresis : 1.0f);
    if (offered[i].preferred) score = std::numeric_limits<float>::max();
    ranking_.emplace_back(score, i);
  }
  std::sort(ranking_.begin(), ranking_.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  if (ranking_.size() > kMaxVoices) ranking_.resize(kMaxVoices);
  bed_.fill(0);
  for (std::size_t i = 0; i < states_.size(); ++i) {
    State& state = states_[i];
    bool chosen = std::any_of(ranking_.begin(), ranking_.end(),
                              [&](const auto& entry) { return entry.second == i; });
    float from = state.gain, to = chosen ? 1.0f : 0.0f;
    state.gain = to;
    const PcmFrame* frame = offered[i].frame;
    if (!frame || (from == 0 && to == 0)) continue;
    if (from == to) {
      for (int n = 0; n < kMixFrameSamples; ++n) bed_[n] += static_cast<float>((*frame)[n]);
      continue;
    }
    // A linear fade over the frame.
    float step = (to - from) / kMixFrameSamples;
    for (int n = 0; n < kMixFrameSamples; ++n)
      bed_[n] += static_cast<float>((*frame)[n]) * (from + step * static_cast<float>(n + 1));
  }
  std::erase_if(states_, [](const State& state) { return !state.seen; });
}

std::vector<FloorMix::Key> FloorMix::mixed() const {
  std::vector<Key> keys;
  for (const auto& state : states_)
    if (state.gain > 0) keys.push_back(state.key);
  return keys;
}

float FloorMix::loudness(Key key) const {
  for (const auto& state : states_)
    if (state.key == key) return state.loudness;
  return 0;
}

void mix_over_bed(const std::array<float, kMixFrameSamples>& bed, float bed_gain,
                  const PcmFrame* voice, PcmFrame& out) {
  for (int i = 0; i < kMixFrameSamples; ++i) {
    float sample = bed[i] * bed_gain;
    if (voice) sample += static_cast<float>((*voice)[i]);
    sample = std::clamp(sample, -32768.0f, 32767.0f);
    out[i] = static_cast<std::int16_t>(std::lrint(sample));
  }
}

ProgramEncoder::ProgramEncoder() {
  int error = OPUS_OK;
  encoder_ = opus_encoder_create(kMixSampleRate, 1, OPUS_APPLICATION_AUDIO, &error);
  if (error != OPUS_OK) {
    log::error("sfu", "opus encoder: {}", opus_strerror(error));
    encoder_ = nullptr;
    return;
  }
  opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(kBitrate));
  opus_encoder_ctl(encoder_, OPUS_SET_COMPLEXITY(kComplexity));
  // Subscribers lose packets too, and audio is not retransmitted: let them recover one.
  opus_encoder_ctl(encoder_, OPUS_SET_INBAND_FEC(1));
  opus_encoder_ctl(encoder_, OPUS_SET_PACKET_LOSS_PERC(5));
}

ProgramEncoder::~ProgramEncoder() {
  if (encoder_) opus_encoder_destroy(encoder_);
}

void ProgramEncoder::reset() {
  if (encoder_) opus_encoder_ctl(encoder_, OPUS_RESET_STATE);
}

Bytes ProgramEncoder::encode(const PcmFrame& frame) {
  if (!encoder_) return {};
  opus_int32 size = opus_encode(encoder_, frame.data(), kMixFrameSamples, packet_.data(),
                                static_cast<opus_int32>(packet_.size()));
  if (size <= 0) return {};
  return Bytes(packet_.data(), static_cast<std::size_t>(size));
}

}  // namespace podium::sfu
