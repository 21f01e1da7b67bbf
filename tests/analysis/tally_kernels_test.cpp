// Dissection's kernels and per-unit statistics without a model: the upsample/threshold/tally
// kernel on hand-computed and random maps against brute force, threshold bands settled after the
// tally, and pass-1 statistics giving exact quantiles.
#include <ATen/ATen.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include "analysis/data/broden_dataset.h"
#include "analysis/dist/exchange.h"
#include "analysis/stats/exact_sum.h"
#include "analysis/stats/iou_tally.h"
#include "analysis/model/model_spec.h"
#include "analysis/stats/parallel.h"
#include "analysis/stats/tally_kernels.h"
#include "analysis/stats/threshold_band.h"
#include "analysis/stats/unit_thresholds.h"
#include "analysis/stats/upsample.h"

using namespace unitscope::analysis;

TEST_CASE("parallel_chunks calls each chunk once, on several threads") {
  set_threads(2);
  for (const std::int64_t n : {0, 1, 7, 1000}) {
    INFO("n " << n);
    std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
    std::atomic<int> calls{0};
    parallel_chunks(n, 3, [&](std::int64_t begin, std::int64_t end) {
      DOCTEST_CHECK(end - begin <= 3);
      DOCTEST_CHECK(begin % 3 == 0);
      for (std::int64_t i = begin; i < end; ++i) ++seen[static_cast<std::size_t>(i)];
      ++calls;
    });
    CHECK(calls == (n + 2) / 3);
    for (const auto& s : seen) CHECK(s == 1);
  }
  // Uneven costs: one slow chunk does not hold up the others, which the other thread takes.
  std::mutex m;
  std::set<std::thread::id> threads;
  parallel_chunks(64, 1, [&](std::int64_t begin, std::int64_t) {
    if (begin == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::lock_guard lock(m);
    threads.insert(std::this_thread::get_id());
  });
  CHECK(threads.size() == 2);
  set_threads(0);
}

TEST_CASE("tally kernel: bilinear upsampling, strict threshold, skipped units, image-level labels") {
  // Unit 0: [[0, 4], [8, 12]] upsampled to 4 x 4 (align_corners=False) is
  //   0 1 3 4 / 2 3 5 6 / 6 7 9 10 / 8 9 11 12; above 6: 7 pixels (6 itself is not above).
  // Unit 1: maximum 1, below its threshold: skipped. Unit 2: all 16 pixels are 7 > 0.5.
  const std::vector<float> maps{0, 4, 8, 12, 0, 1, 0, 0, 7, 7, 7, 7};
  const BilinearAxis axis(2, 4);
  std::vector<float> up(16);
  upsample_bilinear(std::span(maps.data(), 4), axis, axis, up);
  CHECK(up == std::vector<float>{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12});
  // The same values as LibTorch's align_corners=False upsampling.
  const at::Tensor reference = at::upsample_bilinear2d(
      at::from_blob(const_cast<float*>(maps.data()), {1, 1, 2, 2}, at::kFloat), {4, 4}, false);
  CHECK(at::equal(reference.reshape({16}), at::from_blob(up.data(), {16}, at::kFloat)));
  const std::vector<float> thresholds{6, 2, 0.5f};
  // Labels: 1 on the left half, 2 on the right half; image-level label 3.
  BrodenSample s;
  s.sh = 4;
  s.sw = 4;
  s.labels.resize(2);
  std::vector<std::int32_t> plane(16);
  for (int p = 0; p < 16; ++p) plane[static_cast<std::size_t>(p)] = (p % 4) < 2 ? 1 : 2;
  s.labels[0].planes = {plane};
  s.labels[1].image_labels = {3};
  const ImageLabels labels = arrange_labels(s, 4);
  const std::vector<int> category{-1, 0, 0, 1};
  IouTally t(3, 4, 2, 2);
  tally_image(t, maps.data(), 2, 2, thresholds, labels, category, 0);
  CHECK(t.activation == std::vector<std::int64_t>{7, 0, 16});
  CHECK(t.inter(0, 1) == 3);  // 7 (row 2, col 1), 8 and 9 (row 3)
  CHECK(t.inter(0, 2) == 4);
  CHECK(t.inter(0, 3) == 7);  // every activated pixel meets the image-level label
  CHECK(t.act_cat(0, 0) == 7);
  CHECK(t.act_cat(0, 1) == 7);
  CHECK(t.inter(1, 1) == 0);
  CHECK(t.act_cat(1, 0) == 0);
  CHECK(t.inter(2, 1) == 8);
  CHECK(t.label_pixels == std::vector<std::int64_t>{0, 8, 8, 16});
  CHECK(t.top[0][0].value == 12.0f);

  // Raw maximum above the threshold, but no upsampled pixel is: the image counts for nothing.
  // A 3 x 3 map with a centre of 10 peaks at 10 * 0.625^2 = 3.90625 on a 4 x 4 grid.
  std::vector<float> peak(9, 0.0f);
  peak[4] = 10.0f;
  const BilinearAxis a34(3, 4);
  std::vector<float> peak_up(16);
  upsample_bilinear(peak, a34, a34, peak_up);
  CHECK(*std::max_element(peak_up.begin(), peak_up.end()) == 3.90625f);
  IouTally p(1, 4, 2, 1);
  const float five = 5.0f;
  tally_image(p, peak.data(), 3, 3, std::span(&five, 1), labels, category, 0);
  CHECK(p.activation[0] == 0);
  CHECK(p.act_cat(0, 1) == 0);
  CHECK(p.inter(0, 3) == 0);
  CHECK(p.images == 1);

  // Thresholds rounded to float compare exactly like the double quantiles.
  CHECK(round_down(6.0) == 6.0f);
  CHECK(static_cast<double>(round_down(0.1)) <= 0.1);
  CHECK(static_cast<double>(std::nextafter(round_down(0.1), 1.0f)) > 0.1);
}

namespace {

// Three planes in two categories (labels 1..3: category 0, 4..5: 1, 6: 2): rectangles of one label
// with some single-pixel noise, so that rows hold runs of several lengths and pixels carry 0 to 3
// labels; label 5 is image-level.
BrodenSample random_labels(std::mt19937& rng, int sh, int sw) {
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  std::uniform_int_distribution<int> label(0, 6);
  BrodenSample s;
  s.sh = sh;
  s.sw = sw;
  s.labels.resize(2);
  for (int plane = 0; plane < 3; ++plane) {
    std::vector<std::int32_t> labels(static_cast<std::size_t>(sh * sw));
    const int x0 = label(rng) * sw / 7, y0 = label(rng) * sh / 7, l = label(rng);
    for (int y = 0; y < sh; ++y) {
      for (int x = 0; x < sw; ++x) {
        std::int32_t& v = labels[static_cast<std::size_t>(y * sw + x)];
        v = x >= x0 && y >= y0 ? l : 0;
        if (value(rng) < 0.1f) v = label(rng);
      }
    }
    s.labels[static_cast<std::size_t>(plane / 2)].planes.push_back(labels);
  }
  s.labels[1].image_labels = {5};
  return s;
}

const std::vector<int> kRandomCategory{-1, 0, 0, 0, 1, 1, 2};

}  // namespace

TEST_CASE("tally kernel: label runs give every pixel's counts, over several planes and random maps") {
  // Brute force: every upsampled pixel compared with its threshold, every plane's label counted.
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  const std::vector<int>& category = kRandomCategory;
  std::int64_t lifted = 0;
  for (const auto& [h, w, sh, sw] : std::vector<std::array<int, 4>>{{4, 4, 16, 16}, {3, 5, 13, 7}, {6, 1, 11, 9}, {2, 2, 1, 5}}) {
    INFO(h << "x" << w << " to " << sh << "x" << sw);
    // Unit 5 is flat at its threshold: rounding lifts some of its values a float above it.
    constexpr int kMapUnits = 6;
    std::vector<float> maps(static_cast<std::size_t>(kMapUnits * h * w));
    for (float& v : maps) v = value(rng) < 0.5f ? 0.0f : value(rng);
    std::fill(maps.begin() + 5 * h * w, maps.end(), 0.7f);
    const std::vector<float> thresholds{0.3f, 0.6f, 0.9f, 0.0f, 2.0f, 0.7f};
    const BrodenSample s = random_labels(rng, sh, sw);
    const ImageLabels arranged = arrange_labels(s, 7);
    IouTally fast(kMapUnits, 7, 3, 0);
    tally_image(fast, maps.data(), h, w, thresholds, arranged, category, 0);

    IouTally slow(kMapUnits, 7, 3, 0);
    slow.images = 1;
    for (const auto& c : s.labels) {
      for (const auto& plane : c.planes) {
        for (std::int32_t l : plane) slow.label_pixels[static_cast<std::size_t>(l)] += l != 0;
      }
    }
    slow.label_pixels[5] += sh * sw;
    for (int u = 0; u < kMapUnits; ++u) {
      std::vector<float> up(static_cast<std::size_t>(sh * sw));
      upsample_bilinear(std::span(maps.data() + u * h * w, static_cast<std::size_t>(h * w)), BilinearAxis(h, sh),
                        BilinearAxis(w, sw), up);
      std::int64_t a = 0;
      std::vector<char> hit(3, 0);
      for (std::size_t p = 0; p < up.size(); ++p) {
        if (!(up[p] > round_down(thresholds[static_cast<std::size_t>(u)]))) continue;
        ++a;
        for (const auto& c : s.labels) {
          for (const auto& plane : c.planes) {
            if (plane[p] == 0) continue;
            ++slow.inter(u, plane[p]);
            hit[static_cast<std::size_t>(category[static_cast<std::size_t>(plane[p])])] = 1;
          }
        }
      }
      if (a == 0) continue;
      slow.activation[static_cast<std::size_t>(u)] = a;
      slow.inter(u, 5) += a;
      hit[1] = 1;
      for (int c = 0; c < 3; ++c) slow.act_cat(u, c) = hit[static_cast<std::size_t>(c)] ? a : 0;
    }
    CHECK(fast.activation == slow.activation);
    CHECK(fast.intersection == slow.intersection);
    CHECK(fast.activation_cat == slow.activation_cat);
    CHECK(fast.label_pixels == slow.label_pixels);
    CHECK(fast.activation[3] > 0);  // the cases are not empty
    lifted += fast.activation[5];
  }
  CHECK(lifted > 0);
}

TEST_CASE("tally kernel: band pixels settled after the tally give the tally at the exact threshold") {
  // Units over 24 images: 0 continuous values, 1 and 3 one level per image (clusters of equal values
  // at the quantile, from 0.3, 0.55 and 0.8), 2 mostly zeros. Each unit's bracket comes from a tail
  // histogram of every upsampled value, at the 0.99 level for units 0 and 2; unit 1's level puts
  // the quantile between two clusters (ranks on both sides of empty bins), unit 3's on a value of a
  // cluster that other pixels tie (they are not activated; rounding spreads a cluster over a few
  // floats, and those above are). The banded tally, in two batches that go
  // through the band's bytes, then settle_unit, must give the plain tally at the exact quantile.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  std::uniform_int_distribution<int> level(0, 2);
  constexpr int kMapUnits = 4, h = 4, w = 5, sh = 13, sw = 11, kCount = 24;
  std::vector<std::vector<float>> maps(kCount, std::vector<float>(static_cast<std::size_t>(kMapUnits * h * w)));
  std::vector<ImageLabels> labels;
  for (auto& m : maps) {
    const float levels[2] = {0.3f + 0.25f * static_cast<float>(level(rng)), 0.3f + 0.25f * static_cast<float>(level(rng))};
    for (std::size_t i = 0; i < m.size(); ++i) {
      const int u = static_cast<int>(i) / (h * w);
      const float v = value(rng);
      m[i] = u == 0 ? v : u == 2 ? (value(rng) < 0.9f ? 0.0f : v) : levels[u / 2];
    }
    labels.push_back(arrange_labels(random_labels(rng, sh, sw), 7));
  }
  const BilinearAxis ys(h, sh), xs(w, sw);
  std::vector<QuantileBracket> brackets;
  std::vector<double> exact;
  std::vector<std::int64_t> above;  // brute force: upsampled values above the exact quantile
  for (int u = 0; u < kMapUnits; ++u) {
    TailHistogram histogram;
    std::vector<float> all;
    for (const auto& m : maps) {
      std::vector<float> up(static_cast<std::size_t>(sh * sw));
      upsample_bilinear(std::span(m.data() + u * h * w, static_cast<std::size_t>(h * w)), ys, xs, up);
      for (const float v : up) histogram.add(v);
      all.insert(all.end(), up.begin(), up.end());
    }
    std::sort(all.begin(), all.end());
    const double n = static_cast<double>(all.size() - 1);
    double q = 0.99;
    if (u == 1 || u == 3) {
      // The first value of the top cluster: halfway before it (unit 1) or on it (unit 3).
      const auto top = static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), all.back() - 0.1f) - all.begin());
      REQUIRE(top > 0);
      q = u == 1 ? (static_cast<double>(top) - 0.5) / n : static_cast<double>(top + 1) / n;
    }
    brackets.push_back(*histogram.bracket(q));
    const double position = q * n;
    const auto lo = static_cast<std::size_t>(std::floor(position));
    const double t = position - static_cast<double>(lo);
    exact.push_back(static_cast<double>(all[lo]) * (1.0 - t) + static_cast<double>(all[std::min(lo + 1, all.size() - 1)]) * t);
    if (u == 3) CHECK(std::count(all.begin(), all.end(), static_cast<float>(exact.back())) > 1);  // ties at it
    const float thr = round_down(exact.back());
    above.push_back(std::count_if(all.begin(), all.end(), [&](float v) { return v > thr; }));
  }
  CHECK(brackets[1].bin_hi != brackets[1].bin_lo);
  CHECK(brackets[3].bin_hi == brackets[3].bin_lo);

  IouTally plain(kMapUnits, 7, 3, 2);
  std::vector<float> thr;
  for (const double t : exact) thr.push_back(round_down(t));
  for (std::size_t i = 0; i < maps.size(); ++i) {
    tally_image(plain, maps[i].data(), h, w, thr, labels[i], kRandomCategory, i);
  }
  // Also where rounding lifts a flat map's values a float above its corners (unit 3).
  CHECK(plain.activation == above);

  IouTally banded(kMapUnits, 7, 3, 2);
  std::vector<float> cutoffs, floors;
  for (const QuantileBracket& b : brackets) {
    cutoffs.push_back(band_cutoffs(b).cutoff);
    floors.push_back(band_cutoffs(b).floor);
  }
  std::vector<UnitBand> kept(kMapUnits);
  TallyScratch scratch;
  for (std::size_t first : {std::size_t{0}, std::size_t{kCount / 2}}) {
    std::vector<UnitBand> batch(kMapUnits);
    const TallyBands bands{floors, batch};
    for (std::size_t i = first; i < first + kCount / 2; ++i) {
      tally_image_shared(banded, labels[i]);
      tally_units(banded, 0, kMapUnits, maps[i].data(), h, w, ys, xs, cutoffs, labels[i], kRandomCategory, i,
                  scratch, &bands);
    }
    for (int u = 0; u < kMapUnits; ++u) {
      std::vector<std::uint8_t> bytes;
      batch[static_cast<std::size_t>(u)].serialize(bytes);
      std::size_t offset = 0;
      kept[static_cast<std::size_t>(u)].append(UnitBand::deserialize(bytes, offset));
      CHECK(offset == bytes.size());
    }
  }
  // Before settling, the clusters at the quantile are all band.
  CHECK(banded.activation[1] < plain.activation[1]);
  CHECK(banded.activation[3] < plain.activation[3]);
  for (int u = 0; u < kMapUnits; ++u) {
    INFO("unit " << u);
    const UnitBand& band = kept[static_cast<std::size_t>(u)];
    CHECK(band.values.size() == band_values(brackets[static_cast<std::size_t>(u)]));
    CHECK(band.images.size() > 1);
    CHECK(settle_unit(banded, u, brackets[static_cast<std::size_t>(u)], band, kRandomCategory) == exact[static_cast<std::size_t>(u)]);
  }
  CHECK(banded.activation == plain.activation);
  CHECK(banded.intersection == plain.intersection);
  CHECK(banded.activation_cat == plain.activation_cat);
  CHECK(banded == plain);

  // A band that disagrees with its bracket, or names a label the tally does not have, is an error.
  UnitBand short_band = kept[0];
  short_band.values.pop_back();
  short_band.label_end.pop_back();
  short_band.images.back().pixels_end -= 1;
  CHECK_THROWS_AS(settle_unit(banded, 0, brackets[0], short_band, kRandomCategory), std::runtime_error);
  UnitBand bad_label = kept[0];
  bad_label.scalars.assign(bad_label.scalars.size(), 9);
  CHECK_THROWS_AS(settle_unit(banded, 0, brackets[0], bad_label, kRandomCategory), std::runtime_error);
}

