// Audio for the interpretation programs: Opus in, PCM mixing, Opus out, 48 kHz mono in
// 20 ms frames. An OpusInput turns one track's packets into a steady frame per tick (a
// small jitter buffer and a libopus decoder that conceals loss); a ProgramEncoder
// encodes the mixed frame again. No I/O and no clock: the caller pulls one frame per
// 20 ms tick. Not thread-safe (one worker thread).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "rtp/sequence_unwrapper.h"
#include "util/bytes.h"

struct OpusDecoder;
struct OpusEncoder;

namespace podium::sfu {

inline constexpr int kMixSampleRate = 48000;
inline constexpr int kMixFrameSamples = 960;  // 20 ms at 48 kHz
using PcmFrame = std::array<std::int16_t, kMixFrameSamples>;

// One source track's audio as 20 ms frames.
class OpusInput {
 public:
  // Packets held at most (640 ms); the playout waits for kPrebuffer before it starts and
  // drops back to kPrebuffer when more than kMaxDepth are waiting (the sender's clock
  // runs faster than ours, or a burst arrived after a stall).
  static constexpr int kSlots = 32;
  static constexpr int kPrebuffer = 2;
  static constexpr int kMaxDepth = 8;
  // A longer payload is not an Opus packet a browser sends (RFC 7587 §4.2 allows up to
  // 120 ms; 1275 bytes is the most one Opus frame can take).
  static constexpr std::size_t kMaxPayload = 1500;
  // Frames of loss concealment after the source stops, before plain silence.
  static constexpr int kMaxConcealedRun = 5;

  OpusInput();
  ~OpusInput();
  OpusInput(const OpusInput&) = delete;
  OpusInput& operator=(const OpusInput&) = delete;

  // A received RTP payload with its sequence number, in any order. A payload libopus
  // cannot parse, one too long, or one from before the playout point is dropped.
  void push(std::uint16_t sequence, Bytes payload);

  enum class FrameKind { kAudio, kConcealed, kRecovered, kSilence };
  // The next 20 ms. kConcealed: libopus packet loss concealment filled a gap;
  // kRecovered: the gap was rebuilt from the next packet's in-band FEC (RFC 7587 §3.2);
  // kSilence: the source sends nothing now (DTX, paused, gone) or has not started.
  FrameKind pull(PcmFrame& out);

  struct Stats {
    std::uint64_t packets = 0;    // decoded normally
    std::uint64_t concealed = 0;  // PLC decodes
    std::uint64_t recovered = 0;  // FEC decodes
    std::uint64_t silent_frames = 0;
    std::uint64_t dropped = 0;  // late, invalid, or skipped to bound the delay
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Slot {
    bool filled = false;
    std::int64_t sequence = 0;  // unwrapped
    std::uint16_t size = 0;
    std::array<std::uint8_t, kMaxPayload> data;
  };
  // Decodes the next packet (or conceals it) into the PCM queue; false when there is
  // nothing to play.
  bool decode_next();
  bool append(int samples);  // accounts `samples` just decoded at the queue's end

  OpusDecoder* decoder_ = nullptr;
  std::unique_ptr<std::array<Slot, kSlots>> slots_;
  rtp::Unwrapper<std::uint16_t> unwrapper_;
  bool have_next_ = false;
  bool playing_ = false;
  std::int64_t next_ = 0;                // the sequence number to play next
  std::int64_t highest_ = -1;            // the highest received
  int last_samples_ = kMixFrameSamples;  // duration of the last packet, for concealment
  int concealed_run_ = 0;
  FrameKind last_kind_ = FrameKind::kSilence;
  // Decoded PCM waiting to be pulled: up to one 120 ms packet beyond a partial frame.
  std::array<std::int16_t, 5760 + kMixFrameSamples> pcm_{};
  std::size_t pcm_size_ = 0;
  Stats stats_;
};

// out = floor × floor_gain + interpreter, saturated to 16 bits. A null input is silence.
void mix_frames(const PcmFrame* floor, const PcmFrame* interpreter, float floor_gain,
                PcmFrame& out);

// Root mean square of a frame (0 … 32768).
float frame_rms(const PcmFrame& frame);

// The floor under the programs when several people may speak (the floor holder and
// panelists allowed to send): the kMaxVoices loudest voices are summed, the others left
// out, so open microphones add no noise and the bed stays bounded. Loudness is each
// voice's frame RMS held and released slowly (kRelease per frame, about 22 dB/s), so a
// pause between two words does not drop a speaker; a voice already in the mix needs to
// be overtaken by kHysteresis to leave it. A voice entering or leaving the mix fades over
// one frame instead of clicking. Voices are identified by a caller's key.
class FloorMix {
 public:
  static constexpr std::size_t kMaxVoices = 3;
  static constexpr float kRelease = 0.95f;
  static constexpr float kHysteresis = 1.41f;  // +3 dB
  // Quieter than this (-60 dBFS RMS) is not a voice worth a place in the mix.
  static constexpr float kAudibleRms = 32.8f;

  using Key = const void*;
  // One tick: the frame of each voice decoded this tick (`preferred`: the floor holder,
  // who keeps a place whenever audible). Voices not offered this tick are forgotten.
  struct Voice {
    Key key = nullptr;
    const PcmFrame* frame = nullptr;
    bool preferred = false;
  };
  // Sums the chosen voices into bed().
  void mix(const std::vector<Voice>& voices);
  const std::array<float, kMixFrameSamples>& bed() const { return bed_; }
  // Keys of the voices in the mix after the last tick.
  std::vector<Key> mixed() const;
  // The held loudness of a voice (0: unknown), for ranking which voices to decode.
  float loudness(Key key) const;

 private:
  struct State {
    Key key = nullptr;
    float loudness = 0;
    float gain = 0;  // at the end of the last frame: 0 out, 1 in
    bool seen = false;
  };
  std::vector<State> states_;
  std::vector<std::pair<float, std::size_t>> ranking_;
  std::array<float, kMixFrameSamples> bed_{};
};

// out = bed × bed_gain + voice (null: none), saturated to 16 bits.
void mix_over_bed(const std::array<float, kMixFrameSamples>& bed, float bed_gain,
                  const PcmFrame* voice, PcmFrame& out);

// libopus encoder for one program: 48 kHz mono, 20 ms frames, in-band FEC on.
class ProgramEncoder {
 public:
  static constexpr int kBitrate = 64'000;
  static constexpr int kComplexity = 5;

  ProgramEncoder();
  ~ProgramEncoder();
  ProgramEncoder(const ProgramEncoder&) = delete;
  ProgramEncoder& operator=(const ProgramEncoder&) = delete;

  bool ok() const { return encoder_ != nullptr; }
  // Forgets the previous frames (a program that starts again after a pause).
  void reset();
  // The Opus packet for one frame, valid until the next call; empty on failure.
  Bytes encode(const PcmFrame& frame);

 private:
  OpusEncoder* encoder_ = nullptr;
  std::array<std::uint8_t, 1275> packet_{};
};

}  // namespace podium::sfu
