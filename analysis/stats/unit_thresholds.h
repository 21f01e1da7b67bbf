// Dissection's per-unit thresholds: pass-1 statistics of each layer and the quantiles they give.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "analysis/dissect/dissection_state.h"
#include "analysis/stats/iou_tally.h"

namespace unitscope::analysis {

class Exchange;

// Each map's maximum (maps: images x units x map_size, maxima: images x units). False when some
// value is NaN or infinite (the maxima are then meaningless).
bool map_maxima(std::span<const float> maps, std::size_t map_size, std::vector<float>& maxima);

// Which value of a unit counts as its threshold: the `level` quantile (0.99 for the top 1%) of its
// maps upsampled to each image's label grid (pnas), or of its raw maps (netdissect-lite).
struct ThresholdRule {
  double level = 0.99;
  bool upsampled = true;
};
// The convention's rule; quantile > 0 (the top fraction) overrides its level.
ThresholdRule threshold_rule(Convention convention, double quantile = 0.0);

// Pass 1: one batch of a layer's maps (images x units x h x w); seg_sizes holds sh, sw for each
// image. The values near the quantile go into tail histograms (exact after choose_thresholds);
// values far below it are only counted: the cutoff follows the data, starting from the first batch.
// Returns false when a value is NaN or infinite; the statistics are then partly updated, and useless.
bool observe_batch(LayerState& layer, const ThresholdRule& rule, const float* maps,
                   std::span<const std::int32_t> seg_sizes, std::size_t images);

// Images [first, first + count) of a layer's activation cache, valid until the next call.
using CacheReader = std::function<std::span<const float>(std::size_t layer, std::uint64_t first, std::uint64_t count)>;

// After pass 1: sets every layer's thresholds and clears its statistics. Upsampled units whose
// quantile bins hold few values, up to about `band_memory` bytes of them in all, are left to the
// tally (LayerState::unsettled, threshold_band.h). For the others the cache is read again (`chunk`
// images at a time) to look at the values in each unit's quantile bin, with at most about `memory`
// bytes of such values at once (more reads when over). Units whose cutoff rose above their quantile
// (later images much weaker than early ones) are first counted again from the cache.
// Sharded over the ranks of `exchange` (collective): each rank's layers, seg_sizes and cache hold
// its own images, and every rank ends with the thresholds of all of them, exactly as one rank
// with every image would choose.
void choose_thresholds(std::vector<LayerState>& layers, const ThresholdRule& rule,
                       std::span<const std::int32_t> seg_sizes, std::size_t chunk, std::size_t memory,
                       const CacheReader& read, std::size_t band_memory = 0, Exchange* exchange = nullptr);

}  // namespace unitscope::analysis
