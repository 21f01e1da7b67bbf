// The inner loops of dissection: feeding quantile sketches and tallying one image's maps.
#pragma once

#include <cstdint>
#include <span>

#include "analysis/iou_tally.h"
#include "analysis/quantile_sketch.h"

namespace unitscope::analysis {

// Thresholds as floats that compare like the double quantiles: for any float x,
// x > round_down(t) exactly when x > t.
float round_down(double threshold);

// One image's maps (units x h x w, row-major) with their maxima: values at or above each sketch's
// cutoff go in, the rest are only counted. `upsample`: sketch the sh x sw bilinear upsampling
// instead of the raw map; blocks that cannot reach the cutoff are never computed.
void feed_sketches(std::span<QuantileSketch> sketches, const float* maps, const float* raw_max, int h,
                   int w, bool upsample, int sh, int sw);

// Tallies one image: maps (units x h x w) and their maxima, thresholds from round_down. Units whose
// maximum is not above the threshold are skipped (no activated pixel is possible); the others'
// activated pixels of the sh x sw upsampling are found block by block, and the intersections with
// every label come from one scatter-add (LibTorch index_add) of the labels' per-pixel counts.
void tally_image(IouTally& tally, const float* maps, const float* raw_max, int h, int w,
                 std::span<const float> thresholds, const ImageLabels& labels,
                 std::span<const int> label_category, std::uint64_t position);

}  // namespace unitscope::analysis
