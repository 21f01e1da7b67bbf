// The KLL quantile sketch: exactness while small, rank error against the exact quantile, the tail
// cutoff, merging, determinism and checkpoint round trips; the exact tail histogram and its refiner.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "analysis/stats/quantile_sketch.h"
#include "analysis/stats/tail_histogram.h"

using unitscope::analysis::QuantileBracket;
using unitscope::analysis::QuantileRefiner;
using unitscope::analysis::QuantileSketch;
using unitscope::analysis::TailHistogram;

namespace {

// numpy.percentile's default (linear) rule on the exact data.
double exact_quantile(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = pos - static_cast<double>(lo);
  return static_cast<double>(v[lo]) * (1 - t) + static_cast<double>(v[hi]) * t;
}

// How far q is from the ranks `value` occupies in the sorted data, as a fraction of n (0 when
// value is a correct q-quantile; a run of equal values occupies all its ranks).
double rank_fraction_error(const std::vector<float>& sorted, double value, double q) {
  const auto below = std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin();
  const auto upto = std::upper_bound(sorted.begin(), sorted.end(), value) - sorted.begin();
  const double n = static_cast<double>(sorted.size() - 1);
  const double lo = static_cast<double>(below) / n;
  const double hi = static_cast<double>(std::max<std::ptrdiff_t>(upto - 1, below)) / n;
  return q < lo ? lo - q : (q > hi ? q - hi : 0.0);
}

std::vector<float> skewed(std::size_t n, unsigned seed) {
  // Activation-like: many zeros (ReLU) and a long right tail.
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) {
    const float z = normal(rng);
    x = z < 0 ? 0.0f : z * z * 3.0f;
  }
  return v;
}

}  // namespace

TEST_CASE("quantile sketch is exact until it compacts") {
  std::vector<float> v;
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<float>((i * 37) % 1000) * 0.5f);
  QuantileSketch sketch(1024);
  sketch.add(v);
  CHECK(sketch.exact());
  for (double q : {0.0, 0.25, 0.5, 0.9, 0.99, 0.995, 1.0}) {
    CHECK(*sketch.quantile(q) == doctest::Approx(exact_quantile(v, q)).epsilon(1e-12));
  }
  // 0.995 of 0..999 halves: position 994.005 between 497.0 and 497.5.
  CHECK(*sketch.quantile(0.995) == doctest::Approx(497.0025).epsilon(1e-12));
  CHECK(!QuantileSketch().quantile(0.5).has_value());
}

TEST_CASE("quantile sketch rank error against the exact quantile stays within bounds") {
  const std::vector<float> v = skewed(1'000'000, 7);
  std::vector<float> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  QuantileSketch sketch(1024);
  sketch.add(v);
  CHECK(!sketch.exact());
  CHECK(sketch.count() == v.size());
  // Bounded memory: a few k values, however long the stream.
  CHECK(sketch.retained() < 4 * 1024);
  for (double q : {0.6, 0.9, 0.99, 0.995}) {
    const double got = *sketch.quantile(q);
    const double error = rank_fraction_error(sorted, got, q);
    INFO("q=" << q << " got " << got << " exact " << exact_quantile(v, q) << " rank error " << error);
    CHECK(error < 0.001);
  }
}