namespace {

// 3 units of 5 x 5 maps over 24 images whose segmentations alternate 17 x 13 and 9 x 9.
constexpr int kUnits = 3, kSide = 5, kCount = 24;
constexpr std::size_t kImageFloats = kUnits * kSide * kSide;

std::vector<std::int32_t> alternating_segmentations() {
  std::vector<std::int32_t> seg;
  for (int i = 0; i < kCount; ++i) {
    seg.push_back(i % 2 ? 17 : 9);
    seg.push_back(i % 2 ? 13 : 9);
  }
  return seg;
}

// Brute force: every upsampled value of each unit, numpy's linear 0.99 quantile.
std::vector<double> brute_force_thresholds(const std::vector<float>& cache, const std::vector<std::int32_t>& seg) {
  std::vector<double> expected;
  for (int u = 0; u < kUnits; ++u) {
    std::vector<float> all;
    for (std::size_t i = 0; i < seg.size() / 2; ++i) {
      const int sh = seg[2 * i], sw = seg[2 * i + 1];
      std::vector<float> up(static_cast<std::size_t>(sh * sw));
      upsample_bilinear(std::span(cache.data() + i * kImageFloats + static_cast<std::size_t>(u) * kSide * kSide,
                                  kSide * kSide),
                        BilinearAxis(kSide, sh), BilinearAxis(kSide, sw), up);
      all.insert(all.end(), up.begin(), up.end());
    }
    std::sort(all.begin(), all.end());
    const double position = 0.99 * static_cast<double>(all.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(position));
    const double t = position - static_cast<double>(lo);
    expected.push_back(static_cast<double>(all[lo]) * (1.0 - t) + static_cast<double>(all[lo + 1]) * t);
  }
  return expected;
}

// Pass 1 in batches, then choose_thresholds reading `cache` `chunk` images at a time.
std::vector<double> streamed_thresholds(const std::vector<float>& cache, const std::vector<std::int32_t>& seg,
                                        std::size_t batch, std::size_t memory, std::size_t chunk = 5) {
  const CacheReader read = [&](std::size_t, std::uint64_t first, std::uint64_t count) {
    return std::span<const float>(cache.data() + first * kImageFloats, count * kImageFloats);
  };
  std::vector<LayerState> layers(1);
  layers[0].shape = {kUnits, kSide, kSide};
  for (std::size_t first = 0; first < seg.size() / 2; first += batch) {
    REQUIRE(observe_batch(layers[0], ThresholdRule{}, cache.data() + first * kImageFloats,
                          std::span<const std::int32_t>(seg).subspan(2 * first, 2 * batch), batch));
  }
  choose_thresholds(layers, ThresholdRule{}, seg, chunk, memory, read);
  DOCTEST_CHECK(layers[0].histograms.empty());
  return layers[0].thresholds;
}

}  // namespace

