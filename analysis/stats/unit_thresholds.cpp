#include "analysis/stats/unit_thresholds.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include "analysis/data/byte_io.h"
#include "analysis/dist/exchange.h"
#include "analysis/stats/parallel.h"
#include "analysis/stats/tally_kernels.h"
#include "analysis/stats/threshold_band.h"
#include "analysis/stats/upsample.h"

namespace unitscope::analysis {

namespace {

// A unit's band waits for the tally when it holds at most kBandFew values or 1 / kBandShare of all.
constexpr std::uint64_t kBandFew = std::uint64_t{1} << 16;
constexpr std::uint64_t kBandShare = 1024;

bool sharded(const Exchange* exchange) { return exchange && exchange->ranks() > 1; }

// Each rank's statistics of the same units, replaced on every rank by their merge over the ranks
// (in rank order, so every rank holds the same bytes). T: TailHistogram or QuantileRefiner.
template <typename T, typename Read>
void merge_over_ranks(std::vector<T>& mine, Exchange* exchange, Read&& read) {
  if (!sharded(exchange)) return;
  std::vector<std::uint8_t> out;
  for (const T& s : mine) s.serialize(out);
  const auto all = exchange->all_gather(out);
  for (std::size_t r = 0; r < all.size(); ++r) {
    std::size_t offset = 0;
    for (std::size_t k = 0; k < mine.size(); ++k) {
      T theirs = read(k, std::span<const std::uint8_t>(all[r]), offset);
      if (r == 0) {
        mine[k] = std::move(theirs);
      } else {
        mine[k].merge(theirs);
      }
    }
  }
}

void merge_histograms(std::vector<TailHistogram>& histograms, Exchange* exchange) {
  merge_over_ranks(histograms, exchange, [](std::size_t, std::span<const std::uint8_t> data, std::size_t& offset) {
    return TailHistogram::deserialize(data, offset);
  });
}

// The cache in reads of `chunk` images: each(first image, count, maps, maxima) for each read; the
// maxima only `with_maxima`, else null.
template <typename Each>
void over_chunks(const LayerState& layer, std::size_t li, std::uint64_t images, std::size_t chunk,
                 const CacheReader& read, Each&& each, bool with_maxima = true) {
  std::vector<float> maxima;
  const auto map_size = static_cast<std::size_t>(layer.map_size());
  for (std::uint64_t first = 0; first < images; first += chunk) {
    const std::uint64_t n = std::min<std::uint64_t>(chunk, images - first);
    const std::span<const float> maps = read(li, first, n);
    if (with_maxima) map_maxima(maps, map_size, maxima);
    each(first, n, maps.data(), with_maxima ? maxima.data() : nullptr);
  }
}

// Units whose cutoff rose above their quantile (later images much weaker than early ones) are
// counted again from the cache, threads splitting the units. First with a cutoff at the 0.97 level
// of a grid sample of the (upsampled) values (every 8th pixel of evenly spread images), then, for
// units where even that was too high, with none. seg_sizes are the grids the maps are read on.
void recount(LayerState& layer, std::size_t li, std::vector<int> redo, double q,
             std::span<const std::int32_t> seg_sizes, std::size_t chunk, const CacheReader& read, BilinearAxes& axes,
             Exchange* exchange) {
  constexpr std::size_t kSamples = std::size_t{1} << 16;
  const std::uint64_t images = seg_sizes.size() / 2;
  const int h = static_cast<int>(layer.shape[1]), w = static_cast<int>(layer.shape[2]);
  const auto units = static_cast<std::size_t>(layer.units());
  const auto map_size = static_cast<std::size_t>(layer.map_size());
  // Runs each(image axes, r, map) for every redo unit r over every image, threads splitting the
  // units; `stride` > 1 visits every stride-th image only.
  auto over_units = [&](std::uint64_t stride, auto&& each) {
    over_chunks(layer, li, images, chunk, read,
                [&](std::uint64_t first, std::uint64_t n, const float* maps, const float*) {
      const auto image_axes = axes.for_images(h, w, seg_sizes.subspan(2 * first, 2 * n));
      parallel_chunks(static_cast<std::int64_t>(redo.size()), 1, [&](std::int64_t b, std::int64_t e) {
        for (auto r = static_cast<std::size_t>(b); r < static_cast<std::size_t>(e); ++r) {
          const auto u = static_cast<std::size_t>(redo[r]);
          for (std::uint64_t i = 0; i < n; ++i) {
            if ((first + i) % stride != 0) continue;
            each(image_axes[i], r, maps + (i * units + u) * map_size);
          }
        }
      });
    }, /*with_maxima=*/false);
  };
  std::vector<float> cutoffs(redo.size(), -std::numeric_limits<float>::infinity());
  {
    const std::uint64_t grid = static_cast<std::uint64_t>((seg_sizes[0] + 7) / 8) * static_cast<std::uint64_t>((seg_sizes[1] + 7) / 8);
    const std::uint64_t stride = std::max<std::uint64_t>(1, images * grid / kSamples);
    std::vector<std::vector<float>> samples(redo.size());
    over_units(stride, [&](auto image_axes, std::size_t r, const float* map) {
      const BilinearAxis& ys = *image_axes.first;
      const BilinearAxis& xs = *image_axes.second;
      for (int y = std::min(4, ys.out - 1); y < ys.out; y += 8) {
        for (int x = std::min(4, xs.out - 1); x < xs.out; x += 8) samples[r].push_back(bilinear_value(map, w, ys, xs, y, x));
      }
    });
    for (std::size_t r = 0; r < redo.size(); ++r) {
      if (samples[r].empty()) continue;
      const auto nth = samples[r].begin() + static_cast<std::ptrdiff_t>(samples[r].size() * 97 / 100);
      std::nth_element(samples[r].begin(), nth, samples[r].end());
      cutoffs[r] = *nth;
    }
  }
  for (int attempt = 0; attempt < 2 && !redo.empty(); ++attempt) {
    std::vector<TailHistogram> histograms(redo.size());
    for (std::size_t r = 0; r < redo.size(); ++r) histograms[r].raise_cutoff_to(cutoffs[r]);
    over_units(1, [&](auto image_axes, std::size_t r, const float* map) {
      // The cache holds only values that pass 1 checked.
      feed_histograms(std::span(&histograms[r], 1), map, h, w, *image_axes.first, *image_axes.second);
    });
    // Each rank sampled its own images for the cutoffs; the merge keeps the highest, and a unit
    // it leaves without its quantile is counted again with none, as on one rank.
    merge_histograms(histograms, exchange);
    std::vector<int> again;
    for (std::size_t r = 0; r < redo.size(); ++r) {
      if (histograms[r].bracket(q)) {
        layer.histograms[static_cast<std::size_t>(redo[r])] = std::move(histograms[r]);
      } else {
        again.push_back(redo[r]);
      }
    }
    redo = std::move(again);
    cutoffs.assign(redo.size(), -std::numeric_limits<float>::infinity());
  }
  if (!redo.empty()) throw std::logic_error("unit thresholds: a histogram with no cutoff misses its quantile");
}

}  // namespace

bool map_maxima(std::span<const float> maps, std::size_t map_size, std::vector<float>& maxima) {
  const std::size_t n = map_size == 0 ? 0 : maps.size() / map_size;
  maxima.resize(n);
  std::atomic<bool> finite{true};
  const auto grain = static_cast<std::int64_t>(std::max<std::size_t>(1, (std::size_t{1} << 14) / std::max<std::size_t>(1, map_size)));
  at::parallel_for(0, static_cast<std::int64_t>(n), grain, [&](std::int64_t begin, std::int64_t end) {
    // Eight running maxima and an integer flag: no chain of dependent float operations, so the
    // loop runs at the speed of loads (and vectorises).
    constexpr std::size_t kLanes = 8;
    int bad = 0;
    for (auto m = static_cast<std::size_t>(begin); m < static_cast<std::size_t>(end); ++m) {
      const float* map = maps.data() + m * map_size;
      float best[kLanes];
      for (std::size_t k = 0; k < kLanes; ++k) best[k] = map[0];
      std::size_t i = 0;
      for (; i + kLanes <= map_size; i += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) {
          const float v = map[i + k];
          best[k] = v > best[k] ? v : best[k];
          bad |= !(std::abs(v) <= std::numeric_limits<float>::max());  // NaN or infinite
        }
      }
      for (; i < map_size; ++i) {
        best[0] = map[i] > best[0] ? map[i] : best[0];
        bad |= !(std::abs(map[i]) <= std::numeric_limits<float>::max());
      }
      for (std::size_t k = 1; k < kLanes; ++k) best[0] = best[k] > best[0] ? best[k] : best[0];
      maxima[m] = best[0];
    }
    if (bad) finite = false;
  });
  return finite;
}

