#include "analysis/stats/tail_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "analysis/data/byte_io.h"

namespace unitscope::analysis {

namespace {

constexpr std::uint32_t kBinMagic = 0x54484731;  // "THG1"

float from_key(std::uint32_t key) {
  const std::uint32_t u = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// The smallest float of a bin; bins below -inf's hold only NaN keys.
float lower_edge_of(std::uint32_t bin) {
  const std::uint32_t lowest = float_key(-std::numeric_limits<float>::infinity());
  return from_key(std::max(bin << TailHistogram::kShift, lowest));
}

}  // namespace

float QuantileBracket::lower_edge() const { return lower_edge_of(bin_lo); }

float QuantileBracket::upper_edge() const {
  const std::uint32_t next = bin_hi + 1;
  // Past +infinity's bin lie only NaN keys.
  if (next > TailHistogram::bin_of(std::numeric_limits<float>::infinity())) return std::numeric_limits<float>::infinity();
  return lower_edge_of(next);
}

double QuantileBracket::estimate() const {
  const double lo = lower_edge(), hi = rank_hi == rank_lo ? lo : lower_edge_of(bin_hi);
  return lo * (1.0 - t) + hi * t;
}

void QuantileBracket::serialize(std::vector<std::uint8_t>& out) const {
  const QuantileBracket& b = *this;
  bytes::put(out, b.bin_lo);
  bytes::put(out, b.bin_hi);
  bytes::put(out, b.before);
  bytes::put(out, b.in_lo);
  bytes::put(out, b.in_hi);
  bytes::put(out, b.rank_lo);
  bytes::put(out, b.rank_hi);
  bytes::put(out, b.t);
}

QuantileBracket QuantileBracket::deserialize(std::span<const std::uint8_t> data, std::size_t& offset) {
  const char* what = "quantile bracket";
  QuantileBracket b;
  b.bin_lo = bytes::get<std::uint32_t>(data, offset, what);
  b.bin_hi = bytes::get<std::uint32_t>(data, offset, what);
  b.before = bytes::get<std::uint64_t>(data, offset, what);
  b.in_lo = bytes::get<std::uint64_t>(data, offset, what);
  b.in_hi = bytes::get<std::uint64_t>(data, offset, what);
  b.rank_lo = bytes::get<std::uint64_t>(data, offset, what);
  b.rank_hi = bytes::get<std::uint64_t>(data, offset, what);
  b.t = bytes::get<double>(data, offset, what);
  if (b.bin_hi < b.bin_lo || b.rank_hi < b.rank_lo || b.rank_lo < b.before || !(b.t >= 0.0 && b.t <= 1.0)) {
    throw std::runtime_error("quantile bracket: corrupt data");
  }
  return b;
}

float TailHistogram::cutoff() const { return lower_edge_of(floor_); }

void TailHistogram::grow(std::uint32_t bin) {
  if (bins_.empty()) {
    first_ = bin;
    bins_.assign(1, 0);
    return;
  }
  if (bin < first_) {
    bins_.insert(bins_.begin(), first_ - bin, 0);
    first_ = bin;
  } else {
    bins_.resize(static_cast<std::size_t>(bin - first_) + 1, 0);
  }
}

void TailHistogram::drop_below(std::uint32_t bin) {
  floor_ = std::max(floor_, bin);
  if (bins_.empty() || floor_ <= first_) return;
  const std::size_t drop = std::min<std::size_t>(bins_.size(), floor_ - first_);
  for (std::size_t i = 0; i < drop; ++i) below_ += bins_[i];
  bins_.erase(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(drop));
  first_ = bins_.empty() ? 0 : floor_;
}

void TailHistogram::raise_cutoff_to(float value) {
  if (std::isnan(value)) return;
  drop_below(bin_of(value));
}

void TailHistogram::raise_cutoff(double level, std::uint64_t min_count) {
  if (count_ < min_count || count_ == 0) return;
  const auto rank = static_cast<std::uint64_t>(std::floor(std::clamp(level, 0.0, 1.0) * static_cast<double>(count_ - 1)));
  if (rank < below_) return;
  std::uint64_t seen = below_;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (rank < seen) {
      drop_below(first_ + static_cast<std::uint32_t>(i));
      return;
    }
  }
}

std::optional<QuantileBracket> TailHistogram::bracket(double q) const {
  if (count_ == 0) return std::nullopt;
  const double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(count_ - 1);
  QuantileBracket b;
  b.rank_lo = static_cast<std::uint64_t>(std::floor(position));
  b.rank_hi = std::min<std::uint64_t>(b.rank_lo + 1, count_ - 1);
  b.t = position - static_cast<double>(b.rank_lo);
  if (b.rank_lo < below_) return std::nullopt;
  std::uint64_t seen = below_;
  bool found_lo = false;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    if (bins_[i] == 0) continue;
    const std::uint32_t bin = first_ + static_cast<std::uint32_t>(i);
    if (!found_lo && b.rank_lo < seen + bins_[i]) {
      found_lo = true;
      b.bin_lo = bin;
      b.before = seen;
      b.in_lo = bins_[i];
    }
    if (found_lo && b.rank_hi < seen + bins_[i]) {
      b.bin_hi = bin;
      if (bin != b.bin_lo) b.in_hi = bins_[i];
      return b;
    }
    seen += bins_[i];
  }
  throw std::logic_error("tail histogram: counts do not add up");
}

