// A mergeable, bounded-memory streaming quantile sketch (KLL) for one unit's activations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace unitscope::analysis {

// KLL compactors (Karnin, Lang, Liberty 2016) plus an exact count of values below a cutoff that the
// caller may raise as data streams in, so that only the upper tail is sketched: a top quantile then
// costs one comparison per value and its rank error is relative to the tail, not to every value.
// Values equal to the cutoff are counted exactly too (ReLU's zeros cost nothing to keep).
//
// Deterministic: the same values in the same order (and the same merges) give bit-identical state.
// Compactions choose their odd/even half from a splitmix64 stream seeded with `seed`
// (kDefaultSeed unless given); the stream's state is part of the serialized sketch.
// Until the first compaction (fewer than about 3k values kept) every answer is exact.
class QuantileSketch {
 public:
  static constexpr std::uint64_t kDefaultSeed = 0x756e697473636f70ull;  // "unitscop"
  static constexpr int kDefaultK = 1024;

  explicit QuantileSketch(int k = kDefaultK, std::uint64_t seed = kDefaultSeed);

  // Values below cutoff() are only counted; the rest are kept. NaN must not be passed.
  void add(float value);
  void add(std::span<const float> values);
  // `n` values the caller knows to be below cutoff() (e.g. a map whose maximum is below it).
  void add_below(std::uint64_t n) { count_ += n; below_ += n; }

  // Raises the cutoff (never lowers it) to the current estimate of the `level` quantile, once at
  // least `min_count` values were seen and that estimate is itself answerable. Returns the cutoff.
  float raise_cutoff(double level, std::uint64_t min_count);
  // Raises the cutoff to `value` directly (never lowers it), e.g. from a first look at the data.
  void raise_cutoff_to(float value);
  float cutoff() const { return cutoff_; }

  // numpy's default (linear) quantile: position q*(n-1) between order statistics, in double.
  // nullopt when empty, or when that position falls among values that were dropped below the
  // cutoff (only possible if the distribution of later values moved well below earlier ones).
  std::optional<double> quantile(double q) const;

  // The other sketch must have the same k. Merging is commutative up to compaction choices.
  void merge(const QuantileSketch& other);

  std::uint64_t count() const { return count_; }        // every value seen, kept or not
  std::uint64_t below() const { return below_; }        // values dropped below the cutoff
  std::size_t retained() const;                         // values held in memory now
  bool exact() const { return levels_.size() <= 1; }    // no compaction happened yet
  int k() const { return k_; }

  // A flat byte image of the whole state (for checkpoints); read back with deserialize.
  void serialize(std::vector<std::uint8_t>& out) const;
  // Reads from `data` at `offset` and advances it. Throws std::runtime_error if truncated/corrupt.
  static QuantileSketch deserialize(std::span<const std::uint8_t> data, std::size_t& offset);

  // Equal state (scratch space aside).
  bool operator==(const QuantileSketch& other) const {
    return k_ == other.k_ && rng_ == other.rng_ && count_ == other.count_ && below_ == other.below_ &&
           at_cutoff_ == other.at_cutoff_ && cutoff_ == other.cutoff_ && levels_ == other.levels_;
  }

 private:
  std::size_t capacity(std::size_t level) const;
  std::size_t total_capacity() const;
  void refresh_limits();
  void compress();
  void compact(std::size_t level);
  std::uint64_t next_random();
  // Every kept value with its weight, sorted by value (stable in level order for equal values).
  std::vector<std::pair<float, std::uint64_t>> weighted_sorted() const;

  int k_;
  std::uint64_t rng_;
  std::uint64_t count_ = 0;
  std::uint64_t below_ = 0;
  std::uint64_t at_cutoff_ = 0;  // values exactly equal to the cutoff: counted, not stored
  float cutoff_;
  std::vector<std::vector<float>> levels_;  // level h holds values of weight 2^h
  std::size_t retained_ = 0;                // cached: sum of level sizes
  std::size_t total_capacity_ = 0;          // cached: total_capacity()
  std::vector<float> scratch_;              // sort buffer; not part of the state
};

}  // namespace unitscope::analysis
