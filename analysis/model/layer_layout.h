// How a layer's output is read as units over a grid (torch-free; layer_maps.h converts tensors): [C, H, W], channels-last [H, W, C], and the
// token layouts of vision transformers ([H·W, C], or [1 + H·W, C] with a class token).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace unitscope::analysis {

enum class LayerLayout {
  kAuto,          // guessed from the shape (guess_layout)
  kChannels,      // [C, H, W] or [C]: torchvision's convolutional layers
  kChannelsLast,  // [H, W, C]: inside ConvNeXt blocks, Swin
  kTokens,        // [H·W, C], a square grid of patch tokens
  kClassTokens,   // [1 + H·W, C]: a class token, then the patch tokens (ViT)
};

const char* layout_name(LayerLayout layout);  // "auto", "nchw", "nhwc", "tokens", "cls-tokens"
// Throws Error listing the names for anything else.
LayerLayout parse_layout(const std::string& text);

// A layer's per-sample shape read as `channels` units over a height x width grid.
struct UnitGrid {
  LayerLayout layout = LayerLayout::kChannels;
  std::int64_t channels = 0, height = 1, width = 1;
  bool class_token() const { return layout == LayerLayout::kClassTokens; }
  // Where the units sit in the per-sample shape: 0 for [C, H, W], the last axis otherwise.
  std::size_t channel_axis() const { return layout == LayerLayout::kChannels ? 0 : (layout == LayerLayout::kChannelsLast ? 2 : 1); }
  std::vector<std::int64_t> maps_shape() const { return {channels, height, width}; }
  // "768 units on 14x14 tokens, class token aside", for `layers` and messages.
  std::string describe() const;
};

// The layout a shape most likely has. [C, H, W] unless H differs from W while the first two axes
// are equal ([56, 56, 96] is channels-last); [T, C] is cls-tokens when T - 1 is a square, tokens
// when T is; [C] is channels. Returns kAuto when no layout fits (a rank-3 [T, C] with no square).
LayerLayout guess_layout(std::span<const std::int64_t> shape);

// The shape read as `layout` (kAuto: the guess). Throws Error naming the layer and the shape when
// it cannot be read so, and saying to use --layout where the guess fails.
UnitGrid unit_grid(std::span<const std::int64_t> shape, LayerLayout layout, const std::string& layer);

}  // namespace unitscope::analysis
