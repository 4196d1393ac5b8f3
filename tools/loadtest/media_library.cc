#include "tools/loadtest/media_library.h"

#include <opus/opus.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include <fmt/format.h>

#include "rtp/vp8_packetizer.h"

namespace podium::loadtest {
namespace {

// A pattern that changes everywhere in every frame, so no two encoded frames of a loop
// are alike (the delay measurement tells packets apart by their bytes): a drifting
// gradient, a moving box and a frame counter bar.
void draw_frame(vpx_image_t& image, int index) {
  const int w = static_cast<int>(image.d_w);
  const int h = static_cast<int>(image.d_h);
  std::uint8_t* y = image.planes[VPX_PLANE_Y];
  for (int row = 0; row < h; ++row) {
    std::uint8_t* line = y + row * image.stride[VPX_PLANE_Y];
    for (int col = 0; col < w; ++col)
      line[col] = static_cast<std::uint8_t>((col + row + index * 3) & 0xFF);
  }
  const int box = std::max(8, h / 4);
  const int bx = (index * 7) % std::max(1, w - box);
  const int by = (index * 5) % std::max(1, h - box);
  for (int row = by; row < by + box; ++row)
    std::fill_n(y + row * image.stride[VPX_PLANE_Y] + bx, box, static_cast<std::uint8_t>(235 - index % 64));
  for (int plane : {VPX_PLANE_U, VPX_PLANE_V}) {
    std::uint8_t* p = image.planes[plane];
    for (int row = 0; row < (h + 1) / 2; ++row) {
      std::uint8_t* line = p + row * image.stride[plane];
      for (int col = 0; col < (w + 1) / 2; ++col)
        line[col] = static_cast<std::uint8_t>(128 + ((plane == VPX_PLANE_U ? col : row) + index) % 64 - 32);
    }
  }
}

Result<EncodedVideoLayer> encode_layer(const VideoLayerSpec& spec, const MediaOptions& options) {
  vpx_codec_enc_cfg_t config;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &config, 0) != VPX_CODEC_OK)
    return Error{"libvpx: no default VP8 configuration"};
  config.g_w = static_cast<unsigned>(spec.width);
  config.g_h = static_cast<unsigned>(spec.height);
  config.g_timebase = {1, options.fps};
  config.rc_target_bitrate = static_cast<unsigned>(spec.bitrate_kbps);
  config.rc_end_usage = VPX_CBR;
  config.g_lag_in_frames = 0;
  config.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  config.kf_mode = VPX_KF_DISABLED;  // one forced keyframe per loop
  config.g_threads = 1;
  vpx_codec_ctx_t codec;
  if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &config, 0) != VPX_CODEC_OK)
    return Error{
        fmt::format("libvpx: cannot open a {}x{} VP8 encoder", spec.width, spec.height)};
  std::unique_ptr<vpx_codec_ctx_t, decltype(&vpx_codec_destroy)> guard(&codec, vpx_codec_destroy);
  vpx_codec_control(&codec, VP8E_SET_CPUUSED, 16);  // fastest: start-up stays short
  vpx_image_t image;
  if (!vpx_img_alloc(&image, VPX_IMG_FMT_I420, config.g_w, config.g_h, 16))
    return Error{"libvpx: cannot allocate an image"};
  std::unique_ptr<vpx_image_t, decltype(&vpx_img_free)> image_guard(&image, vpx_img_free);

  EncodedVideoLayer layer;
  layer.spec = spec;
  const int count = std::max(1, static_cast<int>(std::lround(options.loop_seconds * options.fps)));
  std::size_t total = 0;
  rtp::Vp8DescriptorFields descriptor;
  descriptor.picture_id = 0;  // rewritten per picture when sent
  for (int i = 0; i < count; ++i) {
    draw_frame(image, i);
    vpx_enc_frame_flags_t flags = i == 0 ? VPX_EFLAG_FORCE_KF : 0;
    if (vpx_codec_encode(&codec, &image, i, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK)
      return Error{fmt::format("libvpx: {}", vpx_codec_error(&codec))};
    vpx_codec_iter_t iter = nullptr;
    bool got = false;
    while (const vpx_codec_cx_pkt_t* packet = vpx_codec_get_cx_data(&codec, &iter)) {
      if (packet->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      EncodedVideoFrame frame;
      frame.keyframe = (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
      Bytes data(static_cast<const std::uint8_t*>(packet->data.frame.buf), packet->data.frame.sz);
      frame.frame_bytes = data.size();
      frame.payloads = rtp::packetize_vp8(data, descriptor, options.max_payload_size);
      total += data.size();
      layer.frames.push_back(std::move(frame));
      got = true;
    }
    if (!got) return Error{"libvpx dropped a frame; raise the bitrate"};
  }
  if (layer.frames.empty() || !layer.frames[0].keyframe)
    return Error{"libvpx: the loop does not start with a keyframe"};
  layer.average_kbps = static_cast<double>(total) * 8.0 * options.fps / layer.frames.size() / 1000.0;
  return layer;
}

Result<std::vector<std::vector<std::uint8_t>>> encode_audio(const MediaOptions& options) {
  using Frames = std::vector<std::vector<std::uint8_t>>;
  constexpr int kRate = 48000;
  constexpr int kFrameSamples = kRate / 50;  // 20 ms
  int error = 0;
  OpusEncoder* encoder = opus_encoder_create(kRate, 1, OPUS_APPLICATION_VOIP, &error);
  if (error != OPUS_OK || !encoder)
    return Error{fmt::format("libopus: {}", opus_strerror(error))};
  std::unique_ptr<OpusEncoder, decltype(&opus_encoder_destroy)> guard(encoder, opus_encoder_destroy);
  opus_encoder_ctl(encoder, OPUS_SET_BITRATE(options.audio_bitrate_bps));
  opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(0));
  Frames frames;
  const int count = std::max(1, static_cast<int>(std::lround(options.audio_loop_seconds * 50)));
  std::vector<opus_int16> pcm(kFrameSamples);
  double phase = 0;
  std::uint8_t out[1500];
  for (int i = 0; i < count; ++i) {
    // A sweep from 200 Hz to 2 kHz and back: speech-like level, never two equal frames.
    double position = static_cast<double>(i) / count;
    double frequency = 200.0 + 1800.0 * (position < 0.5 ? 2 * position : 2 - 2 * position);
    for (auto& sample : pcm) {
      phase += 2 * std::numbers::pi * frequency / kRate;
      sample = static_cast<opus_int16>(8000 * std::sin(phase));
    }
    int length = opus_encode(encoder, pcm.data(), kFrameSamples, out, sizeof out);
    if (length < 0) return Error{fmt::format("libopus: {}", opus_strerror(length))};
    frames.emplace_back(out, out + length);
  }
  return frames;
}

}  // namespace

std::vector<VideoLayerSpec> default_layers(int count, int top_kbps) {
  std::vector<VideoLayerSpec> all = {
      {"q", 320, 180, std::max(50, top_kbps / 8)},
      {"h", 640, 360, std::max(100, top_kbps * 3 / 10)},
      {"f", 1280, 720, std::max(200, top_kbps)},
  };
  count = std::clamp(count, 1, 3);
  // One layer: the full one alone; two: half and full.
  return std::vector<VideoLayerSpec>(all.end() - count, all.end());
}

Result<MediaLibrary> build_media_library(const MediaOptions& options) {
  MediaLibrary library;
  library.fps = options.fps;
  for (const auto& spec : options.layers) {
    auto layer = encode_layer(spec, options);
    if (!layer) return Error{layer.error()};
    library.video.push_back(std::move(*layer));
  }
  auto audio = encode_audio(options);
  if (!audio) return Error{audio.error()};
  library.audio = std::move(*audio);
  return library;
}

}  // namespace podium::loadtest
