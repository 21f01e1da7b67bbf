#include "analysis/model/layer_layout.h"

#include <cmath>

#include "analysis/data/error.h"

namespace unitscope::analysis {

namespace {

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The side of a square grid of n cells, or 0.
std::int64_t square_side(std::int64_t n) {
  if (n <= 0) return 0;
  auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  return side * side == n ? side : 0;
}

}  // namespace

const char* layout_name(LayerLayout layout) {
  switch (layout) {
    case LayerLayout::kAuto: return "auto";
    case LayerLayout::kChannels: return "nchw";
    case LayerLayout::kChannelsLast: return "nhwc";
    case LayerLayout::kTokens: return "tokens";
    case LayerLayout::kClassTokens: return "cls-tokens";
  }
  return "?";
}

LayerLayout parse_layout(const std::string& text) {
  for (LayerLayout l : {LayerLayout::kAuto, LayerLayout::kChannels, LayerLayout::kChannelsLast, LayerLayout::kTokens,
                        LayerLayout::kClassTokens}) {
    if (text == layout_name(l)) return l;
  }
  throw Error("--layout is \"" + text + "\"; use auto, nchw ([C, H, W]), nhwc ([H, W, C]), tokens ([H*W, C]) or "
              "cls-tokens ([1 + H*W, C])");
}

std::string UnitGrid::describe() const {
  const std::string units = std::to_string(channels) + " units";
  const std::string grid = std::to_string(height) + "x" + std::to_string(width);
  switch (layout) {
    case LayerLayout::kChannelsLast: return units + " on " + grid + ", channels last";
    case LayerLayout::kTokens: return units + " on " + grid + " tokens";
    case LayerLayout::kClassTokens: return units + " on " + grid + " tokens, class token aside";
    default: return height * width == 1 ? units + ", one value each" : units + " on " + grid;
  }
}

LayerLayout guess_layout(std::span<const std::int64_t> shape) {
  if (shape.size() == 1) return LayerLayout::kChannels;
  if (shape.size() == 2) {
    if (square_side(shape[0] - 1) > 0) return LayerLayout::kClassTokens;
    if (square_side(shape[0]) > 0) return LayerLayout::kTokens;
    return LayerLayout::kAuto;
  }
  if (shape.size() == 3) {
    if (shape[0] == shape[1] && shape[1] != shape[2]) return LayerLayout::kChannelsLast;
    return LayerLayout::kChannels;
  }
  return LayerLayout::kAuto;
}

UnitGrid unit_grid(std::span<const std::int64_t> shape, LayerLayout layout, const std::string& layer) {
  const LayerLayout chosen = layout == LayerLayout::kAuto ? guess_layout(shape) : layout;
  const std::string what = "layer " + layer + " gives " + shape_text(shape) + " per sample";
  UnitGrid g;
  g.layout = chosen;
  switch (chosen) {
    case LayerLayout::kAuto:
      throw Error(what + ", which is neither [C, H, W], [H, W, C], [C] nor tokens on a square grid; give --layout "
                  "to say how to read it");
    case LayerLayout::kChannels:
      if (shape.size() != 1 && shape.size() != 3) throw Error(what + "; nchw needs [C, H, W] or [C]");
      g.channels = shape[0];
      if (shape.size() == 3) {
        g.height = shape[1];
        g.width = shape[2];
      }
      return g;
    case LayerLayout::kChannelsLast:
      if (shape.size() != 3) throw Error(what + "; nhwc needs [H, W, C]");
      g.height = shape[0];
      g.width = shape[1];
      g.channels = shape[2];
      return g;
    case LayerLayout::kTokens:
    case LayerLayout::kClassTokens: {
      const bool cls = chosen == LayerLayout::kClassTokens;
      if (shape.size() != 2) throw Error(what + "; " + layout_name(chosen) + " needs [tokens, C]");
      const std::int64_t side = square_side(shape[0] - (cls ? 1 : 0));
      if (side == 0) {
        throw Error(what + ": " + std::to_string(shape[0]) + (cls ? " tokens less the class token are" : " tokens are") +
                    " no square grid" + (cls ? "" : " (try --layout cls-tokens)"));
      }
      g.channels = shape[1];
      g.height = g.width = side;
      return g;
    }
  }
  return g;
}

}  // namespace unitscope::analysis