void TailHistogram::merge(const TailHistogram& other) {
  count_ += other.count_;
  below_ += other.below_;
  drop_below(other.floor_);
  for (std::size_t i = 0; i < other.bins_.size(); ++i) {
    const std::uint32_t bin = other.first_ + static_cast<std::uint32_t>(i);
    if (other.bins_[i] == 0) continue;
    if (bin < floor_) {
      below_ += other.bins_[i];
      continue;
    }
    if (bin < first_ || bins_.empty() || bin - first_ >= bins_.size()) grow(bin);
    bins_[bin - first_] += other.bins_[i];
  }
}

bool TailHistogram::operator==(const TailHistogram& other) const {
  if (count_ != other.count_ || below_ != other.below_ || floor_ != other.floor_) return false;
  // Leading or trailing empty bins are no difference in content.
  auto trimmed = [](const TailHistogram& h) {
    std::size_t a = 0, b = h.bins_.size();
    while (a < b && h.bins_[a] == 0) ++a;
    while (b > a && h.bins_[b - 1] == 0) --b;
    return std::make_pair(h.first_ + static_cast<std::uint32_t>(a),
                          std::vector<std::uint32_t>(h.bins_.begin() + static_cast<std::ptrdiff_t>(a),
                                                     h.bins_.begin() + static_cast<std::ptrdiff_t>(b)));
  };
  const auto x = trimmed(*this), y = trimmed(other);
  return x.second == y.second && (x.second.empty() || x.first == y.first);
}

void TailHistogram::serialize(std::vector<std::uint8_t>& out) const {
  bytes::put(out, kBinMagic);
  bytes::put(out, floor_);
  bytes::put(out, first_);
  bytes::put(out, count_);
  bytes::put(out, below_);
  bytes::put_vector(out, bins_);
}

TailHistogram TailHistogram::deserialize(std::span<const std::uint8_t> data, std::size_t& offset) {
  const char* what = "tail histogram";
  if (bytes::get<std::uint32_t>(data, offset, what) != kBinMagic) throw std::runtime_error("tail histogram: bad magic");
  TailHistogram h;
  h.floor_ = bytes::get<std::uint32_t>(data, offset, what);
  h.first_ = bytes::get<std::uint32_t>(data, offset, what);
  h.count_ = bytes::get<std::uint64_t>(data, offset, what);
  h.below_ = bytes::get<std::uint64_t>(data, offset, what);
  h.bins_ = bytes::get_vector<std::uint32_t>(data, offset, what);
  std::uint64_t kept = 0;
  for (std::uint32_t c : h.bins_) kept += c;
  const std::uint64_t last = std::uint64_t{h.first_} + h.bins_.size();
  if (h.below_ > h.count_ || kept != h.count_ - h.below_ || last > (std::uint64_t{1} << (32 - kShift)) ||
      (!h.bins_.empty() && h.first_ < h.floor_)) {
    throw std::runtime_error("tail histogram: corrupt data");
  }
  return h;
}

