// The interpretation program mixer: real Opus in (libopus-encoded tones), the mixer's
// Opus out decoded again with libopus, and the tones told apart by their frequency.
#include "sfu/audio_mixer.h"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "tests/sfu/audio_tones.h"

namespace podium::sfu {
namespace {

using tones::decibels;
using tones::kAmplitude;
using tones::tone_amplitude;
using tones::ToneSource;

using tones::ProgramListener;

TEST(AudioMixer, InterpreterOverDuckedFloor) {
  ToneSource floor_tone(440), interpreter_tone(880);
  OpusInput floor, interpreter;
  ProgramEncoder encoder;
  ASSERT_TRUE(encoder.ok());
  ProgramListener listener;
  std::uint16_t sequence = 65500;  // wraps during the test
  for (int tick = 0; tick < 100; ++tick, ++sequence) {
    floor.push(sequence, floor_tone.next());
    interpreter.push(static_cast<std::uint16_t>(sequence * 7), {});  // an empty payload is dropped
    interpreter.push(static_cast<std::uint16_t>(sequence + 1000), interpreter_tone.next());
    PcmFrame a, b, mixed;
    floor.pull(a);
    interpreter.pull(b);
    mix_frames(&a, &b, 0.2f, mixed);
    listener.receive(encoder.encode(mixed));
  }
  double at_440 = tone_amplitude(listener.pcm(), 440);
  double at_880 = tone_amplitude(listener.pcm(), 880);
  // The interpreter comes through at its own level, the floor 14 dB under it.
  EXPECT_NEAR(decibels(at_880 / kAmplitude), 0, 1.5);
  EXPECT_NEAR(decibels(at_880 / at_440), 14, 1.5) << "880 Hz " << at_880 << ", 440 Hz " << at_440;
  // Something that is neither stays far below.
  EXPECT_LT(decibels(tone_amplitude(listener.pcm(), 660) / at_880), -30);
  EXPECT_EQ(floor.stats().concealed, 0u);
  EXPECT_GE(floor.stats().packets, 95u);
  EXPECT_GE(interpreter.stats().dropped, 100u);
}

TEST(AudioMixer, SilentFloorLeavesTheInterpreterAlone) {
  ToneSource interpreter_tone(880);
  OpusInput floor, interpreter;  // the floor sends nothing (DTX, muted)
  ProgramEncoder encoder;
  ProgramListener listener;
  for (int tick = 0; tick < 60; ++tick) {
    interpreter.push(static_cast<std::uint16_t>(tick), interpreter_tone.next());
    PcmFrame a, b, mixed;
    EXPECT_EQ(floor.pull(a), OpusInput::FrameKind::kSilence);
    interpreter.pull(b);
    mix_frames(&a, &b, 0.2f, mixed);
    listener.receive(encoder.encode(mixed));
  }
  EXPECT_NEAR(decibels(tone_amplitude(listener.pcm(), 880) / kAmplitude), 0, 1.5);
  EXPECT_LT(decibels(tone_amplitude(listener.pcm(), 440) / kAmplitude), -40);
  EXPECT_EQ(floor.stats().silent_frames, 60u);
}

TEST(AudioMixer, LossIsConcealedOrRecoveredFromFec) {
  ToneSource tone(440, /*fec=*/true);
  OpusInput input;
  // A delay change shifts the tone's phase, so each stretch is measured on its own.
  std::vector<std::int16_t> before_burst, after_burst;
  int silent_after_start = 0;
  bool started = false;
  for (int tick = 0; tick < 100; ++tick) {
    auto packet = tone.next();
    // Every 10th packet is lost; packets 50-52 too (a burst: FEC covers only one).
    bool lost = tick % 10 == 5 || (tick >= 50 && tick <= 52);
    if (!lost) input.push(static_cast<std::uint16_t>(tick), packet);
    PcmFrame frame;
    auto kind = input.pull(frame);
    if (kind != OpusInput::FrameKind::kSilence)
      started = true;
    else if (started)
      ++silent_after_start;
    if (tick >= 10 && tick < 50)
      before_burst.insert(before_burst.end(), frame.begin(), frame.end());
    if (tick >= 60) after_burst.insert(after_burst.end(), frame.begin(), frame.end());
  }
  // The playout never ran dry, every gap was filled, and the tone went on.
  EXPECT_EQ(silent_after_start, 0);
  EXPECT_GE(input.stats().recovered, 8u) << "concealed " << input.stats().concealed;
  EXPECT_GE(input.stats().concealed, 2u);
  EXPECT_NEAR(decibels(tone_amplitude(before_burst, 440) / kAmplitude), 0, 3);
  EXPECT_NEAR(decibels(tone_amplitude(after_burst, 440) / kAmplitude), 0, 3);
}

TEST(AudioMixer, ReorderedPacketsAreAllPlayed) {
  ToneSource tone(440);
  OpusInput input;
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 40; ++i) packets.push_back(tone.next());
  // Pairs swapped: 1 0 3 2 5 4 ...
  for (int i = 0; i < 40; i += 2) {
    input.push(static_cast<std::uint16_t>(i + 1), packets[i + 1]);
    input.push(static_cast<std::uint16_t>(i), packets[i]);
    PcmFrame frame;
    input.pull(frame);
    input.pull(frame);
  }
  // Only the very first packet, older than the one that started the stream, is lost;
  // the last kPrebuffer are still waiting.
  EXPECT_LE(input.stats().dropped, 1u);
  EXPECT_GE(input.stats().packets, 40u - 1u - OpusInput::kPrebuffer);
  EXPECT_EQ(input.stats().concealed, 0u);
  EXPECT_EQ(input.stats().recovered, 0u);
}

TEST(AudioMixer, DelayStaysBoundedWhenPacketsPileUp) {
  ToneSource tone(440);
  OpusInput input;
  // A stall: 30 packets arrive at once, then one per tick again.
  std::uint16_t sequence = 0;
  for (int i = 0; i < 30; ++i) input.push(sequence++, tone.next());
  PcmFrame frame;
  for (int tick = 0; tick < 20; ++tick) {
    input.push(sequence++, tone.next());
    input.pull(frame);
  }
  // Playing from the newest few, not 600 ms behind.
  EXPECT_GE(input.stats().dropped, static_cast<std::uint64_t>(30 - OpusInput::kMaxDepth));
  EXPECT_EQ(input.stats().concealed, 0u);
}

TEST(AudioMixer, GarbageIsDroppedOrConcealedWithoutHarm) {
  OpusInput input;
  std::vector<std::uint8_t> oversize(OpusInput::kMaxPayload + 1, 0x78);
  input.push(1, oversize);
  // TOC bytes that promise more than 120 ms (code 3, 63 frames of 60 ms).
  std::vector<std::uint8_t> too_long = {0x1B, 0x3F};
  input.push(2, too_long);
  // Frame lengths that run past the end: opus_decode refuses it, the input conceals.
  std::vector<std::uint8_t> truncated = {0x7B, 0x83, 0xFF, 0x01};
  for (std::uint16_t s = 3; s < 40; ++s) input.push(s, truncated);
  PcmFrame frame;
  for (int i = 0; i < 50; ++i) input.pull(frame);
  EXPECT_GE(input.stats().dropped, 2u);
}

TEST(AudioMixer, MixSaturatesInsteadOfWrapping) {
  PcmFrame loud, out;
  loud.fill(30000);
  mix_frames(&loud, &loud, 1.0f, out);
  EXPECT_EQ(out[0], 32767);
  loud.fill(-30000);
  mix_frames(&loud, &loud, 1.0f, out);
  EXPECT_EQ(out[100], -32768);
  mix_frames(nullptr, nullptr, 0.2f, out);
  EXPECT_EQ(out[5], 0);
}

}  // namespace
}  // namespace podium::sfu