TEST_CASE("pass-1 statistics refuse NaN and Inf values in any batch, under both conventions") {
  for (const Convention convention : {Convention::kPnas, Convention::kNetDissectLite}) {
    for (const std::size_t bad_batch : {0, 2}) {
      for (const float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
        INFO(convention_name(convention) << ", batch " << bad_batch << ", " << bad);
        std::vector<float> cache(kCount * kImageFloats, 1.0f);
        for (std::size_t i = 0; i < cache.size(); ++i) cache[i] = static_cast<float>(i % 7);
        cache[(4 * bad_batch + 2) * kImageFloats + 2 * kSide * kSide + 13] = bad;  // image 4b + 2, unit 2
        const std::vector<std::int32_t> seg = alternating_segmentations();
        std::vector<LayerState> layers(1);
        layers[0].shape = {kUnits, kSide, kSide};
        bool finite = true;
        for (std::size_t b = 0; b <= bad_batch && finite; ++b) {
          finite = observe_batch(layers[0], threshold_rule(convention), cache.data() + 4 * b * kImageFloats,
                                 std::span<const std::int32_t>(seg).subspan(8 * b, 8), 4);
          CHECK(finite == (b < bad_batch));
        }
      }
    }
  }
}

TEST_CASE("exact thresholds do not depend on the refine step's memory, batches or a floor set too high") {
  std::mt19937 rng(9);
  std::exponential_distribution<float> tail(1.0f);
  std::vector<float> cache(kCount * kImageFloats);
  for (auto& v : cache) v = tail(rng);
  const std::vector<std::int32_t> seg = alternating_segmentations();
  const std::vector<double> expected = brute_force_thresholds(cache, seg);
  for (const std::size_t batch : {1, 4, 24}) {
    for (const std::size_t memory : {std::size_t{1}, std::size_t{1} << 30}) {
      INFO("batch " << batch << ", memory " << memory);
      CHECK(streamed_thresholds(cache, seg, batch, memory) == expected);
    }
  }
}

