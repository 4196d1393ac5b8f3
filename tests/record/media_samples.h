// Real media for the recording tests: VP8 frames of one solid colour encoded with libvpx
// and packetized as RFC 7741 says, and 20 ms Opus frames of a tone from libopus, so the
// files the recorder writes are checked by real decoders (ffmpeg).
#pragma once

#include <cstdint>
#include <vector>

namespace podium::testing {

struct Vp8Frame {
  bool keyframe = false;
  // RTP payloads, each with a VP8 payload descriptor (RFC 7741 §4.2).
  std::vector<std::vector<std::uint8_t>> payloads;
};

// `count` frames at 30 fps, a keyframe every `keyframe_interval` frames, one colour
// (Y, U, V) so a decoded picture tells which publisher it came from.
std::vector<Vp8Frame> encode_solid_vp8(int width, int height, std::uint8_t y, std::uint8_t u,
                                       std::uint8_t v, int count, int keyframe_interval = 30,
                                       std::size_t max_payload = 1000);

// `count` 20 ms Opus packets (48 kHz, stereo signalling) of a 440 Hz tone.
std::vector<std::vector<std::uint8_t>> encode_opus_tone(int count);

}  // namespace podium::testing