TEST_CASE("quantile sketch with a raised cutoff sketches only the tail, far more precisely") {
  const std::vector<float> v = skewed(1'000'000, 11);
  std::vector<float> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  QuantileSketch sketch(256);
  QuantileSketch plain(256);
  for (std::size_t i = 0; i < v.size(); i += 10'000) {
    const std::span<const float> chunk(v.data() + i, 10'000);
    sketch.add(chunk);
    plain.add(chunk);
    sketch.raise_cutoff(0.96, 50'000);
  }
  CHECK(sketch.cutoff() > 0.0f);
  CHECK(sketch.below() > 900'000);
  const double q = 0.99;
  const double tail_error = rank_fraction_error(sorted, *sketch.quantile(q), q);
  const double plain_error = rank_fraction_error(sorted, *plain.quantile(q), q);
  INFO("tail " << tail_error << " plain " << plain_error);
  CHECK(tail_error < 0.0005);
  CHECK(tail_error < plain_error);
}

TEST_CASE("quantile sketch refuses an answer that fell below a cutoff set too high") {
  QuantileSketch sketch(64);
  std::vector<float> strong(20'000);
  for (std::size_t i = 0; i < strong.size(); ++i) strong[i] = 100.0f + static_cast<float>(i % 100);
  sketch.add(strong);
  sketch.raise_cutoff(0.96, 1000);
  CHECK(sketch.cutoff() >= 190.0f);
  sketch.add(std::vector<float>(1'000'000, 0.0f));  // far weaker images arrive later
  CHECK(!sketch.quantile(0.99).has_value());
  CHECK(sketch.quantile(0.9999).has_value());
}

TEST_CASE("quantile sketches merge: partial sketches agree with the whole") {
  const std::vector<float> v = skewed(400'000, 3);
  std::vector<float> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  QuantileSketch a(512), b(512), whole(512);
  a.add(std::span<const float>(v.data(), 150'000));
  b.add(std::span<const float>(v.data() + 150'000, v.size() - 150'000));
  for (float x : v) whole.add(x);
  a.merge(b);
  CHECK(a.count() == whole.count());
  CHECK(a.retained() < 4 * 512);
  for (double q : {0.5, 0.99}) {
    CHECK(rank_fraction_error(sorted, *a.quantile(q), q) < 0.006);
  }
  // Small sketches merge exactly.
  QuantileSketch x, y, xy;
  for (int i = 0; i < 100; ++i) {
    x.add(static_cast<float>(i));
    y.add(static_cast<float>(200 - i));
    xy.add(static_cast<float>(i));
  }
  for (int i = 0; i < 100; ++i) xy.add(static_cast<float>(200 - i));
  x.merge(y);
  CHECK(*x.quantile(0.995) == *xy.quantile(0.995));
}

TEST_CASE("quantile sketch is deterministic and survives a checkpoint round trip") {
  const std::vector<float> v = skewed(300'000, 5);
  QuantileSketch a(128), b(128);
  a.add(v);
  b.add(v);
  CHECK(a == b);
  QuantileSketch c(128, 99);
  c.add(v);
  CHECK(!(a == c));  // another seed compacts differently

  // Stop half way, serialize, restore, continue: identical to the uninterrupted sketch.
  QuantileSketch first(128);
  first.add(std::span<const float>(v.data(), 100'000));
  first.raise_cutoff(0.9, 1000);
  std::vector<std::uint8_t> bytes;
  first.serialize(bytes);
  std::size_t offset = 0;
  QuantileSketch restored = QuantileSketch::deserialize(bytes, offset);
  CHECK(offset == bytes.size());
  CHECK(restored == first);
  first.add(std::span<const float>(v.data() + 100'000, 200'000));
  restored.add(std::span<const float>(v.data() + 100'000, 200'000));
  CHECK(restored == first);
  bytes.resize(bytes.size() - 3);
  offset = 0;
  CHECK_THROWS(QuantileSketch::deserialize(bytes, offset));
}

TEST_CASE("quantile sketch counts values equal to the cutoff without storing them") {
  // ReLU-like: 90% zeros. With the cutoff at 0 the zeros are only counted, yet every quantile,
  // including those that land on the zeros, stays exact.
  std::vector<float> v;
  for (int i = 0; i < 20'000; ++i) v.push_back(i % 10 == 0 ? static_cast<float>(i % 997) : 0.0f);
  QuantileSketch sketch(4096);
  sketch.raise_cutoff_to(0.0f);
  sketch.add(v);
  CHECK(sketch.exact());
  CHECK(sketch.retained() == 1997);  // 2000 tenths, 3 of which are multiples of 997
  for (double q : {0.5, 0.9, 0.95, 0.99}) CHECK(*sketch.quantile(q) == exact_quantile(v, q));
  // Raising the cutoff turns the counted zeros into values below it.
  sketch.raise_cutoff_to(100.0f);
  CHECK(sketch.below() == 18'003);
  CHECK(!sketch.quantile(0.5).has_value());
  CHECK(*sketch.quantile(0.99) == exact_quantile(v, 0.99));
}

namespace {

// The two looks of an exact quantile: the histogram (fed in chunks, cutoff following `level`), then
// a refiner fed every value again.
std::optional<double> two_look_quantile(const std::vector<float>& v, double q, double level, TailHistogram* out = nullptr) {
  TailHistogram h;
  for (std::size_t i = 0; i < v.size(); i += 10'000) {
    const std::size_t end = std::min(v.size(), i + 10'000);
    // Half the chunks value by value, half through add_each: the two must agree to the count.
    if (i % 20'000 == 0) {
      for (std::size_t j = i; j < end; ++j) {
        if (v[j] >= h.cutoff()) {
          h.add(v[j]);
        } else {
          h.add_below(1);
        }
      }
    } else {
      const float top = *std::max_element(v.begin() + static_cast<std::ptrdiff_t>(i), v.begin() + static_cast<std::ptrdiff_t>(end));
      std::uint64_t below = 0;
      const std::uint64_t added = h.add_each(top, [&](auto&& add) {
        for (std::size_t j = i; j < end; ++j) {
          if (v[j] >= h.cutoff()) {
            add(v[j]);
          } else {
            ++below;
          }
        }
      });
      h.add_below(below);
      DOCTEST_CHECK(added + below == end - i);
    }
    h.raise_cutoff(level, 50'000);
  }
  if (out) *out = h;
  const auto bracket = h.bracket(q);
  if (!bracket) return std::nullopt;
  QuantileRefiner refiner(*bracket);
  for (float x : v) {
    if (x >= bracket->lower_edge()) refiner.add(x);
  }
  return refiner.quantile();
}

}  // namespace

TEST_CASE("tail histogram and refiner give numpy's exact quantile in bounded memory") {
  const std::vector<float> v = skewed(1'000'000, 13);
  TailHistogram h;
  for (double q : {0.99, 0.995, 0.999, 1.0}) {
    const auto got = two_look_quantile(v, q, 0.98, &h);
    REQUIRE(got.has_value());
    CHECK(*got == exact_quantile(v, q));
  }
  // Only the tail is binned: a few hundred bins, everything else counted below the cutoff.
  CHECK(h.bins() < 2048);
  CHECK(h.below() > 970'000);
  CHECK(h.count() == v.size());
  // Signed values, no cutoff at all, quantiles anywhere.
  std::vector<float> signed_v = skewed(200'000, 17);
  for (std::size_t i = 0; i < signed_v.size(); i += 3) signed_v[i] = -signed_v[i] - 0.5f;
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99}) CHECK(*two_look_quantile(signed_v, q, 0.0) == exact_quantile(signed_v, q));
  // Ranks lo and lo + 1 in different bins: 0..99 spaced far apart.
  std::vector<float> sparse;
  for (int i = 0; i < 100; ++i) sparse.push_back(static_cast<float>(i * i) + 1.0f);
  for (double q : {0.5, 0.995, 0.37}) CHECK(*two_look_quantile(sparse, q, 0.0) == exact_quantile(sparse, q));
}

TEST_CASE("tail histogram: a bin of many equal values is refined per float") {
  // A mostly dead ReLU unit: the 0.5 quantile's bin holds 150'000 zeros, beyond a value list.
  std::vector<float> v(200'000, 0.0f);
  for (std::size_t i = 0; i < v.size(); i += 4) v[i] = 1.0f + static_cast<float>(i % 1000) * 0.01f;
  for (double q : {0.5, 0.74, 0.75, 0.99}) CHECK(*two_look_quantile(v, q, 0.0) == exact_quantile(v, q));
  TailHistogram h;
  h.add_each(*std::max_element(v.begin(), v.end()), [&](auto&& add) {
    for (float x : v) add(x);
  });
  const auto b = h.bracket(0.5);
  REQUIRE(b.has_value());
  CHECK(b->in_lo == 150'000);
  QuantileRefiner refiner(*b);
  CHECK(refiner.bytes() == (std::size_t{1} << TailHistogram::kShift) * 4);
  // Values fed again must match the first look: a missing one is an error, not a wrong answer.
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 1) refiner.add(v[i]);  // v[1] is one of the zeros
  }
  CHECK_THROWS(refiner.quantile());
}

TEST_CASE("tail histogram refuses a quantile below its cutoff, merges and round-trips") {
  std::vector<float> strong(20'000);
  for (std::size_t i = 0; i < strong.size(); ++i) strong[i] = 100.0f + static_cast<float>(i % 100);
  TailHistogram h;
  for (float x : strong) h.add(x);
  h.raise_cutoff(0.96, 1000);
  CHECK(h.cutoff() >= 190.0f);
  CHECK(h.cutoff() <= 196.0f);
  h.add_below(1'000'000);  // far weaker images arrive later
  CHECK(!h.bracket(0.99).has_value());
  CHECK(h.bracket(0.9999).has_value());

  const std::vector<float> v = skewed(300'000, 19);
  TailHistogram a, b, whole;
  a.raise_cutoff_to(1.0f);
  whole.raise_cutoff_to(2.0f);
  b.raise_cutoff_to(2.0f);
  for (std::size_t i = 0; i < v.size(); ++i) (i < 100'000 ? a : b).add(v[i]);
  for (float x : v) whole.add(x);
  a.merge(b);
  CHECK(a == whole);
  std::vector<std::uint8_t> bytes;
  a.serialize(bytes);
  std::size_t offset = 0;
  const TailHistogram restored = TailHistogram::deserialize(bytes, offset);
  CHECK(offset == bytes.size());
  CHECK(restored == a);
  bytes.resize(bytes.size() - 2);
  offset = 0;
  CHECK_THROWS(TailHistogram::deserialize(bytes, offset));
}
