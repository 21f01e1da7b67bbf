// Bilinear upsampling of activation maps (half-pixel centres, clamped edges: align_corners=False).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

namespace unitscope::analysis {

// One output axis: output i reads input i0[i] and i1[i] with weight t[i] on i1 (torch's rule:
// source = max(0, (i + 0.5) * in / out - 0.5) in float). begin[a]..begin[a+1] are the outputs whose
// i0 is a, so the outputs between two input centres form one contiguous block.
struct BilinearAxis {
  int in = 0;
  int out = 0;
  std::vector<int> i0, i1;
  std::vector<float> t;
  std::vector<int> begin;  // in + 1 entries

  BilinearAxis() = default;
  BilinearAxis(int in_size, int out_size);
};

// The value of output (y, x); every other function here computes exactly this expression.
inline float bilinear_value(const float* map, int w, const BilinearAxis& ys, const BilinearAxis& xs,
                            int y, int x) {
  const float ty = ys.t[static_cast<std::size_t>(y)], tx = xs.t[static_cast<std::size_t>(x)];
  const float* r0 = map + static_cast<std::size_t>(ys.i0[static_cast<std::size_t>(y)]) * static_cast<std::size_t>(w);
  const float* r1 = map + static_cast<std::size_t>(ys.i1[static_cast<std::size_t>(y)]) * static_cast<std::size_t>(w);
  const int x0 = xs.i0[static_cast<std::size_t>(x)], x1 = xs.i1[static_cast<std::size_t>(x)];
  return (1.0f - ty) * ((1.0f - tx) * r0[x0] + tx * r0[x1]) + ty * ((1.0f - tx) * r1[x0] + tx * r1[x1]);
}

// map: ys.in x xs.in, row-major; out: ys.out x xs.out.
void upsample_bilinear(std::span<const float> map, const BilinearAxis& ys, const BilinearAxis& xs,
                       std::span<float> out);

// Calls visit(pixel, value) for each output pixel whose value is above `cutoff` (at or above it when
// `inclusive`), in a fixed order. Blocks between four input values that cannot reach the cutoff are
// skipped without computing them: a bilinear value never exceeds its four corners.
template <typename Visit>
void visit_above(const float* map, const BilinearAxis& ys, const BilinearAxis& xs, float cutoff,
                 bool inclusive, Visit&& visit) {
  const int w = xs.in;
  auto qualifies = [&](float v) { return inclusive ? v >= cutoff : v > cutoff; };
  for (int a = 0; a < ys.in; ++a) {
    const int ya0 = ys.begin[static_cast<std::size_t>(a)], ya1 = ys.begin[static_cast<std::size_t>(a) + 1];
    if (ya0 == ya1) continue;
    const float* r0 = map + static_cast<std::size_t>(a) * static_cast<std::size_t>(w);
    const float* r1 = map + static_cast<std::size_t>(std::min(a + 1, ys.in - 1)) * static_cast<std::size_t>(w);
    for (int b = 0; b < w; ++b) {
      const int xb0 = xs.begin[static_cast<std::size_t>(b)], xb1 = xs.begin[static_cast<std::size_t>(b) + 1];
      if (xb0 == xb1) continue;
      const int b1 = std::min(b + 1, w - 1);
      const float corner = std::max(std::max(r0[b], r0[b1]), std::max(r1[b], r1[b1]));
      if (!qualifies(corner)) continue;
      for (int y = ya0; y < ya1; ++y) {
        for (int x = xb0; x < xb1; ++x) {
          const float v = bilinear_value(map, w, ys, xs, y, x);
          if (qualifies(v)) visit(static_cast<std::size_t>(y) * static_cast<std::size_t>(xs.out) + static_cast<std::size_t>(x), v);
        }
      }
    }
  }
}

}  // namespace unitscope::analysis
