#include "analysis/stats/tally_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "analysis/stats/upsample.h"

namespace unitscope::analysis {

float round_down(double threshold) {
  auto f = static_cast<float>(threshold);
  if (static_cast<double>(f) > threshold) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

bool feed_histograms(std::span<TailHistogram> histograms, const float* maps, int h, int w, const BilinearAxis& ys,
                     const BilinearAxis& xs) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  const std::uint64_t pixels = static_cast<std::uint64_t>(ys.out) * static_cast<std::uint64_t>(xs.out);
  thread_local std::vector<float> rows;
  rows.resize(static_cast<std::size_t>(h));
  for (std::size_t u = 0; u < histograms.size(); ++u) {
    TailHistogram& histogram = histograms[u];
    const float* map = maps + u * map_size;
    // The row maxima check the values, give the map's maximum and let the search skip rows.
    if (!row_maxima_finite(map, h, w, rows.data())) return false;
    const float raw_max = *std::max_element(rows.begin(), rows.end());
    const float cutoff = histogram.cutoff();
    // Bilinear values never exceed the map's maximum (but by rounding), so a weak map is only counted.
    if (bilinear_reach(raw_max) < cutoff) {
      histogram.add_below(pixels);
      continue;
    }
    const std::uint64_t added = histogram.add_each(raw_max, [&](auto&& add) {
      visit_above(map, rows.data(), ys, xs, cutoff, /*inclusive=*/true, [&](std::size_t, float v) { add(v); });
    });
    histogram.add_below(pixels - added);
  }
  return true;
}

void refine_image(std::span<QuantileRefiner> refiners, std::span<const int> units, const float* maps, int h,
                  int w, const BilinearAxis& ys, const BilinearAxis& xs) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  for (std::size_t i = 0; i < refiners.size(); ++i) {
    const auto u = static_cast<std::size_t>(units[i]);
    QuantileRefiner& refiner = refiners[i];
    const float edge = refiner.bracket().lower_edge();
    // Only the bracket's bins matter: values above them are skipped where whole blocks or rows are.
    visit_band(maps + u * map_size, ys, xs, edge, refiner.bracket().upper_edge(),
               [&](std::size_t, float v) { refiner.add(v); });
  }
}

void tally_image(IouTally& tally, const float* maps, int h, int w, std::span<const float> thresholds,
                 const ImageLabels& labels, std::span<const int> label_category, std::uint64_t position) {
  TallyScratch scratch;
  tally_image_shared(tally, labels);
  tally_units(tally, 0, tally.units, maps, h, w, BilinearAxis(h, labels.sh), BilinearAxis(w, labels.sw), thresholds,
              labels, label_category, position, scratch);
}

void tally_image_shared(IouTally& tally, const ImageLabels& labels) {
  ++tally.images;
  add_label_pixels(tally, labels);
}

void tally_units(IouTally& tally, int first_unit, int end_unit, const float* maps, int h, int w,
                 const BilinearAxis& ys, const BilinearAxis& xs, std::span<const float> thresholds,
                 const ImageLabels& labels, std::span<const int> label_category, std::uint64_t position,
                 TallyScratch& scratch, const TallyBands* bands) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  const std::size_t k = labels.label_ids.size();
  // Per unit: each span of activated pixels in a row adds its overlap with each label run of that
  // row to the run's label slots (once per plane).
  std::vector<std::int64_t>& inter = scratch.inter;
  inter.assign(k, 0);
  std::vector<char>& hit = scratch.hit;
  const std::int32_t* row_runs = labels.row_runs.data();
  const std::int32_t* run_end = labels.run_end.data();
  const std::int32_t* slot_begin = labels.slot_begin.data();
  const std::int32_t* run_slots = labels.run_slots.data();
  std::vector<float>& rows = scratch.rows;
  rows.resize(static_cast<std::size_t>(h));
  for (int u = first_unit; u < end_unit; ++u) {
    // The row maxima give the map's maximum and then let the search skip rows.
    const float* map = maps + static_cast<std::size_t>(u) * map_size;
    row_maxima(map, h, w, rows.data());
    const float raw_max = *std::max_element(rows.begin(), rows.end());
    tally.offer_top(u, raw_max, position);
    const float thr = thresholds[static_cast<std::size_t>(u)];
    const float floor = bands ? std::min(thr, bands->floors[static_cast<std::size_t>(u)]) : thr;
    if (!(bilinear_reach(raw_max) > floor)) continue;
    std::int64_t a = 0;
    // Spans come row by row, left to right: the label run that holds a span's start is found by
    // walking on from the previous span's.
    int row = -1;
    std::size_t r = 0;
    auto span = [&](int y, int x, int x_end) {
      a += x_end - x;
      if (y != row) {
        row = y;
        r = static_cast<std::size_t>(row_runs[y]);
      }
      while (run_end[r] <= x) ++r;
      while (x < x_end) {
        const int stop = std::min(x_end, run_end[r]);
        for (std::int32_t i = slot_begin[r]; i < slot_begin[r + 1]; ++i) inter[static_cast<std::size_t>(run_slots[i])] += stop - x;
        x = stop;
        if (stop == run_end[r]) ++r;
      }
    };
    UnitBand* band = floor < thr ? &bands->bands[static_cast<std::size_t>(u)] : nullptr;
    const std::size_t band_pixels = band ? band->values.size() : 0;
    if (band) {
      visit_spans_banded<true>(map, ys, xs, floor, thr, rows.data(), span, [&](int y, int x, float value) {
        std::size_t run = static_cast<std::size_t>(row_runs[y]);
        while (run_end[run] <= x) ++run;
        band->values.push_back(value);
        for (std::int32_t i = slot_begin[run]; i < slot_begin[run + 1]; ++i) {
          band->labels.push_back(labels.label_ids[static_cast<std::size_t>(run_slots[i])]);
        }
        band->label_end.push_back(static_cast<std::uint32_t>(band->labels.size()));
      });
    } else {
      visit_spans_above(map, ys, xs, thr, rows.data(), span);
    }
    const bool banded = band && band->values.size() > band_pixels;
    // a == 0: the map's peak fell between output pixels (or in the band).
    if (a == 0 && !banded) continue;
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
      if (c >= 0 && a > 0) hit[static_cast<std::size_t>(c)] = 1;
    }
    if (banded) {
      // Which categories this image's activation counts for waits for the exact threshold.
      for (int c = 0; c < tally.categories; ++c) {
        if (hit[static_cast<std::size_t>(c)]) band->hits.push_back(c);
      }
      band->scalars.insert(band->scalars.end(), labels.scalars.begin(), labels.scalars.end());
      band->images.push_back({position, a, static_cast<std::uint32_t>(band->values.size()),
                              static_cast<std::uint32_t>(band->hits.size()),
                              static_cast<std::uint32_t>(band->scalars.size())});
      continue;
    }
    for (int c = 0; c < tally.categories; ++c) {
      if (hit[static_cast<std::size_t>(c)]) tally.act_cat(u, c) += a;
    }
  }
}

}  // namespace unitscope::analysis
