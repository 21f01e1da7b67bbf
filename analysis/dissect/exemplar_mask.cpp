#include "analysis/dissect/exemplar_mask.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <limits>

#include "analysis/stats/upsample.h"

namespace unitscope::analysis {

float threshold_cutoff(double threshold) {
  float t = static_cast<float>(threshold);
  if (static_cast<double>(t) > threshold) t = std::nextafter(t, -std::numeric_limits<float>::infinity());
  return t;
}

std::vector<std::uint8_t> unit_mask(std::span<const float> map, int map_height, int map_width,
                                    double threshold, int width, int height) {
  assert(map_height > 0 && map_width > 0 && width > 0 && height > 0);
  assert(map.size() == static_cast<std::size_t>(map_height) * static_cast<std::size_t>(map_width));
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), 0);
  visit_above(map.data(), BilinearAxis(map_height, height),
                        BilinearAxis(map_width, width), threshold_cutoff(threshold),
                        /*inclusive=*/false, [&](std::size_t pixel, float) { mask[pixel] = 1; });
  return mask;
}

Image composite_exemplar(const Image& image, std::span<const float> map,
                                   int map_height, int map_width, double threshold, const MaskStyle& style) {
  const int w = image.width, h = image.height;
  Image out(w, h, 3);
  if (image.empty()) return out;
  const std::vector<std::uint8_t> mask = unit_mask(map, map_height, map_width, threshold, w, h);
  auto inside = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= w || y >= h) return false;
    return mask[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)] != 0;
  };
  const int channels = image.channels;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const std::uint8_t* src = image.at(x, y);
      std::uint8_t* dst = out.at(x, y);
      float rgb[3];
      for (int c = 0; c < 3; ++c) rgb[c] = float(src[channels >= 3 ? c : 0]);
      if (inside(x, y)) {
        const bool edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1);
        for (int c = 0; c < 3; ++c) dst[c] = edge ? style.outline[c] : std::uint8_t(rgb[c]);
        continue;
      }
      const float grey = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
      for (int c = 0; c < 3; ++c) {
        const float v = (rgb[c] + style.desaturate * (grey - rgb[c])) * style.dim;
        dst[c] = std::uint8_t(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

}  // namespace unitscope::analysis
