// Test audio: libopus-encoded tones, and a tone's level in decoded PCM (Goertzel).
#pragma once

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "sfu/audio_mixer.h"

namespace podium::sfu::tones {

inline constexpr double kAmplitude = 8000;  // about -12 dBFS

// A libopus encoder of a steady tone, one 20 ms packet per call.
class ToneSource {
 public:
  explicit ToneSource(double frequency, bool fec = false, double amplitude = kAmplitude)
      : frequency_(frequency), amplitude_(amplitude) {
    int error = 0;
    encoder_ = opus_encoder_create(kMixSampleRate, 1, OPUS_APPLICATION_AUDIO, &error);
    EXPECT_EQ(error, OPUS_OK);
    opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(48000));
    if (fec) {
      opus_encoder_ctl(encoder_, OPUS_SET_INBAND_FEC(1));
      opus_encoder_ctl(encoder_, OPUS_SET_PACKET_LOSS_PERC(20));
      // FEC (LBRR) is a SILK feature: wideband voice keeps the encoder in SILK.
      opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(24000));
      opus_encoder_ctl(encoder_, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
      opus_encoder_ctl(encoder_, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND));
    }
  }
  ~ToneSource() { opus_encoder_destroy(encoder_); }

  std::vector<std::uint8_t> next() {
    PcmFrame pcm;
    for (int i = 0; i < kMixFrameSamples; ++i, ++sample_)
      pcm[i] = static_cast<std::int16_t>(amplitude_ *
                                         std::sin(2 * std::numbers::pi * frequency_ *
                                                  static_cast<double>(sample_) / kMixSampleRate));
    std::vector<std::uint8_t> packet(1275);
    int size = opus_encode(encoder_, pcm.data(), kMixFrameSamples, packet.data(),
                           static_cast<opus_int32>(packet.size()));
    EXPECT_GT(size, 0);
    packet.resize(static_cast<std::size_t>(std::max(size, 0)));
    return packet;
  }

 private:
  double frequency_;
  double amplitude_;
  std::int64_t sample_ = 0;
  OpusEncoder* encoder_ = nullptr;
};

// Amplitude of one frequency in a signal (Goertzel), normalised to a sine's amplitude.
inline double tone_amplitude(const std::vector<std::int16_t>& pcm, double frequency) {
  double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency / kMixSampleRate);
  double s1 = 0, s2 = 0;
  for (auto sample : pcm) {
    double s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return 2 * std::sqrt(std::max(power, 0.0)) / static_cast<double>(pcm.size());
}

inline double decibels(double ratio) { return 20 * std::log10(std::max(ratio, 1e-9)); }

// Decodes the program's packets as a subscriber would.
class ProgramListener {
 public:
  ProgramListener() {
    int error = 0;
    decoder_ = opus_decoder_create(kMixSampleRate, 1, &error);
    EXPECT_EQ(error, OPUS_OK);
  }
  ~ProgramListener() { opus_decoder_destroy(decoder_); }
  void receive(Bytes packet) {
    PcmFrame pcm;
    int samples = opus_decode(decoder_, packet.data(), static_cast<opus_int32>(packet.size()),
                              pcm.data(), kMixFrameSamples, 0);
    ASSERT_EQ(samples, kMixFrameSamples);
    if (++frames_ > kSettleFrames) pcm_.insert(pcm_.end(), pcm.begin(), pcm.end());
  }
  const std::vector<std::int16_t>& pcm() const { return pcm_; }

 private:
  static constexpr int kSettleFrames = 10;  // jitter buffer start and codec warm-up
  OpusDecoder* decoder_ = nullptr;
  int frames_ = 0;
  std::vector<std::int16_t> pcm_;
};


}  // namespace podium::sfu::tones
