// An order-free sum of floats, so that per-shard sums merge to exactly one process's sum.
#pragma once

#include <cmath>
#include <cstdint>

namespace unitscope::analysis {

// Each value in fixed point, in units of 2^-64 (its bits below that dropped, the same way whatever
// the order), summed as a 128-bit integer: any order and any split over shards gives the same bits.
// Values must be finite and below 2^62 in size; a sum stays exact up to 2^63.
class ExactSum {
 public:
  __extension__ typedef __int128 Fixed;
  __extension__ typedef unsigned __int128 Bits;

  void add(float value) {
    const double clamped = std::fmax(-0x1p62, std::fmin(0x1p62, static_cast<double>(value)));
    fixed_ += static_cast<Fixed>(std::ldexp(clamped, 64));
  }
  void merge(const ExactSum& other) { fixed_ += other.fixed_; }
  double value() const { return std::ldexp(static_cast<double>(fixed_), -64); }

  std::uint64_t low() const { return static_cast<std::uint64_t>(fixed_); }
  std::uint64_t high() const { return static_cast<std::uint64_t>(static_cast<Bits>(fixed_) >> 64); }
  static ExactSum from_parts(std::uint64_t low, std::uint64_t high) {
    ExactSum s;
    s.fixed_ = static_cast<Fixed>((static_cast<Bits>(high) << 64) | low);
    return s;
  }
  bool operator==(const ExactSum&) const = default;

 private:
  Fixed fixed_ = 0;
};

}  // namespace unitscope::analysis
