#include "analysis/tally_kernels.h"

#include <ATen/ATen.h>

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

void feed_sketches(std::span<QuantileSketch> sketches, const float* maps, const float* raw_max, int h,
                   int w, bool upsample, int sh, int sw) {
  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  const std::uint64_t pixels = upsample ? static_cast<std::uint64_t>(sh) * static_cast<std::uint64_t>(sw) : map_size;
  const BilinearAxis ys = upsample ? BilinearAxis(h, sh) : BilinearAxis();
  const BilinearAxis xs = upsample ? BilinearAxis(w, sw) : BilinearAxis();
  for (std::size_t u = 0; u < sketches.size(); ++u) {
    QuantileSketch& sketch = sketches[u];
    const float cutoff = sketch.cutoff();
    // Bilinear values never exceed the map's maximum, so a weak map is only counted.
    if (raw_max[u] < cutoff) {
      sketch.add_below(pixels);
      continue;
    }
    const float* map = maps + u * map_size;
    if (!upsample) {
      sketch.add(std::span<const float>(map, map_size));
      continue;
    }
    std::uint64_t kept = 0;
    visit_above(map, ys, xs, cutoff, /*inclusive=*/true, [&](std::size_t, float v) {
      sketch.add(v);
      ++kept;
    });
    sketch.add_below(pixels - kept);
  }
}

void tally_image(IouTally& tally, const float* maps, const float* raw_max, int h, int w,
                 std::span<const float> thresholds, const ImageLabels& labels,
                 std::span<const int> label_category, std::uint64_t position) {
  for (int u = 0; u < tally.units; ++u) tally.offer_top(u, raw_max[u], position);
  ++tally.images;
  add_label_pixels(tally, labels);

  const std::size_t map_size = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  const BilinearAxis ys(h, labels.sh), xs(w, labels.sw);
  // Activated pixels as (unit slot, pixel) pairs; slots number the units that have any.
  std::vector<int> units;
  std::vector<std::int64_t> activated;
  std::vector<std::int64_t> pair_slot, pair_pixel;
  for (int u = 0; u < tally.units; ++u) {
    const float thr = thresholds[static_cast<std::size_t>(u)];
    if (!(raw_max[u] > thr)) continue;
    const auto slot = static_cast<std::int64_t>(units.size());
    std::int64_t count = 0;
    visit_above(maps + static_cast<std::size_t>(u) * map_size, ys, xs, thr, /*inclusive=*/false,
                [&](std::size_t pixel, float) {
                  pair_slot.push_back(slot);
                  pair_pixel.push_back(static_cast<std::int64_t>(pixel));
                  ++count;
                });
    if (count == 0) continue;  // the map's peak fell between output pixels
    units.push_back(u);
    activated.push_back(count);
  }
  if (units.empty()) return;
  const auto n = static_cast<std::int64_t>(units.size());
  const auto k = static_cast<std::int64_t>(labels.label_ids.size());
  const std::int64_t pixels = std::int64_t{labels.sh} * labels.sw;
  at::Tensor inter;
  if (k > 0) {
    // Integer counts below 2^24 are exact in float, whatever order the scatter-add sums them in.
    const at::Tensor counts =
        at::from_blob(const_cast<float*>(labels.counts.data()), {pixels, k}, at::kFloat);
    const at::Tensor slots = at::from_blob(pair_slot.data(), {static_cast<std::int64_t>(pair_slot.size())}, at::kLong);
    const at::Tensor pix = at::from_blob(pair_pixel.data(), {static_cast<std::int64_t>(pair_pixel.size())}, at::kLong);
    inter = at::zeros({n, k}, at::kFloat).index_add_(0, slots, counts.index_select(0, pix)).contiguous();
  }
  const float* in = k > 0 ? inter.data_ptr<float>() : nullptr;
  std::vector<char> hit(static_cast<std::size_t>(tally.categories));
  for (std::int64_t i = 0; i < n; ++i) {
    const int u = units[static_cast<std::size_t>(i)];
    const std::int64_t a = activated[static_cast<std::size_t>(i)];
    tally.activation[static_cast<std::size_t>(u)] += a;
    std::fill(hit.begin(), hit.end(), 0);
    for (std::int64_t j = 0; j < k; ++j) {
      const auto v = static_cast<std::int64_t>(in[i * k + j]);
      if (v == 0) continue;
      const int label = labels.label_ids[static_cast<std::size_t>(j)];
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
