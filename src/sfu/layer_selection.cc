#include "sfu/layer_selection.h"

#include <algorithm>

namespace podium::sfu {

namespace {

std::uint64_t cost(const LayerInfo& layer, bool current) {
  return current ? static_cast<std::uint64_t>(kKeepShare * static_cast<double>(layer.bitrate_bps))
                 : layer.bitrate_bps;
}

}  // namespace

std::optional<int> choose_spatial_layer(std::span<const LayerInfo> layers, int preferred,
                                        std::optional<std::uint64_t> max_bitrate_bps, int current) {
  if (layers.empty()) return std::nullopt;
  int top = std::clamp(preferred, 0, static_cast<int>(layers.size()) - 1);
  std::optional<int> lowest_active;
  for (int i = 0; i <= top; ++i) {
    if (layers[i].active && !lowest_active) lowest_active = i;
  }
  for (int i = top; i >= 0; --i) {
    if (!layers[i].active) continue;
    if (!max_bitrate_bps || cost(layers[i], i == current) <= *max_bitrate_bps) return i;
  }
  if (lowest_active) return lowest_active;  // nothing fits the budget
  for (int i = top + 1; i < static_cast<int>(layers.size()); ++i)
    if (layers[i].active) return i;
  return std::nullopt;
}

int choose_temporal_layer(int preferred) { return std::clamp(preferred, 0, 3); }

int spatial_layer_for_rendered_height(int height, int layer_count) {
  if (layer_count <= 1 || height <= 0) return 0;
  // Top stream 720 rows; each lower one half of the next. Pick the smallest stream at
  // least as tall as the rendering, so the picture is not upscaled.
  int layer = layer_count - 1;
  int rows = 720;
  while (layer > 0 && height <= rows / 2) {
    rows /= 2;
    --layer;
  }
  return layer;
}

int spatial_layer_for_rendered_height(int height, std::span<const LayerInfo> layers) {
  const int count = static_cast<int>(layers.size());
  if (count <= 1 || height <= 0) return 0;
  for (const auto& layer : layers)
    if (layer.height <= 0) return spatial_layer_for_rendered_height(height, count);
  int tallest = 0;
  int fit = -1;
  for (int i = 0; i < count; ++i) {
    if (layers[i].height > layers[tallest].height) tallest = i;
    if (layers[i].height >= height && (fit < 0 || layers[i].height < layers[fit].height)) fit = i;
  }
  return fit >= 0 ? fit : tallest;
}

std::vector<std::optional<std::uint64_t>> allocate_bitrate(std::uint64_t budget_bps,
                                                           std::span<const BandwidthDemand> demands) {
  std::vector<std::optional<std::uint64_t>> caps(demands.size());
  std::vector<int> chosen(demands.size(), -1);
  std::uint64_t spent = 0;
  for (std::size_t i = 0; i < demands.size(); ++i) {
    const auto& layers = demands[i].layers;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      if (!layers[l].active) continue;
      chosen[i] = static_cast<int>(l);
      spent += cost(layers[l], demands[i].current == static_cast<int>(l));
      break;
    }
  }
  std::vector<std::size_t> order(demands.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return demands[a].priority > demands[b].priority;
  });
  for (std::size_t i : order) {
    if (chosen[i] < 0) continue;
    const auto& layers = demands[i].layers;
    int top = std::min<int>(demands[i].preferred, static_cast<int>(layers.size()) - 1);
    for (int l = top; l > chosen[i]; --l) {
      if (!layers[l].active) continue;
      std::uint64_t to = cost(layers[l], demands[i].current == l);
      std::uint64_t from = cost(layers[chosen[i]], demands[i].current == chosen[i]);
      std::uint64_t extra = to > from ? to - from : 0;
      if (spent + extra > budget_bps) continue;
      spent += extra;
      chosen[i] = l;
      break;
    }
  }
  for (std::size_t i = 0; i < demands.size(); ++i)
    if (chosen[i] >= 0) caps[i] = demands[i].layers[chosen[i]].bitrate_bps;
  return caps;
}

std::vector<std::uint64_t> unlimited_bitrates(std::span<const BandwidthDemand> demands) {
  std::vector<std::uint64_t> out(demands.size(), 0);
  for (std::size_t i = 0; i < demands.size(); ++i) {
    if (auto layer = choose_spatial_layer(demands[i].layers, demands[i].preferred, std::nullopt))
      out[i] = demands[i].layers[*layer].bitrate_bps;
  }
  return out;
}

}  // namespace podium::sfu
