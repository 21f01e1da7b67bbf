// Brush strokes to GANPaint masks: the cells of a layer's grid a stroke covers.
#pragma once

#include <array>
#include <vector>

namespace unitscope::analysis {

// `points` are stroke positions in 0..1 image coordinates (x right, y down), joined in order;
// `radius` is the brush radius in the same units (of the image width). Returns height * width
// values, 1 where a cell's centre lies within `radius` of the stroke, else 0. A single point
// paints a disc; no points paint nothing.
std::vector<float> stroke_mask(const std::vector<std::array<float, 2>>& points, float radius, int width,
                               int height);

}  // namespace unitscope::analysis