TEST_CASE("exact thresholds survive early images far stronger than later ones") {
  // 240 images of 17 x 13; the first 80 are 1000 times stronger, so pass 1's cutoff rises above
  // every unit's quantile and all three are counted again, from the cutoff a grid sample of the
  // whole cache gives. (The test above covers units for which that sample's cutoff is too high.)
  constexpr std::size_t kImages = 240;
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> cache(kImages * kImageFloats);
  for (std::size_t i = 0; i < kImages; ++i) {
    const float level = noise(rng);
    for (int u = 0; u < kUnits; ++u) {
      for (int p = 0; p < kSide * kSide; ++p) {
        float v = u == 0 ? noise(rng) : level * (1.0f + 0.01f * noise(rng));
        if (u == 0 && p == kSide * kSide / 2) v = 50.0f + v;
        if (i < 80) v *= 1000.0f;
        cache[i * kImageFloats + static_cast<std::size_t>(u * kSide * kSide + p)] = v;
      }
    }
  }
  std::vector<std::int32_t> seg;
  for (std::size_t i = 0; i < kImages; ++i) seg.insert(seg.end(), {17, 13});
  const std::vector<double> expected = brute_force_thresholds(cache, seg);
  for (const std::size_t batch : {8, 16}) {
    INFO("batch " << batch);
    CHECK(streamed_thresholds(cache, seg, batch, std::size_t{1} << 30, 16) == expected);
  }
}

