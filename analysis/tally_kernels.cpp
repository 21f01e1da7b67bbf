#include "analysis/tally_kernels.h"

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/upsample.h"

namespace unitscope::analysis {

float round_down(double threshold) {
  auto f = static_cast<float>(threshold);
  if (static_cast<double>(f) > threshold) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

void feed_sketches(std::span<QuantileSketch> sketches, const float* maps, const float* raw_max, int h, int w) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  for (std::size_t u = 0; u < sketches.size(); ++u) {
    if (raw_max[u] < sketches[u].cutoff()) {
      sketches[u].add_below(map_size);
    } else {
      sketches[u].add(std::span<const float>(maps + u * map_size, map_size));
    }
  }
}

void feed_histograms(std::span<TailHistogram> histograms, const float* maps, const float* raw_max, int h,
                     int w, const BilinearAxis& ys, const BilinearAxis& xs) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  const std::uint64_t pixels = static_cast<std::uint64_t>(ys.out) * static_cast<std::uint64_t>(xs.out);
  for (std::size_t u = 0; u < histograms.size(); ++u) {
    TailHistogram& histogram = histograms[u];
    const float cutoff = histogram.cutoff();
    // Bilinear values never exceed the map's maximum, so a weak map is only counted.
    if (raw_max[u] < cutoff) {
      histogram.add_below(pixels);
      continue;
    }
    // Gathered first, then counted in one tight loop (TailHistogram::add of a span).
    thread_local std::vector<float> kept;
    kept.clear();
    visit_above(maps + u * map_size, ys, xs, cutoff, /*inclusive=*/true,
                [&](std::size_t, float v) { kept.push_back(v); });
    histogram.add(kept);
    histogram.add_below(pixels - kept.size());
  }
}

void refine_image(std::span<QuantileRefiner> refiners, std::span<const int> units, const float* maps,
                  const float* raw_max, int h, int w, const BilinearAxis& ys, const BilinearAxis& xs) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  for (std::size_t i = 0; i < refiners.size(); ++i) {
    const auto u = static_cast<std::size_t>(units[i]);
    QuantileRefiner& refiner = refiners[i];
    const float edge = refiner.bracket().lower_edge();
    if (raw_max[u] < edge) continue;
    // Only the bracket's bins matter: values above them are skipped where whole blocks or rows are.
    visit_band(maps + u * map_size, ys, xs, edge, refiner.bracket().upper_edge(),
               [&](std::size_t, float v) { refiner.add(v); });
  }
}

void tally_image(IouTally& tally, const float* maps, const float* raw_max, int h, int w,
                 std::span<const float> thresholds, const ImageLabels& labels,
                 std::span<const int> label_category, std::uint64_t position) {
  TallyScratch scratch;
  tally_image(tally, maps, raw_max, h, w, BilinearAxis(h, labels.sh), BilinearAxis(w, labels.sw), thresholds,
              labels, label_category, position, scratch);
}

void tally_image(IouTally& tally, const float* maps, const float* raw_max, int h, int w, const BilinearAxis& ys,
                 const BilinearAxis& xs, std::span<const float> thresholds, const ImageLabels& labels,
                 std::span<const int> label_category, std::uint64_t position, TallyScratch& scratch) {
  tally_image_shared(tally, labels);
  tally_units(tally, 0, tally.units, maps, raw_max, h, w, ys, xs, thresholds, labels, label_category, position,
              scratch);
}

void tally_image_shared(IouTally& tally, const ImageLabels& labels) {
  ++tally.images;
  add_label_pixels(tally, labels);
}

void tally_units(IouTally& tally, int first_unit, int end_unit, const float* maps, const float* raw_max, int h,
                 int w, const BilinearAxis& ys, const BilinearAxis& xs, std::span<const float> thresholds,
                 const ImageLabels& labels, std::span<const int> label_category, std::uint64_t position,
                 TallyScratch& scratch) {
  for (int u = first_unit; u < end_unit; ++u) tally.offer_top(u, raw_max[u], position);
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  const std::size_t k = labels.label_ids.size();
  const bool sparse = labels.pixel_begin.size() == static_cast<std::size_t>(labels.sh) * static_cast<std::size_t>(labels.sw) + 1;
  // Per unit: each activated pixel adds one to the slots of the labels it carries (once per plane).
  std::vector<std::int64_t>& inter = scratch.inter;
  inter.assign(k, 0);
  std::vector<char>& hit = scratch.hit;
  const std::int32_t* begin = labels.pixel_begin.data();
  const std::int32_t* slots = labels.pixel_slots.data();
  const float* counts = labels.counts.data();
  for (int u = first_unit; u < end_unit; ++u) {
    const float thr = thresholds[static_cast<std::size_t>(u)];
    if (!(raw_max[u] > thr)) continue;
    std::int64_t a = 0;
    visit_pixels_above(maps + static_cast<std::size_t>(u) * map_size, ys, xs, thr, [&](std::size_t pixel) {
                  ++a;
                  if (sparse) {
                    for (std::int32_t i = begin[pixel]; i < begin[pixel + 1]; ++i) ++inter[static_cast<std::size_t>(slots[i])];
                  } else {
                    for (std::size_t j = 0; j < k; ++j) inter[j] += static_cast<std::int64_t>(counts[pixel * k + j]);
                  }
                });
    if (a == 0) continue;  // the map's peak fell between output pixels
    tally.activation[static_cast<std::size_t>(u)] += a;
    hit.assign(static_cast<std::size_t>(tally.categories), 0);
    for (std::size_t j = 0; j < k; ++j) {
      const std::int64_t v = inter[j];
      if (v == 0) continue;
      inter[j] = 0;
      const int label = labels.label_ids[j];
      tally.inter(u, label) += v;
      const int c = label_category[static_cast<std::size_t>(label)];
      if (c >= 0) hit[static_cast<std::size_t>(c)] = 1;
    }
    for (std::int32_t s : labels.scalars) {
      tally.inter(u, s) += a;
      const int c = label_category[static_cast<std::size_t>(s)];
      if (c >= 0) hit[static_cast<std::size_t>(c)] = 1;
    }
    for (int c = 0; c < tally.categories; ++c) {
      if (hit[static_cast<std::size_t>(c)]) tally.act_cat(u, c) += a;
    }
  }
}

}  // namespace unitscope::analysis