QuantileRefiner::QuantileRefiner(const QuantileBracket& bracket) : bracket_(bracket) {
  if (bracket.in_lo > kListLimit) {
    per_float_.assign(std::size_t{1} << TailHistogram::kShift, 0);
  } else {
    list_.reserve(static_cast<std::size_t>(bracket.in_lo));
  }
}

std::size_t refiner_bytes(const QuantileBracket& bracket) {
  return bracket.in_lo > QuantileRefiner::kListLimit ? (std::size_t{1} << TailHistogram::kShift) * sizeof(std::uint32_t)
                                                    : static_cast<std::size_t>(bracket.in_lo) * sizeof(float);
}

std::size_t QuantileRefiner::bytes() const {
  return list_.capacity() * sizeof(float) + per_float_.size() * sizeof(std::uint32_t);
}

float QuantileRefiner::nth(std::uint64_t n) {
  if (per_float_.empty()) {
    if (!sorted_) {
      std::sort(list_.begin(), list_.end());
      sorted_ = true;
    }
    return list_[static_cast<std::size_t>(n)];
  }
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < per_float_.size(); ++i) {
    seen += per_float_[i];
    if (n < seen) return from_key((bracket_.bin_lo << TailHistogram::kShift) + static_cast<std::uint32_t>(i));
  }
  throw std::logic_error("quantile refiner: rank out of range");
}

double QuantileRefiner::quantile() {
  const QuantileBracket& b = bracket_;
  if (seen_ != b.in_lo || (b.bin_hi != b.bin_lo && !has_hi_)) {
    throw std::runtime_error("quantile refiner: the values seen again (" + std::to_string(seen_) +
                             ") differ from the first pass (" + std::to_string(b.in_lo) + ")");
  }
  const auto a = static_cast<double>(nth(b.rank_lo - b.before));
  double c = a;
  if (b.rank_hi != b.rank_lo) c = b.bin_hi == b.bin_lo ? static_cast<double>(nth(b.rank_hi - b.before)) : hi_min_;
  return a * (1.0 - b.t) + c * b.t;
}

}  // namespace unitscope::analysis

namespace unitscope::analysis {

void QuantileRefiner::merge(const QuantileRefiner& other) {
  seen_ += other.seen_;
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
  sorted_ = false;
  for (std::size_t i = 0; i < other.per_float_.size() && i < per_float_.size(); ++i) per_float_[i] += other.per_float_[i];
  if (other.has_hi_ && (!has_hi_ || other.hi_min_ < hi_min_)) {
    hi_min_ = other.hi_min_;
    has_hi_ = true;
  }
}

void QuantileRefiner::serialize(std::vector<std::uint8_t>& out) const {
  bytes::put(out, seen_);
  bytes::put_vector(out, list_);
  // A full bin's counters are mostly zero (a dead unit's values sit on a few floats): only the others.
  std::vector<std::uint32_t> counted;
  for (std::size_t i = 0; i < per_float_.size(); ++i) {
    if (per_float_[i] != 0) counted.insert(counted.end(), {static_cast<std::uint32_t>(i), per_float_[i]});
  }
  bytes::put_vector(out, counted);
  bytes::put(out, static_cast<std::uint8_t>(has_hi_));
  bytes::put(out, hi_min_);
}

QuantileRefiner QuantileRefiner::deserialize(const QuantileBracket& bracket, std::span<const std::uint8_t> data,
                                             std::size_t& offset) {
  QuantileRefiner r(bracket);
  r.seen_ = bytes::get<std::uint64_t>(data, offset, "quantile refiner");
  r.list_ = bytes::get_vector<float>(data, offset, "quantile refiner");
  const auto counted = bytes::get_vector<std::uint32_t>(data, offset, "quantile refiner");
  if (counted.size() % 2 != 0 || (!counted.empty() && r.per_float_.empty())) {
    throw std::runtime_error("quantile refiner: corrupt data");
  }
  for (std::size_t i = 0; i < counted.size(); i += 2) {
    if (counted[i] >= r.per_float_.size()) throw std::runtime_error("quantile refiner: corrupt data");
    r.per_float_[counted[i]] = counted[i + 1];
  }
  r.has_hi_ = bytes::get<std::uint8_t>(data, offset, "quantile refiner") != 0;
  r.hi_min_ = bytes::get<float>(data, offset, "quantile refiner");
  return r;
}

}  // namespace unitscope::analysis