TEST_CASE("netdissect-lite thresholds are the exact 0.995 quantile of the raw maps, on sparse, heavy-tailed, constant and dead units") {
  // 5 units of 14 x 14 maps over 300 images, labels at 112 x 112 (which raw quantiles ignore).
  // Unit 0 is sparse: 2% of its values above zero, with a long tail (a streaming sketch put its
  // threshold 23% too high). Unit 1 is heavy-tailed (Pareto, alpha 1.1), unit 2 constant, unit 3
  // dead (all zero), unit 4 sparse and much stronger in the first images than in the rest.
  constexpr int kLiteUnits = 5, kMap = 14, kLiteImages = 300;
  constexpr std::size_t kFloats = std::size_t{kLiteUnits} * kMap * kMap;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<float> cache(kLiteImages * kFloats);
  for (int i = 0; i < kLiteImages; ++i) {
    for (int u = 0; u < kLiteUnits; ++u) {
      for (int p = 0; p < kMap * kMap; ++p) {
        const double r = uniform(rng);
        float v = 0.0f;
        if (u == 0 || u == 4) v = r < 0.02 ? static_cast<float>(-0.05 * std::log(uniform(rng))) : 0.0f;
        if (u == 1) v = static_cast<float>(std::pow(1.0 - r, -1.0 / 1.1));
        if (u == 2) v = 0.25f;
        if (u == 4 && i < 40) v *= 100.0f;
        cache[static_cast<std::size_t>(i) * kFloats + static_cast<std::size_t>(u * kMap * kMap + p)] = v;
      }
    }
  }
  std::vector<std::int32_t> seg;
  for (int i = 0; i < kLiteImages; ++i) seg.insert(seg.end(), {112, 112});
  std::vector<double> exact;
  for (int u = 0; u < kLiteUnits; ++u) {
    std::vector<float> all;
    for (int i = 0; i < kLiteImages; ++i) {
      const float* map = cache.data() + static_cast<std::size_t>(i) * kFloats + static_cast<std::size_t>(u * kMap * kMap);
      all.insert(all.end(), map, map + kMap * kMap);
    }
    std::sort(all.begin(), all.end());
    const double position = 0.995 * static_cast<double>(all.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(position));
    const double t = position - static_cast<double>(lo);
    exact.push_back(static_cast<double>(all[lo]) * (1.0 - t) + static_cast<double>(all[lo + 1]) * t);
  }
  REQUIRE(exact[0] > 0.0);  // the sparse unit's quantile lies in its tail, not at zero
  const CacheReader read = [&](std::size_t, std::uint64_t first, std::uint64_t count) {
    return std::span<const float>(cache.data() + first * kFloats, count * kFloats);
  };
  const ThresholdRule rule = threshold_rule(Convention::kNetDissectLite);
  CHECK(rule.level == 0.995);
  CHECK_FALSE(rule.upsampled);
  for (const std::size_t batch : {16, 100}) {
    std::vector<LayerState> layers(1);
    layers[0].shape = {kLiteUnits, kMap, kMap};
    for (std::size_t first = 0; first < kLiteImages; first += batch) {
      const std::size_t n = std::min<std::size_t>(batch, kLiteImages - first);
      REQUIRE(observe_batch(layers[0], rule, cache.data() + first * kFloats,
                            std::span<const std::int32_t>(seg).subspan(2 * first, 2 * n), n));
    }
    choose_thresholds(layers, rule, seg, 32, std::size_t{1} << 30, read, std::size_t{1} << 30);
    REQUIRE(layers[0].thresholds.size() == exact.size());
    CHECK(layers[0].unsettled.empty());  // raw quantiles are never left to the tally
    for (int u = 0; u < kLiteUnits; ++u) {
      INFO("batch " << batch << ", unit " << u << ": " << layers[0].thresholds[static_cast<std::size_t>(u)] << " vs exact "
                    << exact[static_cast<std::size_t>(u)]);
      CHECK(std::abs(layers[0].thresholds[static_cast<std::size_t>(u)] - exact[static_cast<std::size_t>(u)]) <=
            0.01 * std::abs(exact[static_cast<std::size_t>(u)]));
      CHECK(layers[0].thresholds[static_cast<std::size_t>(u)] == doctest::Approx(exact[static_cast<std::size_t>(u)]).epsilon(1e-12));
    }
  }
}

