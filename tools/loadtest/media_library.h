// The media a load-test publisher sends, made once at start-up: a few seconds of VP8 per
// simulcast layer encoded with libvpx from a moving test pattern, and Opus frames of a
// tone sweep encoded with libopus. Publishers replay them in a loop, so real decoders
// accept every packet while the tool spends no CPU on encoding during the run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.h"

namespace podium::loadtest {

struct VideoLayerSpec {
  std::string rid;  // RFC 8851 stream id, e.g. "q", "h", "f"
  int width = 0;
  int height = 0;
  int bitrate_kbps = 0;
};

struct MediaOptions {
  std::vector<VideoLayerSpec> layers;  // low to high
  int fps = 30;
  double loop_seconds = 2.0;  // one keyframe at the start of each loop
  int audio_bitrate_bps = 32000;
  double audio_loop_seconds = 2.0;
  std::size_t max_payload_size = 1100;  // RTP payload incl. the VP8 descriptor
};

struct EncodedVideoFrame {
  bool keyframe = false;
  // RTP payloads, each starting with a VP8 descriptor (RFC 7741) whose 15-bit picture
  // ID the sender rewrites per picture.
  std::vector<std::vector<std::uint8_t>> payloads;
  std::size_t frame_bytes = 0;
};

struct EncodedVideoLayer {
  VideoLayerSpec spec;
  std::vector<EncodedVideoFrame> frames;  // frames[0] is a keyframe
  double average_kbps = 0;                // what the loop actually carries
};

struct MediaLibrary {
  std::vector<EncodedVideoLayer> video;
  std::vector<std::vector<std::uint8_t>> audio;  // one 20 ms Opus packet each (RFC 7587)
  int fps = 30;
};

// The usual three simulcast layers (quarter, half, full of 1280x720) with bitrates
// scaled to `top_kbps` for the full layer, keeping only the first `count`.
std::vector<VideoLayerSpec> default_layers(int count, int top_kbps);

Result<MediaLibrary> build_media_library(const MediaOptions& options);

}  // namespace podium::loadtest
