// A layer's output tensor to and from [N, C, H, W] unit maps, by its layout (layer_layout.h).
#pragma once

#include <ATen/core/Tensor.h>

#include "analysis/model/layer_layout.h"

namespace unitscope::analysis {

// [N, ...per-sample shape] -> [N, C, H, W], contiguous. With a class token and `class_token` given,
// that token's [N, C] values go there.
at::Tensor to_unit_maps(const at::Tensor& tap, const UnitGrid& grid, at::Tensor* class_token = nullptr);

// The inverse for edits: a [B, C, H, W] tensor (B = 1 or N, H and W 1 or the grid's) in the layer's
// own layout. A class token takes `class_value` where the edit has a spatial mask (it has no place
// on the grid) and the edit's own value otherwise, so an ablation reaches every token.
at::Tensor from_unit_maps(const at::Tensor& maps, const UnitGrid& grid, double class_value);

}  // namespace unitscope::analysis