TEST_CASE("a quantile knob moves the level of the thresholds") {
  CHECK(threshold_rule(Convention::kPnas).level == 0.99);
  CHECK(threshold_rule(Convention::kPnas, 0.005).level == doctest::Approx(0.995).epsilon(1e-15));
  CHECK(threshold_rule(Convention::kNetDissectLite, 0.01).level == doctest::Approx(0.99).epsilon(1e-15));
  CHECK(threshold_rule(Convention::kPnas, 0.005).upsampled);
}

TEST_CASE("quantile refiners of disjoint shards, sent as bytes and merged, give the quantile of their union") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // A spread unit (its bin kept as a list) and a mostly-dead one (70000 zeros: counters per float,
  // both signs of zero among them).
  for (const bool dead : {false, true}) {
    std::vector<float> values;
    for (int i = 0; i < 90000; ++i) {
      float v = normal(rng);
      if (dead) v = i < 70000 ? (i % 3 == 0 ? -0.0f : 0.0f) : std::abs(v) * 0.001f;
      values.push_back(v);
    }
    const double q = dead ? 0.5 : 0.99;
    TailHistogram histogram;
    for (const float v : values) histogram.add(v);
    const QuantileBracket bracket = *histogram.bracket(q);
    QuantileRefiner whole(bracket);
    for (const float v : values) whole.add(v);
    const double expected = whole.quantile();
    std::vector<float> sorted(values);
    std::sort(sorted.begin(), sorted.end());
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(position));
    const double t = position - static_cast<double>(lo);
    CHECK(expected == static_cast<double>(sorted[lo]) * (1.0 - t) + static_cast<double>(sorted[lo + 1]) * t);

    // Three uneven shards, each through its bytes, merged in order.
    const std::size_t cuts[] = {0, 1000, 61000, values.size()};
    std::vector<QuantileRefiner> shards;
    for (int s = 0; s < 3; ++s) {
      QuantileRefiner r(bracket);
      for (std::size_t i = cuts[s]; i < cuts[s + 1]; ++i) r.add(values[i]);
      std::vector<std::uint8_t> bytes;
      r.serialize(bytes);
      std::size_t offset = 0;
      shards.push_back(QuantileRefiner::deserialize(bracket, bytes, offset));
      CHECK(offset == bytes.size());
    }
    shards[0].merge(shards[1]);
    shards[0].merge(shards[2]);
    CHECK(shards[0].quantile() == expected);
    // A shard alone has not seen the bin's values: refused, not a wrong quantile.
    CHECK_THROWS_AS(shards[1].quantile(), std::runtime_error);
  }
}

