#include "analysis/intervene/paint_mask.h"

#include <algorithm>
#include <cmath>

namespace unitscope::analysis {

namespace {

float distance_to_segment(float px, float py, const std::array<float, 2>& a, const std::array<float, 2>& b) {
  const float dx = b[0] - a[0], dy = b[1] - a[1];
  const float length2 = dx * dx + dy * dy;
  float t = length2 > 0 ? ((px - a[0]) * dx + (py - a[1]) * dy) / length2 : 0.0f;
  t = std::clamp(t, 0.0f, 1.0f);
  const float cx = a[0] + t * dx - px, cy = a[1] + t * dy - py;
  return std::sqrt(cx * cx + cy * cy);
}

}  // namespace

std::vector<float> stroke_mask(const std::vector<std::array<float, 2>>& points, float radius, int width,
                               int height) {
  std::vector<float> mask(std::size_t(std::max(width, 0)) * std::size_t(std::max(height, 0)), 0.0f);
  if (points.empty() || width <= 0 || height <= 0) return mask;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const float cx = (float(x) + 0.5f) / float(width), cy = (float(y) + 0.5f) / float(height);
      float best = distance_to_segment(cx, cy, points[0], points[0]);
      for (std::size_t i = 1; i < points.size(); ++i)
        best = std::min(best, distance_to_segment(cx, cy, points[i - 1], points[i]));
      if (best <= radius) mask[std::size_t(y) * std::size_t(width) + std::size_t(x)] = 1.0f;
    }
  }
  return mask;
}

}  // namespace unitscope::analysis