ThresholdRule threshold_rule(Convention convention, double quantile) {
  ThresholdRule rule;
  rule.level = quantile > 0.0 ? 1.0 - quantile : convention_quantile(convention);
  rule.upsampled = convention_upsampled_quantile(convention);
  return rule;
}

namespace {

std::vector<std::int32_t> threshold_grids(const LayerState& layer, const ThresholdRule& rule,
                                          std::span<const std::int32_t> seg_sizes) {
  if (rule.upsampled) return {seg_sizes.begin(), seg_sizes.end()};
  // Raw maps: each image's grid is the map itself, where bilinear upsampling is the identity.
  std::vector<std::int32_t> grids(seg_sizes.size());
  for (std::size_t i = 0; i + 1 < grids.size(); i += 2) {
    grids[i] = static_cast<std::int32_t>(layer.shape[1]);
    grids[i + 1] = static_cast<std::int32_t>(layer.shape[2]);
  }
  return grids;
}

}  // namespace

bool observe_batch(LayerState& layer, const ThresholdRule& rule, const float* maps,
                   std::span<const std::int32_t> label_sizes, std::size_t images) {
  const std::vector<std::int32_t> grids = threshold_grids(layer, rule, label_sizes.first(2 * images));
  const std::span<const std::int32_t> seg_sizes(grids);
  const auto units = static_cast<std::size_t>(layer.units());
  const auto map_size = static_cast<std::size_t>(layer.map_size());
  const int h = static_cast<int>(layer.shape[1]), w = static_cast<int>(layer.shape[2]);
  BilinearAxes axes;
  const auto image_axes = axes.for_images(h, w, seg_sizes);
  if (layer.histograms.empty()) {
    // The first batch's floors sort values, so they are checked before.
    std::vector<float> maxima;
    if (!map_maxima(std::span(maps, images * units * map_size), map_size, maxima)) return false;
    layer.histograms.assign(units, TailHistogram());
    // Start each unit at a floor well below its target, from this batch's values, so that the first
    // images are not counted whole; a floor too high is covered by choose_thresholds. The floor is
    // the 0.975 level of the values on a grid of every 8th pixel (its rank error over even one
    // image is far below the 0.015 to the quantile). A target further out than 0.975 starts at
    // -infinity: everything is counted until the first raise.
    const bool floor = rule.level > 0.985;
    parallel_chunks(static_cast<std::int64_t>(units), 8, [&](std::int64_t begin, std::int64_t end) {
      std::vector<float> grid;
      for (auto u = static_cast<std::size_t>(begin); u < static_cast<std::size_t>(end) && floor; ++u) {
        grid.clear();
        for (std::size_t i = 0; i < images; ++i) {
          const BilinearAxis& ys = *image_axes[i].first;
          const BilinearAxis& xs = *image_axes[i].second;
          const float* map = maps + (i * units + u) * map_size;
          for (int y = std::min(4, ys.out - 1); y < ys.out; y += 8) {
            for (int x = std::min(4, xs.out - 1); x < xs.out; x += 8) grid.push_back(bilinear_value(map, w, ys, xs, y, x));
          }
        }
        const auto nth = grid.begin() + static_cast<std::ptrdiff_t>(grid.size() * 975 / 1000);
        std::nth_element(grid.begin(), nth, grid.end());
        layer.histograms[u].raise_cutoff_to(*nth);
      }
    });
  }
  // Units are independent: LibTorch's threads share them (they idle between forward passes).
  std::atomic<bool> finite{true};
  parallel_chunks(static_cast<std::int64_t>(units), 8, [&](std::int64_t begin, std::int64_t end) {
    const auto b = static_cast<std::size_t>(begin), n = static_cast<std::size_t>(end - begin);
    for (std::size_t i = 0; i < images; ++i) {
      const float* image = maps + (i * units + b) * map_size;
      if (!feed_histograms(std::span(layer.histograms).subspan(b, n), image, h, w, *image_axes[i].first,
                           *image_axes[i].second)) {
        finite = false;
        return;
      }
    }
  });
  if (!finite) return false;
  // Only the tail matters: drop values far below the target quantile from now on. The floor waits
  // for a batch's worth of images, so that one strong image cannot set it too high.
  const double level = 1.0 - 2.0 * (1.0 - rule.level);
  const std::uint64_t per_image = static_cast<std::uint64_t>(seg_sizes[0]) * static_cast<std::uint64_t>(seg_sizes[1]);
  // A histogram answers in one sweep of its bins, so its floor can follow every batch.
  const std::uint64_t min_count = std::max<std::uint64_t>(1u << 14, 16 * per_image);
  for (auto& histogram : layer.histograms) histogram.raise_cutoff(level, min_count);
  return true;
}

