// The inner loops of dissection: feeding per-unit statistics and tallying one image's maps.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/stats/iou_tally.h"
#include "analysis/stats/tail_histogram.h"
#include "analysis/stats/threshold_band.h"
#include "analysis/stats/upsample.h"

namespace unitscope::analysis {

// Thresholds as floats that compare like the double quantiles: for any float x,
// x > round_down(t) exactly when x > t.
float round_down(double threshold);

// Exact tail histograms of the maps' bilinear upsampling (ys: h -> sh, xs: w -> sw): values at or
// above each histogram's cutoff go in, the rest are only counted; rows and blocks that cannot reach
// the cutoff are never computed. Returns false, at the first map with a NaN or an infinity (the
// histograms are then partly fed).
bool feed_histograms(std::span<TailHistogram> histograms, const float* maps, int h, int w, const BilinearAxis& ys,
                     const BilinearAxis& xs);

// The second look for exact quantiles: refiners[i] sees unit units[i]'s upsampled values at or
// above its bracket's lower edge.
void refine_image(std::span<QuantileRefiner> refiners, std::span<const int> units, const float* maps, int h,
                  int w, const BilinearAxis& ys, const BilinearAxis& xs);

// Reused between images so that tallying allocates nothing.
struct TallyScratch {
  std::vector<std::int64_t> inter;
  std::vector<char> hit;
  std::vector<float> rows;
};

// Tallies one image: maps (units x h x w), thresholds from round_down. Each map's maximum goes to
// the unit's top images; units whose maximum is not above the threshold are skipped (no activated
// pixel is possible); the others' activated pixels of the sh x sw upsampling are found block by
// block, and each span of them in a row adds its overlap with each label run of that row
// (ImageLabels) to the run's labels.
void tally_image(IouTally& tally, const float* maps, int h, int w, std::span<const float> thresholds,
                 const ImageLabels& labels, std::span<const int> label_category, std::uint64_t position);
// tally_image in two parts: the image's own counts once, then units [first_unit, end_unit) with
// axes (h -> labels.sh, w -> labels.sw) and scratch space from the caller; disjoint unit ranges
// touch disjoint parts of the tally, so they may run on several threads (one scratch each).
// With `bands`, a unit u with floors[u] < thresholds[u] is one whose exact threshold is not known
// yet (threshold_band.h): its pixels above thresholds[u] are counted, those above floors[u] and not
// above thresholds[u] go to bands[u] with their labels, and so does each image that has such
// pixels, with its per-category activation left out of the tally.
struct TallyBands {
  std::span<const float> floors;
  std::span<UnitBand> bands;
};
void tally_image_shared(IouTally& tally, const ImageLabels& labels);
void tally_units(IouTally& tally, int first_unit, int end_unit, const float* maps, int h, int w,
                 const BilinearAxis& ys, const BilinearAxis& xs, std::span<const float> thresholds,
                 const ImageLabels& labels, std::span<const int> label_category, std::uint64_t position,
                 TallyScratch& scratch, const TallyBands* bands = nullptr);

}  // namespace unitscope::analysis
