// Exact streaming top quantiles of one unit's values: a tail histogram, then a look at one bin.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace unitscope::analysis {

// Floats as unsigned keys in the same order (NaN excluded): flip every bit of negatives, the sign
// bit of the rest.
inline std::uint32_t float_key(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// Where numpy's linear q-quantile of a TailHistogram's values lies: ranks rank_lo and rank_hi
// (ascending, 0-based; equal or adjacent), in bins bin_lo <= bin_hi. The answer is
// value(rank_lo) * (1 - t) + value(rank_hi) * t in double, as numpy before 1.22 computes it.
struct QuantileBracket {
  std::uint32_t bin_lo = 0, bin_hi = 0;
  std::uint64_t before = 0;  // values in lower bins or below the cutoff
  std::uint64_t in_lo = 0;   // values in bin_lo
  std::uint64_t in_hi = 0;   // values in bin_hi when it is another bin (bins between hold none)
  std::uint64_t rank_lo = 0, rank_hi = 0;
  double t = 0.0;
  float lower_edge() const;  // the smallest float of bin_lo: every value that matters is at or above it
  float upper_edge() const;  // the smallest float above bin_hi (+infinity past the last bin): every value that matters is below it
  // The quantile as far as the bins tell: each rank's value taken at its bin's lower edge.
  double estimate() const;
  void serialize(std::vector<std::uint8_t>& out) const;
  // Throws std::runtime_error for truncated or corrupt data.
  static QuantileBracket deserialize(std::span<const std::uint8_t> data, std::size_t& offset);
};

// Counts of the values at or above a cutoff that the caller may raise while data streams in, in
// bins of 2^kShift consecutive floats (256 per power of two), plus an exact count of the values
// below. Memory is one counter per bin between the cutoff and the largest value. bracket() names
// the one or two bins that hold the quantile's ranks, and QuantileRefiner, fed the values of those
// bins on a second look at the data, gives the exact quantile. Deterministic and order-free: the
// same multiset of values (and cutoffs) gives the same state.
class TailHistogram {
 public:
  static constexpr int kShift = 15;
  static constexpr std::uint32_t kEagerBins = 4096;  // add_each grows the bins up front within 16 octaves
  static std::uint32_t bin_of(float value) { return float_key(value) >> kShift; }

  void add(float value) {  // NaN must not be passed
    ++count_;
    const std::uint32_t b = bin_of(value);
    if (b < floor_) {
      ++below_;
      return;
    }
    if (b < first_ || b - first_ >= bins_.size()) grow(b);
    ++bins_[b - first_];
  }
  // Adds each value that produce(add) hands to add: values at or above cutoff() and at most
  // max_value, or above it by rounding only (a few ulps; none NaN). The bins grow once, then each
  // value is one increment, with no list in between. Returns how many were added.
  template <typename Produce>
  std::uint64_t add_each(float max_value, Produce&& produce);
  // `n` values the caller knows to be below cutoff().
  void add_below(std::uint64_t n) { count_ += n; below_ += n; }

  // Values below cutoff() are only counted: the lower edge of the lowest kept bin.
  float cutoff() const;
  // Raises the cutoff (never lowers it) to the bin of value.
  void raise_cutoff_to(float value);
  // Raises the cutoff to the bin that holds the `level` quantile's rank, once at least `min_count`
  // values were seen and that rank is not below the cutoff.
  void raise_cutoff(double level, std::uint64_t min_count);

  // nullopt when empty, or when the quantile's ranks fell among values dropped below the cutoff.
  std::optional<QuantileBracket> bracket(double q) const;

  // Sums counts; the merged cutoff is the higher one.
  void merge(const TailHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t below() const { return below_; }
  std::size_t bins() const { return bins_.size(); }

  void serialize(std::vector<std::uint8_t>& out) const;
  // Throws std::runtime_error for truncated or corrupt data.
  static TailHistogram deserialize(std::span<const std::uint8_t> data, std::size_t& offset);
  bool operator==(const TailHistogram& other) const;

 private:
  void grow(std::uint32_t bin);
  void drop_below(std::uint32_t bin);

  std::uint32_t floor_ = 0;  // lowest kept bin
  std::uint32_t first_ = 0;  // bin of bins_[0] (>= floor_ when bins_ is not empty)
  std::vector<std::uint32_t> bins_;
  std::uint64_t count_ = 0;
  std::uint64_t below_ = 0;
};

template <typename Produce>
std::uint64_t TailHistogram::add_each(float max_value, Produce&& produce) {
  // One bin above the maximum's takes values that rounding put just past it.
  const std::uint32_t top = std::max(bin_of(max_value) + 1, floor_);
  if (top - floor_ > kEagerBins) {
    // A cutoff far below the values (or none): the bins grow only as far as the values go.
    std::uint64_t n = 0;
    produce([&](float value) {
      add(value);
      ++n;
    });
    return n;
  }
  for (const std::uint32_t b : {floor_, top}) {
    if (bins_.empty() || b < first_ || b - first_ >= bins_.size()) grow(b);
  }
  std::uint32_t* bins = bins_.data();
  const std::uint32_t first = first_;
  std::uint64_t n = 0;
  produce([&](float value) {
    ++bins[bin_of(value) - first];
    ++n;
  });
  count_ += n;
  return n;
}

// The second look: fed every value of the bracket's bins (others are ignored), it finds the exact
// order statistics. A bin with up to kListLimit values is kept as a list, a fuller one (a dead
// ReLU unit's zeros) as one counter per float.
class QuantileRefiner {
 public:
  static constexpr std::uint64_t kListLimit = 1u << 16;

  explicit QuantileRefiner(const QuantileBracket& bracket);
  void add(float value) {
    const std::uint32_t b = TailHistogram::bin_of(value);
    if (b == bracket_.bin_lo) {
      ++seen_;
      if (per_float_.empty()) {
        list_.push_back(value);
      } else {
        ++per_float_[float_key(value) - (bracket_.bin_lo << TailHistogram::kShift)];
      }
    } else if (b == bracket_.bin_hi && (!has_hi_ || value < hi_min_)) {
      hi_min_ = value;
      has_hi_ = true;
    }
  }
  const QuantileBracket& bracket() const { return bracket_; }
  std::size_t bytes() const;
  // Adds what `other` (of the same bracket) was fed over other values: refiners of disjoint shards
  // merge to the refiner of their union.
  void merge(const QuantileRefiner& other);
  void serialize(std::vector<std::uint8_t>& out) const;
  // Throws std::runtime_error for truncated or corrupt data.
  static QuantileRefiner deserialize(const QuantileBracket& bracket, std::span<const std::uint8_t> data,
                                     std::size_t& offset);
  // Throws std::runtime_error when the values fed do not match the histogram's counts.
  double quantile();

 private:
  float nth(std::uint64_t n);  // n-th smallest (0-based) value of bin_lo

  QuantileBracket bracket_;
  std::uint64_t seen_ = 0;
  std::vector<float> list_;
  std::vector<std::uint32_t> per_float_;
  bool sorted_ = false;
  bool has_hi_ = false;
  float hi_min_ = 0.0f;
};

// Planning memory: what a QuantileRefiner for this bracket will hold at most.
std::size_t refiner_bytes(const QuantileBracket& bracket);

}  // namespace unitscope::analysis
