// Which simulcast stream (spatial layer) and which temporal layers a consumer forwards.
// Pure: the consumer passes what it knows about the source's streams and what its
// subscriber wants and can take.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace podium::sfu {

// One simulcast stream of a producer as the selection sees it, ordered low → high.
struct LayerInfo {
  bool active = false;            // packets arrived lately
  std::uint64_t bitrate_bps = 0;  // measured over the last second or so
  int height = 0;                 // rows of its last keyframe; 0: not known
};

struct LayerPreference {
  static constexpr int kHighest = 255;
  int spatial = kHighest;   // highest simulcast stream wanted (what the app renders)
  int temporal = kHighest;  // highest VP8 temporal layer wanted
};

// The highest active stream at or below the preferred one whose bitrate fits the
// budget (RFC 8853 leaves the choice to the SFU). When none below the preference is
// active, the lowest active one above it (something beats a frozen picture); when none
// fits the budget, the lowest active one. nullopt when no stream is active.
//
// `current` (the stream forwarded now, -1 if none) counts at kKeepShare of its bitrate:
// a keyframe lifts one window's measured bitrate well above the stream's usual rate (a
// keyframe request from any subscriber makes a simulcast encoder send one on every
// stream), and leaving the stream for that costs two switches and a visible change. A
// real limit is far below.
inline constexpr double kKeepShare = 0.8;
std::optional<int> choose_spatial_layer(std::span<const LayerInfo> layers, int preferred,
                                        std::optional<std::uint64_t> max_bitrate_bps, int current = -1);

// The temporal layer cap: the preference, clamped to what VP8 signals (TID is 2 bits,
// RFC 7741 §4.2).
int choose_temporal_layer(int preferred);

// The app tells the height it renders a video at; the layer to prefer, assuming the
// usual simulcast ladder (each stream half the height of the next, the top one 720p).
// 0 (not shown) means the lowest.
int spatial_layer_for_rendered_height(int height, int layer_count);
// The same from the streams' own heights when every one is known (VP8 keyframes carry
// it): the smallest stream at least as tall as the rendering, else the tallest, so the
// picture is not upscaled and no more is sent than is shown. Falls back to the ladder
// above when a height is missing.
int spatial_layer_for_rendered_height(int height, std::span<const LayerInfo> layers);

// One video consumer of a subscriber, as the bandwidth allocation sees it.
struct BandwidthDemand {
  int priority = 0;                // higher first: the stage (floor holder) above thumbnails
  int preferred = LayerPreference::kHighest;  // the stream the subscriber would show
  std::span<const LayerInfo> layers;          // the source's streams, low → high
  int current = -1;                           // the stream forwarded now (kKeepShare)
};

// Splits a subscriber's estimated bitrate over its video consumers: first every consumer
// gets its lowest active stream (a thumbnail beats a frozen tile), then, by priority,
// each is raised to the highest stream at or below its preference that the rest of the
// budget pays for. Returns one cap per demand (the bitrate of the stream it may take;
// nullopt for a source with no active stream).
std::vector<std::optional<std::uint64_t>> allocate_bitrate(std::uint64_t budget_bps,
                                                           std::span<const BandwidthDemand> demands);

// What the demands would take with no bandwidth limit: per demand, the bitrate of the
// stream choose_spatial_layer picks without a budget (0 for a source with no active
// stream). A consumer whose allocated cap is below this is held back by bandwidth;
// the sum is what a bandwidth probe aims for.
std::vector<std::uint64_t> unlimited_bitrates(std::span<const BandwidthDemand> demands);

}  // namespace podium::sfu