TEST_CASE("exact sums of floats do not depend on the order or on how the values are split into shards") {
  std::mt19937 rng(3);
  std::lognormal_distribution<float> spread(0.0f, 4.0f);
  std::vector<float> values;
  for (int i = 0; i < 20000; ++i) values.push_back((i % 2 ? -1.0f : 1.0f) * spread(rng));
  values.push_back(1e-30f);  // below the fixed point's unit: dropped alike everywhere
  ExactSum whole;
  for (const float v : values) whole.add(v);
  std::vector<float> shuffled(values);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  ExactSum parts[3];
  for (std::size_t i = 0; i < shuffled.size(); ++i) parts[i * 3 / shuffled.size()].add(shuffled[i]);
  parts[2].merge(parts[0]);
  parts[2].merge(parts[1]);
  CHECK(parts[2] == whole);
  CHECK(ExactSum::from_parts(whole.low(), whole.high()) == whole);
  // Against a long double sum: the same to well within a double's rounding.
  long double reference = 0.0L;
  for (const float v : values) reference += v;
  CHECK(std::abs(whole.value() - static_cast<double>(reference)) <= 1e-9 * std::abs(static_cast<double>(reference)) + 1e-12);
  ExactSum negative;
  negative.add(-2.5f);
  CHECK(negative.value() == -2.5);
}

