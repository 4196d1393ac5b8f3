// The load client's media must be what real decoders accept: every VP8 frame, put back
// together from its RTP payloads, decodes with libvpx, and every Opus packet with libopus.
#include "tools/loadtest/media_library.h"

#include <gtest/gtest.h>
#include <opus/opus.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include "rtp/codec.h"
#include "rtp/payload_descriptors.h"

namespace podium::loadtest {
namespace {

MediaLibrary small_library() {
  MediaOptions options;
  options.layers = {{"q", 320, 180, 200}, {"h", 640, 360, 500}};
  options.fps = 10;
  options.loop_seconds = 1.0;
  options.audio_loop_seconds = 0.2;
  auto library = build_media_library(options);
  EXPECT_TRUE(library) << library.error();
  return std::move(*library);
}

TEST(MediaLibrary, VideoLoopsDecodeWithLibvpx) {
  auto library = small_library();
  ASSERT_EQ(library.video.size(), 2u);
  for (const auto& layer : library.video) {
    ASSERT_EQ(layer.frames.size(), 10u);
    vpx_codec_ctx_t decoder;
    ASSERT_EQ(vpx_codec_dec_init(&decoder, vpx_codec_vp8_dx(), nullptr, 0), VPX_CODEC_OK);
    // Twice round the loop: the wrap from the last frame to the keyframe decodes too.
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = 0; i < layer.frames.size(); ++i) {
        const auto& frame = layer.frames[i];
        EXPECT_EQ(frame.keyframe, i == 0);
        std::vector<std::uint8_t> joined;
        for (std::size_t p = 0; p < frame.payloads.size(); ++p) {
          const auto& payload = frame.payloads[p];
          EXPECT_LE(payload.size(), 1100u);
          auto descriptor = rtp::parse_vp8_descriptor(payload);
          ASSERT_TRUE(descriptor);
          EXPECT_EQ(descriptor->start_of_partition, p == 0);
          EXPECT_TRUE(descriptor->picture_id.has_value());
          // The SFU's keyframe detection sees the loop's keyframe and nothing else.
          EXPECT_EQ(rtp::is_keyframe(rtp::Codec::kVp8, payload), p == 0 && i == 0);
          joined.insert(joined.end(), payload.begin() + static_cast<std::ptrdiff_t>(descriptor->size),
                        payload.end());
        }
        EXPECT_EQ(joined.size(), frame.frame_bytes);
        ASSERT_EQ(vpx_codec_decode(&decoder, joined.data(), static_cast<unsigned>(joined.size()), nullptr, 0),
                  VPX_CODEC_OK)
            << layer.spec.rid << " frame " << i << ": " << vpx_codec_error_detail(&decoder);
        vpx_codec_iter_t iter = nullptr;
        vpx_image_t* image = vpx_codec_get_frame(&decoder, &iter);
        ASSERT_NE(image, nullptr);
        EXPECT_EQ(static_cast<int>(image->d_w), layer.spec.width);
        EXPECT_EQ(static_cast<int>(image->d_h), layer.spec.height);
      }
    }
    vpx_codec_destroy(&decoder);
    EXPECT_GT(layer.average_kbps, 0);
  }
}

TEST(MediaLibrary, AudioFramesDecodeWithLibopusAs20Ms) {
  auto library = small_library();
  ASSERT_EQ(library.audio.size(), 10u);
  int error = 0;
  OpusDecoder* decoder = opus_decoder_create(48000, 2, &error);
  ASSERT_EQ(error, OPUS_OK);
  std::vector<opus_int16> pcm(5760 * 2);
  for (const auto& packet : library.audio) {
    // RFC 7587 §4.2: one Opus packet per RTP payload; 960 samples at 48 kHz is 20 ms.
    EXPECT_EQ(opus_packet_get_nb_samples(packet.data(), static_cast<opus_int32>(packet.size()), 48000), 960);
    EXPECT_EQ(opus_decode(decoder, packet.data(), static_cast<opus_int32>(packet.size()), pcm.data(), 5760, 0),
              960);
  }
  opus_decoder_destroy(decoder);
}

TEST(MediaLibrary, DefaultLayersGoLowToHigh) {
  auto layers = default_layers(3, 1500);
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].width, 320);
  EXPECT_EQ(layers[2].width, 1280);
  EXPECT_EQ(layers[2].bitrate_kbps, 1500);
  auto one = default_layers(1, 800);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].height, 720);
}

}  // namespace
}  // namespace podium::loadtest