void choose_thresholds(std::vector<LayerState>& layers, const ThresholdRule& rule,
                       std::span<const std::int32_t> label_sizes, std::size_t chunk, std::size_t memory,
                       const CacheReader& read, std::size_t band_memory, Exchange* exchange) {
  const double q = rule.level;
  // Sharded: each rank saw its own images; from here on every rank decides from the same merged
  // histograms, so they make the same collective calls and settle the same thresholds.
  for (LayerState& layer : layers) merge_histograms(layer.histograms, exchange);
  // The tally sees upsampled values only: raw quantiles are all settled here.
  if (!rule.upsampled) band_memory = 0;
  const std::uint64_t images = label_sizes.size() / 2;
  BilinearAxes axes;
  for (std::size_t li = 0; li < layers.size(); ++li) {
    LayerState& layer = layers[li];
    const std::vector<std::int32_t> grids = threshold_grids(layer, rule, label_sizes);
    std::vector<int> redo;
    for (std::size_t u = 0; u < static_cast<std::size_t>(layer.units()); ++u) {
      if (!layer.histograms[u].bracket(q)) redo.push_back(static_cast<int>(u));
    }
    if (!redo.empty()) recount(layer, li, redo, q, grids, chunk, read, axes, exchange);
  }
  // The histograms say which bin holds each quantile; one more look at the values of those bins
  // gives them exactly. Units go in groups that keep those values within `memory`.
  struct Unit {
    std::size_t layer;
    int unit;
    QuantileBracket bracket;
  };
  std::vector<Unit> all;
  std::size_t band_total = 0;
  for (std::size_t li = 0; li < layers.size(); ++li) {
    LayerState& layer = layers[li];
    layer.thresholds.assign(static_cast<std::size_t>(layer.units()), 0.0);
    layer.unsettled.clear();
    layer.brackets.clear();
    for (std::size_t u = 0; u < layer.histograms.size(); ++u) {
      const std::optional<QuantileBracket> b = layer.histograms[u].bracket(q);
      if (!b) continue;
      // A narrow band (the usual case) waits for the tally; a wide one (a unit mostly at one value,
      // such as a ReLU's zeros) would cost the tally more than a look now.
      const std::uint64_t values = band_values(*b);
      const std::size_t bytes = band_bytes(values);
      const std::uint64_t most = std::max(kBandFew, layer.histograms[u].count() / kBandShare);
      if (values <= most && band_total + bytes <= band_memory) {
        band_total += bytes;
        layer.unsettled.push_back(static_cast<int>(u));
        layer.brackets.push_back(*b);
        layer.thresholds[u] = b->estimate();
        continue;
      }
      all.push_back({li, static_cast<int>(u), *b});
    }
  }
  std::size_t begin = 0;
  while (begin < all.size()) {
    std::size_t end = begin, bytes = 0;
    while (end < all.size() && (end == begin || bytes + refiner_bytes(all[end].bracket) <= memory)) {
      bytes += refiner_bytes(all[end].bracket);
      ++end;
    }
    for (std::size_t li = 0; li < layers.size(); ++li) {
      std::vector<int> units;
      std::vector<QuantileRefiner> refiners;
      for (std::size_t i = begin; i < end; ++i) {
        if (all[i].layer != li) continue;
        units.push_back(all[i].unit);
        refiners.emplace_back(all[i].bracket);
      }
      if (units.empty()) continue;
      const LayerState& layer = layers[li];
      const std::vector<std::int32_t> grids = threshold_grids(layer, rule, label_sizes);
      const std::span<const std::int32_t> seg_sizes(grids);
      const int h = static_cast<int>(layer.shape[1]), w = static_cast<int>(layer.shape[2]);
      const auto units_per_image = static_cast<std::size_t>(layer.units());
      const auto map_size = static_cast<std::size_t>(layer.map_size());
      // The band search skips maps and rows that cannot reach the band by their row maxima.
      over_chunks(layer, li, images, chunk, read,
                  [&](std::uint64_t first_image, std::uint64_t n, const float* maps, const float*) {
        const auto image_axes = axes.for_images(h, w, seg_sizes.subspan(2 * first_image, 2 * n));
        // Threads split the units, each over the whole chunk: one parallel region per read.
        parallel_chunks(static_cast<std::int64_t>(units.size()), 4, [&](std::int64_t b, std::int64_t e) {
          const auto first = static_cast<std::size_t>(b), count = static_cast<std::size_t>(e - b);
          for (std::uint64_t i = 0; i < n; ++i) {
            refine_image(std::span(refiners).subspan(first, count), std::span<const int>(units).subspan(first, count),
                         maps + i * units_per_image * map_size, h, w, *image_axes[i].first,
                         *image_axes[i].second);
          }
        });
      }, /*with_maxima=*/false);
      merge_over_ranks(refiners, exchange, [&](std::size_t k, std::span<const std::uint8_t> data, std::size_t& offset) {
        return QuantileRefiner::deserialize(refiners[k].bracket(), data, offset);
      });
      for (std::size_t i = 0; i < units.size(); ++i) {
        layers[li].thresholds[static_cast<std::size_t>(units[i])] = refiners[i].quantile();
      }
    }
    begin = end;
  }
  for (LayerState& layer : layers) layer.histograms.clear();
}

}  // namespace unitscope::analysis
