#include "analysis/stats/upsample.h"

#include <cassert>

namespace unitscope::analysis {

BilinearAxis::BilinearAxis(int in_size, int out_size) : in(in_size), out(out_size) {
  assert(in_size > 0 && out_size > 0);
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  i0.resize(static_cast<std::size_t>(out_size));
  i1.resize(static_cast<std::size_t>(out_size));
  t.resize(static_cast<std::size_t>(out_size));
  begin.assign(static_cast<std::size_t>(in_size) + 1, 0);
  for (int i = 0; i < out_size; ++i) {
    const float source = std::max(0.0f, scale * (static_cast<float>(i) + 0.5f) - 0.5f);
    const int lo = std::min(static_cast<int>(source), in_size - 1);
    i0[static_cast<std::size_t>(i)] = lo;
    i1[static_cast<std::size_t>(i)] = lo + (lo < in_size - 1 ? 1 : 0);
    t[static_cast<std::size_t>(i)] = source - static_cast<float>(lo);
  }
  // i0 never decreases, so each input index owns one contiguous run of outputs.
  std::size_t o = 0;
  for (int a = 0; a < in_size; ++a) {
    begin[static_cast<std::size_t>(a)] = static_cast<int>(o);
    while (o < i0.size() && i0[o] == a) ++o;
  }
  begin[static_cast<std::size_t>(in_size)] = out_size;
}

const BilinearAxis& BilinearAxes::get(int in, int out) {
  auto it = axes_.find({in, out});
  if (it == axes_.end()) it = axes_.emplace(std::make_pair(in, out), BilinearAxis(in, out)).first;
  return it->second;
}

std::vector<BilinearAxes::Pair> BilinearAxes::for_images(int h, int w, std::span<const std::int32_t> seg_sizes) {
  std::vector<Pair> pairs;
  pairs.reserve(seg_sizes.size() / 2);
  for (std::size_t i = 0; i + 1 < seg_sizes.size(); i += 2) pairs.emplace_back(&get(h, seg_sizes[i]), &get(w, seg_sizes[i + 1]));
  return pairs;
}

void upsample_bilinear(std::span<const float> map, const BilinearAxis& ys, const BilinearAxis& xs,
                       std::span<float> out) {
  assert(map.size() == static_cast<std::size_t>(ys.in) * static_cast<std::size_t>(xs.in));
  assert(out.size() == static_cast<std::size_t>(ys.out) * static_cast<std::size_t>(xs.out));
  for (int y = 0; y < ys.out; ++y) {
    for (int x = 0; x < xs.out; ++x) {
      out[static_cast<std::size_t>(y) * static_cast<std::size_t>(xs.out) + static_cast<std::size_t>(x)] =
          bilinear_value(map.data(), xs.in, ys, xs, y, x);
    }
  }
}

}  // namespace unitscope::analysis
