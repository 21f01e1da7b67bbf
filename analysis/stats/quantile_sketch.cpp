#include "analysis/stats/quantile_sketch.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "analysis/data/byte_io.h"

namespace unitscope::analysis {

namespace {

// KLL's capacity decay: level h of H holds about k * (2/3)^(H-1-h) values, at least 2.
constexpr double kDecay = 2.0 / 3.0;

// Floats as unsigned keys in the same order (NaN excluded): flip every bit of negatives, the sign
// bit of the rest.
std::uint32_t key(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// LSD radix sort in four 8-bit passes for long runs; std::sort for short ones. The order of equal
// floats is irrelevant (equal values are interchangeable), so the result equals std::sort's.
void sort_floats(std::vector<float>& v, std::vector<float>& scratch) {
  if (v.size() < 256) {
    std::sort(v.begin(), v.end());
    return;
  }
  scratch.resize(v.size());
  thread_local std::vector<std::uint32_t> keys, keys_out;
  keys.resize(v.size());
  keys_out.resize(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) keys[i] = key(v[i]);
  std::vector<float>* src = &v;
  std::vector<float>* dst = &scratch;
  for (int shift = 0; shift < 32; shift += 8) {
    std::size_t count[257] = {};
    for (std::uint32_t k : keys) ++count[((k >> shift) & 255u) + 1];
    for (std::size_t d = 1; d < 257; ++d) count[d] += count[d - 1];
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::size_t at = count[(keys[i] >> shift) & 255u]++;
      keys_out[at] = keys[i];
      (*dst)[at] = (*src)[i];
    }
    keys.swap(keys_out);
    std::swap(src, dst);
  }
  // Four passes end where they began, in v.
}

}  // namespace

QuantileSketch::QuantileSketch(int k, std::uint64_t seed)
    : k_(k), rng_(seed), cutoff_(-std::numeric_limits<float>::infinity()), levels_(1) {
  assert(k >= 8);
  levels_[0].reserve(static_cast<std::size_t>(k));
  refresh_limits();
}

std::size_t QuantileSketch::capacity(std::size_t level) const {
  // Level 0 keeps a full k: its values arrive one by one, and sorting k at a time (radix) is what
  // makes millions of values per second affordable; the decay applies from level 1 up.
  if (level == 0) return static_cast<std::size_t>(k_);
  const std::size_t depth = levels_.size() - 1 - level;
  const double c = static_cast<double>(k_) * std::pow(kDecay, static_cast<double>(depth));
  return std::max<std::size_t>(2, static_cast<std::size_t>(std::ceil(c)));
}

std::size_t QuantileSketch::total_capacity() const {
  std::size_t total = 0;
  for (std::size_t h = 0; h < levels_.size(); ++h) total += capacity(h);
  return total;
}

std::size_t QuantileSketch::retained() const {
  std::size_t total = 0;
  for (const auto& level : levels_) total += level.size();
  return total;
}

void QuantileSketch::refresh_limits() {
  total_capacity_ = total_capacity();
}

std::uint64_t QuantileSketch::next_random() {
  // splitmix64: tiny, fast and fully determined by its state.
  std::uint64_t z = (rng_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void QuantileSketch::add(float value) {
  assert(!std::isnan(value));
  ++count_;
  if (value <= cutoff_) {
    if (value < cutoff_) {
      ++below_;
    } else {
      ++at_cutoff_;
    }
    return;
  }
  levels_[0].push_back(value);
  ++retained_;
  if (retained_ >= total_capacity_) compress();
}

void QuantileSketch::add(std::span<const float> values) {
  for (float v : values) add(v);
}

void QuantileSketch::compress() {
  // Compact the lowest level that is over its capacity; one compaction frees at least one slot.
  for (std::size_t h = 0; h < levels_.size(); ++h) {
    if (levels_[h].size() >= capacity(h)) {
      compact(h);
      return;
    }
  }
}

void QuantileSketch::compact(std::size_t h) {
  if (h + 1 == levels_.size()) {
    levels_.emplace_back();
    refresh_limits();
  }
  std::vector<float>& level = levels_[h];
  sort_floats(level, scratch_);
  // An odd value out stays behind (the largest), so weight is conserved exactly.
  const std::size_t pairs = level.size() / 2;
  const std::size_t offset = next_random() & 1u;
  std::vector<float>& up = levels_[h + 1];
  for (std::size_t i = 0; i < pairs; ++i) up.push_back(level[2 * i + offset]);
  const bool odd = level.size() % 2 == 1;
  const float last = level.back();
  level.clear();
  if (odd) level.push_back(last);
  retained_ -= pairs;
}

void QuantileSketch::merge(const QuantileSketch& other) {
  assert(other.k_ == k_);
  while (levels_.size() < other.levels_.size()) levels_.emplace_back();
  refresh_limits();
  for (std::size_t h = 0; h < other.levels_.size(); ++h) {
    levels_[h].insert(levels_[h].end(), other.levels_[h].begin(), other.levels_[h].end());
  }
  retained_ += other.retained_;
  count_ += other.count_;
  // Counts at a cutoff lower than the merged one are below it now.
  const float merged = std::max(cutoff_, other.cutoff_);
  below_ += other.below_;
  if (cutoff_ < merged) {
    below_ += at_cutoff_;
    at_cutoff_ = 0;
  }
  if (other.cutoff_ < merged) {
    below_ += other.at_cutoff_;
  } else {
    at_cutoff_ += other.at_cutoff_;
  }
  cutoff_ = merged;
  // The other side may have kept values below the new, higher cutoff; they stay (still correct:
  // only values at or above the cutoff must all be kept). The random stream continues from ours.
  while (retained_ > total_capacity_) {
    const std::size_t before = retained_;
    compress();
    if (retained_ == before) break;
  }
}

std::vector<std::pair<float, std::uint64_t>> QuantileSketch::weighted_sorted() const {
  std::vector<std::pair<float, std::uint64_t>> items;
  items.reserve(retained());
  for (std::size_t h = 0; h < levels_.size(); ++h) {
    for (float v : levels_[h]) items.emplace_back(v, std::uint64_t{1} << h);
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return items;
}

std::optional<double> QuantileSketch::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  auto items = weighted_sorted();
  // Values equal to the cutoff go in as one heavy item (its place among equal values is immaterial).
  if (at_cutoff_ > 0) {
    const auto at = std::lower_bound(items.begin(), items.end(), cutoff_,
                                     [](const auto& item, float v) { return item.first < v; });
    items.insert(at, {cutoff_, at_cutoff_});
  }
  // Kept values below the cutoff share ranks with dropped ones in an unknown order, so ranks are
  // only known from `known` on.
  std::uint64_t known = below_;
  for (const auto& [v, w] : items) {
    if (v >= cutoff_) break;
    known += w;
  }
  const double position = q * static_cast<double>(count_ - 1);
  const auto lo = static_cast<std::uint64_t>(std::floor(position));
  const std::uint64_t hi = std::min<std::uint64_t>(lo + 1, count_ - 1);
  if (lo < known && below_ > 0) return std::nullopt;
  auto value_at = [&](std::uint64_t rank) -> double {
    std::uint64_t r = rank - below_;
    std::uint64_t cumulative = 0;
    for (const auto& [v, w] : items) {
      cumulative += w;
      if (r < cumulative) return v;
    }
    return items.back().first;
  };
  const double a = value_at(lo);
  const double b = value_at(hi);
  const double t = position - static_cast<double>(lo);
  // numpy before 1.22 (what NetDissect-Lite ran on) interpolates as a*(1-t) + b*t.
  return a * (1.0 - t) + b * t;
}

void QuantileSketch::raise_cutoff_to(float value) {
  if (!(value > cutoff_)) return;
  below_ += at_cutoff_;
  at_cutoff_ = 0;
  cutoff_ = value;
}

float QuantileSketch::raise_cutoff(double level, std::uint64_t min_count) {
  if (count_ < min_count) return cutoff_;
  if (auto estimate = quantile(level)) {
    // Round down to a float so the comparison in add() keeps every value >= the estimate.
    auto c = static_cast<float>(*estimate);
    if (static_cast<double>(c) > *estimate) c = std::nextafter(c, -std::numeric_limits<float>::infinity());
    raise_cutoff_to(c);
  }
  return cutoff_;
}

void QuantileSketch::serialize(std::vector<std::uint8_t>& out) const {
  bytes::put(out, std::uint32_t{0x51534b32});  // "QSK1"
  bytes::put(out, static_cast<std::int32_t>(k_));
  bytes::put(out, rng_);
  bytes::put(out, count_);
  bytes::put(out, below_);
  bytes::put(out, at_cutoff_);
  bytes::put(out, cutoff_);
  bytes::put(out, static_cast<std::uint32_t>(levels_.size()));
  for (const auto& level : levels_) {
    bytes::put(out, static_cast<std::uint32_t>(level.size()));
    bytes::put_bytes(out, level.data(), level.size() * sizeof(float));
  }
}

QuantileSketch QuantileSketch::deserialize(std::span<const std::uint8_t> data, std::size_t& offset) {
  if (bytes::get<std::uint32_t>(data, offset, "quantile sketch") != 0x51534b32) {
    throw std::runtime_error("quantile sketch: bad magic");
  }
  const auto k = bytes::get<std::int32_t>(data, offset, "quantile sketch");
  if (k < 8) throw std::runtime_error("quantile sketch: bad k");
  QuantileSketch sketch(k, 0);
  sketch.rng_ = bytes::get<std::uint64_t>(data, offset, "quantile sketch");
  sketch.count_ = bytes::get<std::uint64_t>(data, offset, "quantile sketch");
  sketch.below_ = bytes::get<std::uint64_t>(data, offset, "quantile sketch");
  sketch.at_cutoff_ = bytes::get<std::uint64_t>(data, offset, "quantile sketch");
  sketch.cutoff_ = bytes::get<float>(data, offset, "quantile sketch");
  const auto levels = bytes::get<std::uint32_t>(data, offset, "quantile sketch");
  if (levels == 0 || levels > 64) throw std::runtime_error("quantile sketch: bad level count");
  sketch.levels_.assign(levels, {});
  for (auto& level : sketch.levels_) {
    const auto n = bytes::get<std::uint32_t>(data, offset, "quantile sketch");
    if (offset + std::size_t{n} * sizeof(float) > data.size()) {
      throw std::runtime_error("quantile sketch: truncated data");
    }
    level.resize(n);
    if (n > 0) std::memcpy(level.data(), data.data() + offset, std::size_t{n} * sizeof(float));
    offset += std::size_t{n} * sizeof(float);
  }
  sketch.retained_ = sketch.retained();
  sketch.refresh_limits();
  return sketch;
}

}  // namespace unitscope::analysis
