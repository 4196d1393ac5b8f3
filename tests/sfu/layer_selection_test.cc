#include "sfu/layer_selection.h"

#include <array>

#include <gtest/gtest.h>

namespace podium::sfu {
namespace {

constexpr std::array<LayerInfo, 3> kAllActive{{{true, 150'000}, {true, 500'000}, {true, 1'500'000}}};

TEST(LayerSelection, PreferenceChoosesTheStream) {
  EXPECT_EQ(choose_spatial_layer(kAllActive, LayerPreference::kHighest, std::nullopt), 2);
  EXPECT_EQ(choose_spatial_layer(kAllActive, 1, std::nullopt), 1);
  EXPECT_EQ(choose_spatial_layer(kAllActive, 0, std::nullopt), 0);
  EXPECT_EQ(choose_spatial_layer(kAllActive, -3, std::nullopt), 0);
}

TEST(LayerSelection, BudgetCapsTheStream) {
  EXPECT_EQ(choose_spatial_layer(kAllActive, 2, 1'000'000), 1);
  EXPECT_EQ(choose_spatial_layer(kAllActive, 2, 300'000), 0);
  EXPECT_EQ(choose_spatial_layer(kAllActive, 2, 1'500'000), 2);
  // Nothing fits: the lowest rather than nothing.
  EXPECT_EQ(choose_spatial_layer(kAllActive, 2, 50'000), 0);
  // The budget never raises a thumbnail above its preference.
  EXPECT_EQ(choose_spatial_layer(kAllActive, 0, 10'000'000), 0);
}

TEST(LayerSelection, InactiveStreamsAreSkipped) {
  std::array<LayerInfo, 3> top_stopped{{{true, 150'000}, {true, 500'000}, {false, 0}}};
  EXPECT_EQ(choose_spatial_layer(top_stopped, 2, std::nullopt), 1);
  // The preferred low stream stopped (the publisher is short of bandwidth): go up.
  std::array<LayerInfo, 3> low_stopped{{{false, 0}, {true, 500'000}, {true, 1'500'000}}};
  EXPECT_EQ(choose_spatial_layer(low_stopped, 0, std::nullopt), 1);
  std::array<LayerInfo, 3> none{};
  EXPECT_EQ(choose_spatial_layer(none, 2, std::nullopt), std::nullopt);
  EXPECT_EQ(choose_spatial_layer(std::span<const LayerInfo>(), 2, std::nullopt), std::nullopt);
}

TEST(LayerSelection, TemporalLayerIsClampedToVp8Range) {
  EXPECT_EQ(choose_temporal_layer(LayerPreference::kHighest), 3);
  EXPECT_EQ(choose_temporal_layer(1), 1);
  EXPECT_EQ(choose_temporal_layer(-1), 0);
}

TEST(LayerSelection, RenderedHeightPicksTheSmallestSufficientStream) {
  EXPECT_EQ(spatial_layer_for_rendered_height(720, 3), 2);
  EXPECT_EQ(spatial_layer_for_rendered_height(400, 3), 2);
  EXPECT_EQ(spatial_layer_for_rendered_height(360, 3), 1);
  EXPECT_EQ(spatial_layer_for_rendered_height(180, 3), 0);  // thumbnail
  EXPECT_EQ(spatial_layer_for_rendered_height(90, 3), 0);
  EXPECT_EQ(spatial_layer_for_rendered_height(0, 3), 0);
  EXPECT_EQ(spatial_layer_for_rendered_height(1080, 1), 0);
  EXPECT_EQ(spatial_layer_for_rendered_height(360, 2), 0);
}

// With the streams' own heights (a VGA camera in two streams: 240 and 480 rows): the
// smallest stream at least as tall as the rendering, else the tallest.
TEST(LayerSelection, RenderedHeightUsesTheStreamsOwnHeightsWhenKnown) {
  const LayerInfo vga[] = {{true, 200'000, 240}, {true, 800'000, 480}};
  EXPECT_EQ(spatial_layer_for_rendered_height(192, vga), 0);  // a strip thumbnail
  EXPECT_EQ(spatial_layer_for_rendered_height(240, vga), 0);
  EXPECT_EQ(spatial_layer_for_rendered_height(241, vga), 1);
  EXPECT_EQ(spatial_layer_for_rendered_height(900, vga), 1);  // nothing taller
  EXPECT_EQ(spatial_layer_for_rendered_height(0, vga), 0);
  // One height missing: the ladder (top stream 720 rows) decides, as before.
  const LayerInfo unknown[] = {{true, 200'000, 0}, {true, 800'000, 480}};
  EXPECT_EQ(spatial_layer_for_rendered_height(300, unknown), spatial_layer_for_rendered_height(300, 2));
}

}  // namespace
}  // namespace podium::sfu

namespace podium::sfu {
namespace {

const LayerInfo kLadder[] = {{true, 150'000}, {true, 500'000}, {true, 1'500'000}};

TEST(BandwidthAllocation, TheStageIsRaisedBeforeThumbnails) {
  BandwidthDemand demands[] = {
      {0, LayerPreference::kHighest, kLadder},  // thumbnail
      {1, LayerPreference::kHighest, kLadder},  // the floor holder on the stage
      {0, LayerPreference::kHighest, kLadder},  // thumbnail
  };
  // 2 Mbit/s: everyone gets the low stream (450k), the stage goes to the top (+1.35M),
  // and what is left (200k) does not pay for a thumbnail's middle stream (+350k).
  auto caps = allocate_bitrate(2'000'000, demands);
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[1], 1'500'000u);
  EXPECT_EQ(caps[0], 150'000u);
  EXPECT_EQ(caps[2], 150'000u);
}

TEST(BandwidthAllocation, PlentyGivesEveryoneWhatTheyShow) {
  BandwidthDemand demands[] = {{0, 0, kLadder}, {1, LayerPreference::kHighest, kLadder}};
  auto caps = allocate_bitrate(10'000'000, demands);
  EXPECT_EQ(caps[0], 150'000u) << "a thumbnail preferring the low stream stays there";
  EXPECT_EQ(caps[1], 1'500'000u);
}

TEST(BandwidthAllocation, TooLittleStillSendsTheLowestStreams) {
  BandwidthDemand demands[] = {{1, LayerPreference::kHighest, kLadder}, {0, 2, kLadder}};
  auto caps = allocate_bitrate(100'000, demands);
  EXPECT_EQ(caps[0], 150'000u);
  EXPECT_EQ(caps[1], 150'000u);
}

TEST(BandwidthAllocation, InactiveStreamsAndSilentSources) {
  const LayerInfo partial[] = {{false, 0}, {true, 500'000}, {false, 0}};
  const LayerInfo none[] = {{false, 0}};
  BandwidthDemand demands[] = {{0, LayerPreference::kHighest, partial}, {1, 0, none}};
  auto caps = allocate_bitrate(5'000'000, demands);
  EXPECT_EQ(caps[0], 500'000u);
  EXPECT_FALSE(caps[1].has_value());
}

}  // namespace
}  // namespace podium::sfu
