#include "analysis/stats/unit_thresholds.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include "analysis/stats/parallel.h"
#include "analysis/stats/tally_kernels.h"
#include "analysis/stats/threshold_band.h"
#include "analysis/stats/upsample.h"

namespace unitscope::analysis {

namespace {

// A unit's band waits for the tally when it holds at most kBandFew values or 1 / kBandShare of all.
constexpr std::uint64_t kBandFew = std::uint64_t{1} << 16;
constexpr std::uint64_t kBandShare = 1024;

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
// counted again from the cache, threads splitting the units. pnas first tries a cutoff at the 0.97
// level of a grid sample of the upsampled values (every 8th pixel of evenly spread images), then,
// for units where even that was too high, none.
void recount(LayerState& layer, std::size_t li, std::vector<int> redo, bool upsampled, int sketch_k, double q,
             std::span<const std::int32_t> seg_sizes, std::size_t chunk, const CacheReader& read, BilinearAxes& axes) {
  constexpr std::size_t kSamples = std::size_t{1} << 16;
  const std::uint64_t images = seg_sizes.size() / 2;
  const int h = static_cast<int>(layer.shape[1]), w = static_cast<int>(layer.shape[2]);
  const auto units = static_cast<std::size_t>(layer.units());
  const auto map_size = static_cast<std::size_t>(layer.map_size());
  // Runs each(image axes, i, unit, image, map, maximum) for every redo unit i over every image,
  // threads splitting the units; `stride` > 1 visits every stride-th image only. The maximum is the
  // sketches' (histograms find their own).
  auto over_units = [&](std::uint64_t stride, auto&& each) {
    over_chunks(layer, li, images, chunk, read,
                [&](std::uint64_t first, std::uint64_t n, const float* maps, const float* maxima) {
      const auto image_axes = upsampled ? axes.for_images(h, w, seg_sizes.subspan(2 * first, 2 * n))
                                        : std::vector<BilinearAxes::Pair>(n);
      parallel_chunks(static_cast<std::int64_t>(redo.size()), 1, [&](std::int64_t b, std::int64_t e) {
        for (auto r = static_cast<std::size_t>(b); r < static_cast<std::size_t>(e); ++r) {
          const auto u = static_cast<std::size_t>(redo[r]);
          for (std::uint64_t i = 0; i < n; ++i) {
            if ((first + i) % stride != 0) continue;
            each(image_axes[i], r, u, first + i, maps + (i * units + u) * map_size,
                 upsampled ? 0.0f : maxima[i * units + u]);
          }
        }
      });
    }, /*with_maxima=*/!upsampled);
  };
  if (!upsampled) {
    std::vector<QuantileSketch> sketches(redo.size(), QuantileSketch(sketch_k));
    over_units(1, [&](auto, std::size_t r, std::size_t, std::uint64_t, const float* map, float maximum) {
      feed_sketches(std::span(&sketches[r], 1), map, &maximum, h, w);
    });
    for (std::size_t r = 0; r < redo.size(); ++r) layer.sketches[static_cast<std::size_t>(redo[r])] = std::move(sketches[r]);
    return;
  }
  std::vector<float> cutoffs(redo.size(), -std::numeric_limits<float>::infinity());
  {
    const std::uint64_t grid = static_cast<std::uint64_t>((seg_sizes[0] + 7) / 8) * static_cast<std::uint64_t>((seg_sizes[1] + 7) / 8);
    const std::uint64_t stride = std::max<std::uint64_t>(1, images * grid / kSamples);
    std::vector<std::vector<float>> samples(redo.size());
    over_units(stride, [&](auto image_axes, std::size_t r, std::size_t, std::uint64_t, const float* map, float) {
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
    over_units(1, [&](auto image_axes, std::size_t r, std::size_t, std::uint64_t, const float* map, float) {
      // The cache holds only values that pass 1 checked.
      feed_histograms(std::span(&histograms[r], 1), map, h, w, *image_axes.first, *image_axes.second);
    });
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

bool observe_batch(LayerState& layer, Convention convention, int sketch_k, const float* maps,
                   std::span<const std::int32_t> seg_sizes, std::size_t images, std::uint64_t batch_number) {
  const bool upsampled = convention_upsampled_quantile(convention);
  const auto units = static_cast<std::size_t>(layer.units());
  const auto map_size = static_cast<std::size_t>(layer.map_size());
  const int h = static_cast<int>(layer.shape[1]), w = static_cast<int>(layer.shape[2]);
  const bool first = upsampled ? layer.histograms.empty() : layer.sketches.empty();
  // The sketches take each map's maximum; the histograms find theirs from row maxima, and check the
  // values there. The first batch's floors sort values, so they are checked before.
  std::vector<float> maxima;
  if ((!upsampled || first) && !map_maxima(std::span(maps, images * units * map_size), map_size, maxima)) return false;
  if (first) {
    if (upsampled) {
      layer.histograms.assign(units, TailHistogram());
    } else {
      layer.sketches.assign(units, QuantileSketch(sketch_k));
    }
    // Start each unit at a floor well below its target, from this batch's values, so that the first
    // images are not counted whole; a floor too high is covered by choose_thresholds. pnas: the
    // 0.975 level of the upsampled values on a grid of every 8th pixel (its rank error over even one
    // image is far below the 0.015 to the quantile); netdissect-lite: the raw values' 0.95 level.
    if (upsampled) {
      BilinearAxes axes;
      const auto image_axes = axes.for_images(h, w, seg_sizes.first(2 * images));
      parallel_chunks(static_cast<std::int64_t>(units), 8, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> grid;
        for (auto u = static_cast<std::size_t>(begin); u < static_cast<std::size_t>(end); ++u) {
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
    std::vector<float> values(upsampled ? 0 : images * map_size);
    for (std::size_t u = 0; u < units && !upsampled; ++u) {
      for (std::size_t i = 0; i < images; ++i) {
        const float* map = maps + (i * units + u) * map_size;
        std::copy(map, map + map_size, values.begin() + static_cast<std::ptrdiff_t>(i * map_size));
      }
      const auto nth = values.begin() + static_cast<std::ptrdiff_t>(values.size() * 95 / 100);
      std::nth_element(values.begin(), nth, values.end());
      layer.sketches[u].raise_cutoff_to(*nth);
    }
  }
  BilinearAxes axes;
  const auto image_axes = upsampled ? axes.for_images(h, w, seg_sizes.first(2 * images)) : std::vector<BilinearAxes::Pair>();
  // Units are independent: LibTorch's threads share them (they idle between forward passes).
  std::atomic<bool> finite{true};
  parallel_chunks(static_cast<std::int64_t>(units), 8, [&](std::int64_t begin, std::int64_t end) {
    const auto b = static_cast<std::size_t>(begin), n = static_cast<std::size_t>(end - begin);
    for (std::size_t i = 0; i < images; ++i) {
      const float* image = maps + (i * units + b) * map_size;
      if (upsampled) {
        if (!feed_histograms(std::span(layer.histograms).subspan(b, n), image, h, w, *image_axes[i].first,
                             *image_axes[i].second)) {
          finite = false;
          return;
        }
      } else {
        feed_sketches(std::span(layer.sketches).subspan(b, n), image, maxima.data() + i * units + b, h, w);
      }
    }
  });
  if (!finite) return false;
  // Only the tail matters: drop values far below the target quantile from now on. The floor waits
  // for a batch's worth of images, so that one strong image cannot set it too high.
  const double level = 1.0 - 2.0 * (1.0 - convention_quantile(convention));
  const std::uint64_t per_image = upsampled ? static_cast<std::uint64_t>(seg_sizes[0]) * static_cast<std::uint64_t>(seg_sizes[1])
                                            : static_cast<std::uint64_t>(map_size);
  if (upsampled) {
    // A histogram answers in one sweep of its bins, so its floor can follow every batch.
    const std::uint64_t min_count = std::max<std::uint64_t>(1u << 14, 16 * per_image);
    for (auto& histogram : layer.histograms) histogram.raise_cutoff(level, min_count);
  } else if ((batch_number & (batch_number - 1)) == 0) {
    // Estimating costs a sort of each sketch, so it runs after batches 1, 2, 4, 8, ... only.
    const std::uint64_t min_count = std::max<std::uint64_t>(16ull * static_cast<std::uint64_t>(sketch_k), 16 * per_image);
    for (auto& sketch : layer.sketches) sketch.raise_cutoff(level, min_count);
  }
  return true;
}

void choose_thresholds(std::vector<LayerState>& layers, Convention convention, int sketch_k,
                       std::span<const std::int32_t> seg_sizes, std::size_t chunk, std::size_t memory,
                       const CacheReader& read, std::size_t band_memory) {
  const double q = convention_quantile(convention);
  const bool upsampled = convention_upsampled_quantile(convention);
  const std::uint64_t images = seg_sizes.size() / 2;
  BilinearAxes axes;
  for (std::size_t li = 0; li < layers.size(); ++li) {
    LayerState& layer = layers[li];
    std::vector<int> redo;
    for (std::size_t u = 0; u < static_cast<std::size_t>(layer.units()); ++u) {
      const bool ok = upsampled ? layer.histograms[u].bracket(q).has_value() : layer.sketches[u].quantile(q).has_value();
      if (!ok) redo.push_back(static_cast<int>(u));
    }
    if (!redo.empty()) recount(layer, li, redo, upsampled, sketch_k, q, seg_sizes, chunk, read, axes);
  }
  if (!upsampled) {
    for (LayerState& layer : layers) {
      layer.thresholds.clear();
      for (const auto& sketch : layer.sketches) layer.thresholds.push_back(sketch.quantile(q).value_or(0.0));
      layer.sketches.clear();  // the thresholds are all that pass 2 needs; checkpoints stay small
    }
    return;
  }
  // pnas: the histograms say which bin holds each quantile; one more look at the values of those
  // bins gives them exactly. Units go in groups that keep those values within `memory`.
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
      for (std::size_t i = 0; i < units.size(); ++i) {
        layers[li].thresholds[static_cast<std::size_t>(units[i])] = refiners[i].quantile();
      }
    }
    begin = end;
  }
  for (LayerState& layer : layers) layer.histograms.clear();
}

}  // namespace unitscope::analysis
