// The paper's exemplar style on the CPU: a unit's map over an image, its above-threshold region in
// full colour with a thin outline and the rest dimmed and desaturated. Torch- and ImGui-free.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/data/image.h"

namespace unitscope::analysis {

struct MaskStyle {
  float dim = 0.45f;         // brightness kept outside the mask
  float desaturate = 0.8f;   // 0: colour kept outside the mask, 1: grey
  std::uint8_t outline[3] = {255, 220, 0};
};

// The largest float at or below `threshold`: a float activation v is strictly above the double
// threshold exactly when v > threshold_cutoff(threshold).
float threshold_cutoff(double threshold);

// 1 where the map (map_height x map_width, row-major), upsampled bilinearly to width x height
// (half-pixel centres, clamped edges, as dissection does), is strictly above `threshold`; else 0.
std::vector<std::uint8_t> unit_mask(std::span<const float> map, int map_height, int map_width,
                                    double threshold, int width, int height);

// `image` (1-4 channels) as RGB with the unit's mask drawn in `style`; mask pixels that touch a
// pixel outside the mask (or the image border) form the outline.
Image composite_exemplar(const Image& image, std::span<const float> map,
                                   int map_height, int map_width, double threshold,
                                   const MaskStyle& style = {});

}  // namespace unitscope::analysis