namespace {

// The ranks of a sharded run as threads of this process: the collectives an MPI job makes, so the
// merging is checked under several splits without mpirun (tests/analysis/dist runs the real one).
class ThreadExchange final : public Exchange {
 public:
  struct Shared {
    explicit Shared(int n) : sync(n), slots(static_cast<std::size_t>(n)) {}
    std::barrier<> sync;
    std::vector<std::vector<std::uint8_t>> slots;
  };
  ThreadExchange(Shared& shared, int rank) : shared_(shared), rank_(rank) {}
  int rank() const override { return rank_; }
  int ranks() const override { return static_cast<int>(shared_.slots.size()); }
  std::vector<std::vector<std::uint8_t>> all_gather(std::span<const std::uint8_t> mine) override {
    shared_.slots[static_cast<std::size_t>(rank_)].assign(mine.begin(), mine.end());
    shared_.sync.arrive_and_wait();
    std::vector<std::vector<std::uint8_t>> all = shared_.slots;
    shared_.sync.arrive_and_wait();
    return all;
  }
  std::vector<std::vector<std::uint8_t>> gather(std::span<const std::uint8_t> mine) override {
    auto all = all_gather(mine);
    if (rank_ != 0) all.clear();
    return all;
  }
  std::vector<std::uint8_t> broadcast(std::vector<std::uint8_t> bytes, int root) override {
    return all_gather(bytes)[static_cast<std::size_t>(root)];
  }
  void barrier() override { shared_.sync.arrive_and_wait(); }

 private:
  Shared& shared_;
  int rank_;
};

// streamed_thresholds with the images split over `ranks` threads, each seeing only its own.
std::vector<std::vector<double>> sharded_thresholds(const std::vector<float>& cache, const std::vector<std::int32_t>& seg,
                                                    int ranks, std::size_t batch, std::size_t chunk) {
  ThreadExchange::Shared shared(ranks);
  std::vector<std::vector<double>> thresholds(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      ThreadExchange exchange(shared, r);
      const Shard shard = shard_of(seg.size() / 2, r, ranks);
      const std::span<const std::int32_t> mine = std::span<const std::int32_t>(seg).subspan(2 * shard.first, 2 * shard.size());
      const float* maps = cache.data() + shard.first * kImageFloats;
      const CacheReader read = [&](std::size_t, std::uint64_t first, std::uint64_t count) {
        return std::span<const float>(maps + first * kImageFloats, count * kImageFloats);
      };
      std::vector<LayerState> layers(1);
      layers[0].shape = {kUnits, kSide, kSide};
      for (std::size_t first = 0; first < shard.size(); first += batch) {
        const std::size_t n = std::min<std::size_t>(batch, shard.size() - first);
        if (!observe_batch(layers[0], ThresholdRule{}, maps + first * kImageFloats, mine.subspan(2 * first, 2 * n), n)) return;
      }
      choose_thresholds(layers, ThresholdRule{}, mine, chunk, std::size_t{1} << 30, read, 0, &exchange);
      thresholds[static_cast<std::size_t>(r)] = layers[0].thresholds;
    });
  }
  for (auto& t : threads) t.join();
  return thresholds;
}

}  // namespace

TEST_CASE("thresholds chosen over shards that merge their statistics are one process's, on every rank") {
  // Early images far stronger than later ones: the first shard's cutoffs rise above the quantiles,
  // so the merged histograms miss them and the units are counted again over every shard.
  constexpr std::size_t kImages = 240;
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> cache(kImages * kImageFloats);
  for (std::size_t i = 0; i < kImages; ++i) {
    const float level = noise(rng);
    for (int u = 0; u < kUnits; ++u) {
      for (int p = 0; p < kSide * kSide; ++p) {
        float v = u == 0 ? noise(rng) : level * (1.0f + 0.01f * noise(rng));
        if (i < 80) v *= 1000.0f;
        cache[i * kImageFloats + static_cast<std::size_t>(u * kSide * kSide + p)] = v;
      }
    }
  }
  std::vector<std::int32_t> seg;
  for (std::size_t i = 0; i < kImages; ++i) seg.insert(seg.end(), {17, 13});
  const std::vector<double> expected = brute_force_thresholds(cache, seg);
  for (const int ranks : {2, 3, 7}) {
    INFO(ranks << " ranks");
    for (const auto& rank_thresholds : sharded_thresholds(cache, seg, ranks, 8, 16)) CHECK(rank_thresholds == expected);
  }
}
