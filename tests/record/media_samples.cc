#include "media_samples.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <opus/opus.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

namespace podium::testing {

std::vector<Vp8Frame> encode_solid_vp8(int width, int height, std::uint8_t y, std::uint8_t u,
                                       std::uint8_t v, int count, int keyframe_interval,
                                       std::size_t max_payload) {
  vpx_codec_enc_cfg_t config;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &config, 0) != VPX_CODEC_OK)
    throw std::runtime_error("vp8 config");
  config.g_w = static_cast<unsigned>(width);
  config.g_h = static_cast<unsigned>(height);
  config.g_timebase = {1, 30};
  config.rc_target_bitrate = 300;
  config.g_lag_in_frames = 0;
  config.kf_mode = VPX_KF_DISABLED;  // keyframes where we force them
  vpx_codec_ctx_t codec;
  if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &config, 0) != VPX_CODEC_OK)
    throw std::runtime_error("vp8 init");
  vpx_image_t image;
  vpx_img_alloc(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(width),
                static_cast<unsigned>(height), 1);
  for (int row = 0; row < height; ++row)
    std::memset(image.planes[0] + row * image.stride[0], y, static_cast<std::size_t>(width));
  for (int row = 0; row < (height + 1) / 2; ++row) {
    std::memset(image.planes[1] + row * image.stride[1], u, static_cast<std::size_t>((width + 1) / 2));
    std::memset(image.planes[2] + row * image.stride[2], v, static_cast<std::size_t>((width + 1) / 2));
  }
  std::vector<Vp8Frame> frames;
  std::uint16_t picture_id = 0;
  for (int i = 0; i < count; ++i) {
    vpx_enc_frame_flags_t flags = (i % keyframe_interval == 0) ? VPX_EFLAG_FORCE_KF : 0;
    if (vpx_codec_encode(&codec, &image, i, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK)
      throw std::runtime_error("vp8 encode");
    vpx_codec_iter_t iter = nullptr;
    while (const vpx_codec_cx_pkt_t* packet = vpx_codec_get_cx_data(&codec, &iter)) {
      if (packet->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      Vp8Frame frame;
      frame.keyframe = (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
      const auto* data = static_cast<const std::uint8_t*>(packet->data.frame.buf);
      std::size_t size = packet->data.frame.sz;
      // RFC 7741 §4.2: X=1, S on the first packet, PID 0; I=1 with a 15-bit picture ID.
      for (std::size_t offset = 0; offset < size;) {
        std::size_t chunk = std::min(max_payload - 4, size - offset);
        std::vector<std::uint8_t> payload = {
            static_cast<std::uint8_t>(0x80 | (offset == 0 ? 0x10 : 0x00)), 0x80,
            static_cast<std::uint8_t>(0x80 | ((picture_id >> 8) & 0x7f)),
            static_cast<std::uint8_t>(picture_id & 0xff)};
        payload.insert(payload.end(), data + offset, data + offset + chunk);
        frame.payloads.push_back(std::move(payload));
        offset += chunk;
      }
      ++picture_id;
      frames.push_back(std::move(frame));
    }
  }
  vpx_img_free(&image);
  vpx_codec_destroy(&codec);
  return frames;
}

std::vector<std::vector<std::uint8_t>> encode_opus_tone(int count) {
  int error = 0;
  OpusEncoder* encoder = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &error);
  if (error != OPUS_OK) throw std::runtime_error("opus init");
  std::vector<std::vector<std::uint8_t>> packets;
  std::vector<opus_int16> pcm(960 * 2);
  int sample = 0;
  for (int i = 0; i < count; ++i) {
    for (int s = 0; s < 960; ++s, ++sample) {
      auto value = static_cast<opus_int16>(8000 * std::sin(2 * M_PI * 440 * sample / 48000.0));
      pcm[2 * s] = pcm[2 * s + 1] = value;
    }
    std::vector<std::uint8_t> packet(1500);
    int size = opus_encode(encoder, pcm.data(), 960, packet.data(), static_cast<opus_int32>(packet.size()));
    if (size < 0) throw std::runtime_error("opus encode");
    packet.resize(static_cast<std::size_t>(size));
    packets.push_back(std::move(packet));
  }
  opus_encoder_destroy(encoder);
  return packets;
}

}  // namespace podium::testing
