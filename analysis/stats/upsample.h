// Bilinear upsampling of activation maps (half-pixel centres, clamped edges: align_corners=False).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <utility>
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

// Bilinear axes made once per (input, output) size: images of one dataset mostly share one size.
// References stay valid while the cache lives.
class BilinearAxes {
 public:
  using Pair = std::pair<const BilinearAxis*, const BilinearAxis*>;  // ys, xs

  const BilinearAxis& get(int in, int out);
  // The axes that take h x w maps to each image's segmentation size; seg_sizes holds sh, sw pairs.
  std::vector<Pair> for_images(int h, int w, std::span<const std::int32_t> seg_sizes);

 private:
  std::map<std::pair<int, int>, BilinearAxis> axes_;
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

namespace detail {

// Each row's maximum (out: h values), in lanes so that the loop runs at the speed of loads (with an
// integer flag, not a chain of float tests, for kCheck). Returns false when kCheck finds a NaN or
// an infinity (the maxima then mean nothing).
template <bool kCheck>
bool row_maxima(const float* map, int h, int w, float* out) {
  constexpr int kLanes = 8;
  int bad = 0;
  for (int y = 0; y < h; ++y) {
    const float* row = map + static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
    float best[kLanes];
    for (int k = 0; k < kLanes; ++k) best[k] = row[0];
    int x = 0;
    for (; x + kLanes <= w; x += kLanes) {
      for (int k = 0; k < kLanes; ++k) {
        best[k] = row[x + k] > best[k] ? row[x + k] : best[k];
        if (kCheck) bad |= !(std::abs(row[x + k]) <= std::numeric_limits<float>::max());
      }
    }
    for (; x < w; ++x) {
      best[0] = row[x] > best[0] ? row[x] : best[0];
      if (kCheck) bad |= !(std::abs(row[x]) <= std::numeric_limits<float>::max());
    }
    for (int k = 1; k < kLanes; ++k) best[0] = best[k] > best[0] ? best[k] : best[0];
    out[y] = best[0];
  }
  return bad == 0;
}

}  // namespace detail

// Each row's maximum (out: h values).
inline void row_maxima(const float* map, int h, int w, float* out) { detail::row_maxima<false>(map, h, w, out); }
// row_maxima, and whether every value is finite (else the maxima mean nothing).
inline bool row_maxima_finite(const float* map, int h, int w, float* out) { return detail::row_maxima<true>(map, h, w, out); }

// An upper bound on every value that bilinear_value computes from inputs at most `hi`: a convex
// combination of them exceeds its largest by rounding only, by at most a few float ulps of it.
inline float bilinear_reach(float hi) {
  return hi + std::abs(hi) * 1e-6f + 16 * std::numeric_limits<float>::denorm_min();
}

namespace detail {

// The four input values around a block, a0 = map(a, b), b0 = map(a, b1), c0 = map(a1, b),
// d0 = map(a1, b1), and bounds on every value computed inside it: each is a convex combination of
// the corners, computed with a rounding error of a few float ulps of the largest corner, which
// slack() bounds. (lo() and slack() are left to blocks that pass a test of hi.)
struct Corners {
  float a0, b0, c0, d0, hi;
  Corners(const float* r0, const float* r1, int b, int b1)
      : a0(r0[b]), b0(r0[b1]), c0(r1[b]), d0(r1[b1]), hi(std::max(std::max(a0, b0), std::max(c0, d0))) {}
  float lo() const { return std::min(std::min(a0, b0), std::min(c0, d0)); }
  // The two ends of the output row with weights wy (input row a) and ty (row a1): a row is linear in
  // x between them, so its values lie between them (within slack).
  std::pair<float, float> row_ends(float wy, float ty) const { return {wy * a0 + ty * c0, wy * b0 + ty * d0}; }
  // That row's values at the n outputs whose column weights are t[0 .. n): bilinear_value's
  // expression with the corners and the row weight hoisted.
  void row_values(float wy, float ty, const float* t, int n, float* values) const {
    for (int i = 0; i < n; ++i) {
      const float tx = t[i];
      const float wx = 1.0f - tx;
      values[i] = wy * (wx * a0 + tx * b0) + ty * (wx * c0 + tx * d0);
    }
  }
  float slack(float lo) const {
    return std::max(std::abs(lo), std::abs(hi)) * 1e-6f + 16 * std::numeric_limits<float>::denorm_min();
  }
};

// One block's output rows ya0..ya1 and columns xb0..xb1 (its rows computed in runs of up to kRun
// values before any is compared, so that the arithmetic has no branches and vectorises). Rows whose
// ends (plus `slack`) stay below the cutoff are skipped without computing their values, and so are
// rows whose ends both clear `upper` by `slack`: callers that want only values below it pass it,
// others +infinity.
template <bool kInclusive, typename Visit>
void visit_block(const Corners& k, float slack, const BilinearAxis& ys, const BilinearAxis& xs, int ya0, int ya1,
                 int xb0, int xb1, float cutoff, float upper, Visit& visit) {
  constexpr int kRun = 32;
  float values[kRun];
  for (int y = ya0; y < ya1; ++y) {
    const float ty = ys.t[static_cast<std::size_t>(y)];
    const float wy = 1.0f - ty;
    const auto [r0, r1] = k.row_ends(wy, ty);
    if (std::max(r0, r1) + slack < cutoff || std::min(r0, r1) - slack >= upper) continue;
    const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(xs.out);
    for (int x0 = xb0; x0 < xb1; x0 += kRun) {
      const int n = std::min(kRun, xb1 - x0);
      k.row_values(wy, ty, xs.t.data() + x0, n, values);
      for (int i = 0; i < n; ++i) {
        if (kInclusive ? values[i] >= cutoff : values[i] > cutoff) {
          visit(row + static_cast<std::size_t>(x0 + i), values[i]);
        }
      }
    }
  }
}

// Whether block row a (between input rows a and a + 1) may hold a value at or above (kInclusive)
// or above the cutoff: most rows of a sparse map hold nothing near it.
template <bool kInclusive>
bool block_row_reaches(const float* rows, int h, int a, float cutoff) {
  const float hi = bilinear_reach(std::max(rows[a], rows[std::min(a + 1, h - 1)]));
  return kInclusive ? hi >= cutoff : hi > cutoff;
}

// The map's row maxima in this thread's buffer, valid until its next call.
inline const float* own_row_maxima(const float* map, int h, int w) {
  thread_local std::vector<float> rows;
  rows.resize(static_cast<std::size_t>(h));
  row_maxima<false>(map, h, w, rows.data());
  return rows.data();
}

// `rows`: the map's row maxima.
template <bool kInclusive, typename Visit>
void visit_above(const float* map, const float* rows, const BilinearAxis& ys, const BilinearAxis& xs, float cutoff,
                 float upper, Visit& visit) {
  const int w = xs.in;
  for (int a = 0; a < ys.in; ++a) {
    const int ya0 = ys.begin[static_cast<std::size_t>(a)], ya1 = ys.begin[static_cast<std::size_t>(a) + 1];
    if (ya0 == ya1 || !block_row_reaches<kInclusive>(rows, ys.in, a, cutoff)) continue;
    const float* r0 = map + static_cast<std::size_t>(a) * static_cast<std::size_t>(w);
    const float* r1 = map + static_cast<std::size_t>(std::min(a + 1, ys.in - 1)) * static_cast<std::size_t>(w);
    for (int b = 0; b < w; ++b) {
      const int xb0 = xs.begin[static_cast<std::size_t>(b)], xb1 = xs.begin[static_cast<std::size_t>(b) + 1];
      if (xb0 == xb1) continue;
      const Corners k(r0, r1, b, std::min(b + 1, w - 1));
      const float reach = bilinear_reach(k.hi);
      if (!(kInclusive ? reach >= cutoff : reach > cutoff)) continue;
      const float lo = k.lo(), slack = k.slack(lo);
      if (lo - slack >= upper) continue;
      visit_block<kInclusive>(k, slack, ys, xs, ya0, ya1, xb0, xb1, cutoff, upper, visit);
    }
  }
}

}  // namespace detail

// Calls visit(pixel, value) for each output pixel whose value is above `cutoff` (at or above it when
// `inclusive`), in a fixed order. Blocks between four input values that cannot reach the cutoff are
// skipped without computing them: a bilinear value never exceeds its four corners (nor a row of a
// block its two ends) by more than rounding (bilinear_reach).
// `rows` holds the map's row maxima (row_maxima).
template <typename Visit>
void visit_above(const float* map, const float* rows, const BilinearAxis& ys, const BilinearAxis& xs, float cutoff,
                 bool inclusive, Visit&& visit) {
  constexpr float kNone = std::numeric_limits<float>::infinity();
  if (inclusive) {
    detail::visit_above<true>(map, rows, ys, xs, cutoff, kNone, visit);
  } else {
    detail::visit_above<false>(map, rows, ys, xs, cutoff, kNone, visit);
  }
}

template <typename Visit>
void visit_above(const float* map, const BilinearAxis& ys, const BilinearAxis& xs, float cutoff,
                 bool inclusive, Visit&& visit) {
  visit_above(map, detail::own_row_maxima(map, ys.in, xs.in), ys, xs, cutoff, inclusive, visit);
}

// Calls visit(pixel, value) for at least every output pixel whose value is at or above `lo` and
// below `hi`, in a fixed order; blocks and block rows wholly below `lo` or wholly at or above `hi`
// are skipped without computing them (a few pixels just outside the band may be visited).
template <typename Visit>
void visit_band(const float* map, const BilinearAxis& ys, const BilinearAxis& xs, float lo, float hi,
                Visit&& visit) {
  detail::visit_above<true>(map, detail::own_row_maxima(map, ys.in, xs.in), ys, xs, lo, hi, visit);
}

// The pixels above `cutoff` as spans, and those above `floor` (<= cutoff) but not above `cutoff`
// one by one: visit(y, x_begin, x_end) for each maximal run of the first along output row y, and
// band(y, x, value) for each of the second, rows in increasing order and left to right along a row.
// Output rows are swept across every block of a block row, so that the spans of neighbouring blocks
// join; blocks and block rows clearly above the cutoff are not computed. `rows` holds the map's row
// maxima (row_maxima). The values are visit_above's: its pixels above the cutoff are the spans'.
template <bool kBand, typename Visit, typename Band>
void visit_spans_banded(const float* map, const BilinearAxis& ys, const BilinearAxis& xs, float floor, float cutoff,
                        const float* rows, Visit&& visit, Band&& band) {
  struct Block {
    detail::Corners k;
    float slack;
    int x0, x1;
    bool whole;  // above the cutoff everywhere
  };
  constexpr int kRun = 32;
  if (!kBand) floor = cutoff;
  const int w = xs.in;
  thread_local std::vector<Block> blocks;
  for (int a = 0; a < ys.in; ++a) {
    const int ya0 = ys.begin[static_cast<std::size_t>(a)], ya1 = ys.begin[static_cast<std::size_t>(a) + 1];
    if (ya0 == ya1 || !detail::block_row_reaches<false>(rows, ys.in, a, floor)) continue;
    const float* r0 = map + static_cast<std::size_t>(a) * static_cast<std::size_t>(w);
    const float* r1 = map + static_cast<std::size_t>(std::min(a + 1, ys.in - 1)) * static_cast<std::size_t>(w);
    // The same tests, in the same arithmetic, as visit_above's.
    blocks.clear();
    for (int b = 0; b < w; ++b) {
      const int xb0 = xs.begin[static_cast<std::size_t>(b)], xb1 = xs.begin[static_cast<std::size_t>(b) + 1];
      if (xb0 == xb1) continue;
      const detail::Corners k(r0, r1, b, std::min(b + 1, w - 1));
      if (!(bilinear_reach(k.hi) > floor)) continue;
      const float lo = k.lo(), slack = k.slack(lo);
      blocks.push_back({k, slack, xb0, xb1, lo - slack > cutoff});
    }
    if (blocks.empty()) continue;
    for (int y = ya0; y < ya1; ++y) {
      const float ty = ys.t[static_cast<std::size_t>(y)];
      const float wy = 1.0f - ty;
      int begin = 0, end = -1;  // the span being grown
      auto add = [&](int x0, int x1) {
        if (x0 == end) {
          end = x1;
          return;
        }
        if (end > begin) visit(y, begin, end);
        begin = x0;
        end = x1;
      };
      for (const Block& block : blocks) {
        const detail::Corners& k = block.k;
        if (block.whole) {
          add(block.x0, block.x1);
          continue;
        }
        // A row of a block is linear between its ends: rows clearly below the floor or clearly
        // above the cutoff need no values.
        const auto [e0, e1] = k.row_ends(wy, ty);
        if (std::max(e0, e1) + block.slack < floor) continue;
        if (std::min(e0, e1) - block.slack > cutoff) {
          add(block.x0, block.x1);
          continue;
        }
        float values[kRun];
        for (int x0 = block.x0; x0 < block.x1; x0 += kRun) {
          const int n = std::min(kRun, block.x1 - x0);
          k.row_values(wy, ty, xs.t.data() + x0, n, values);
          for (int i = 0; i < n;) {
            if (!(values[i] > cutoff)) {
              if (kBand && values[i] > floor) band(y, x0 + i, values[i]);
              ++i;
              continue;
            }
            int j = i + 1;
            while (j < n && values[j] > cutoff) ++j;
            add(x0 + i, x0 + j);
            i = j;
          }
        }
      }
      if (end > begin) visit(y, begin, end);
    }
  }
}

// visit_spans_banded's spans alone: the pixels visit_above(..., inclusive=false) visits.
template <typename Visit>
void visit_spans_above(const float* map, const BilinearAxis& ys, const BilinearAxis& xs, float cutoff,
                       const float* rows, Visit&& visit) {
  visit_spans_banded<false>(map, ys, xs, cutoff, cutoff, rows, visit, [](int, int, float) {});
}

}  // namespace unitscope::analysis
