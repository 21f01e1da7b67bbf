#include "analysis/model/layer_maps.h"

#include <ATen/ATen.h>

namespace unitscope::analysis {

at::Tensor to_unit_maps(const at::Tensor& tap, const UnitGrid& grid, at::Tensor* class_token) {
  const std::int64_t n = tap.size(0);
  switch (grid.layout) {
    case LayerLayout::kChannelsLast:
      return tap.permute({0, 3, 1, 2}).contiguous();
    case LayerLayout::kTokens:
    case LayerLayout::kClassTokens: {
      at::Tensor tokens = tap;
      if (grid.class_token()) {
        if (class_token) *class_token = tap.select(1, 0).contiguous();
        tokens = tap.narrow(1, 1, tap.size(1) - 1);
      }
      return tokens.transpose(1, 2).reshape({n, grid.channels, grid.height, grid.width}).contiguous();
    }
    default:
      return tap.reshape({n, grid.channels, grid.height, grid.width}).contiguous();
  }
}

at::Tensor from_unit_maps(const at::Tensor& maps, const UnitGrid& grid, double class_value) {
  const std::int64_t b = maps.size(0), c = maps.size(1);
  switch (grid.layout) {
    case LayerLayout::kChannelsLast:
      return maps.permute({0, 2, 3, 1}).contiguous();
    case LayerLayout::kTokens:
    case LayerLayout::kClassTokens: {
      // [B, C, h, w] with h, w either 1 (one value per unit) or the grid.
      const bool spatial = maps.size(2) * maps.size(3) > 1;
      at::Tensor tokens = maps.reshape({b, c, maps.size(2) * maps.size(3)}).transpose(1, 2);
      if (!grid.class_token()) return tokens.contiguous();
      if (!spatial) return tokens.contiguous();  // [B, 1, C] broadcasts over every token, the class token too
      const at::Tensor cls = at::full({b, 1, c}, class_value, maps.options());
      return at::cat({cls, tokens}, 1).contiguous();
    }
    default:
      return maps;
  }
}

}  // namespace unitscope::analysis
