#include "analysis/stats/threshold_band.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "analysis/data/byte_io.h"
#include "analysis/stats/tally_kernels.h"

namespace unitscope::analysis {

namespace {

constexpr std::uint32_t kBandMagic = 0x42414e31;  // "BAN1"

template <typename T>
void check_ends(const std::vector<T>& ends, std::size_t size, const char* what) {
  std::size_t last = 0;
  for (const T end : ends) {
    if (end < last || end > size) throw std::runtime_error(std::string(what) + ": corrupt data");
    last = end;
  }
  if (last != size) throw std::runtime_error(std::string(what) + ": corrupt data");
}

}  // namespace

void UnitBand::clear() {
  images.clear();
  values.clear();
  label_end.clear();
  labels.clear();
  hits.clear();
  scalars.clear();
}

void UnitBand::append(const UnitBand& other) {
  const auto pixels = static_cast<std::uint32_t>(values.size()), hit_count = static_cast<std::uint32_t>(hits.size()),
             scalar_count = static_cast<std::uint32_t>(scalars.size()), label_count = static_cast<std::uint32_t>(labels.size());
  for (Image image : other.images) {
    image.pixels_end += pixels;
    image.hits_end += hit_count;
    image.scalars_end += scalar_count;
    images.push_back(image);
  }
  values.insert(values.end(), other.values.begin(), other.values.end());
  for (const std::uint32_t end : other.label_end) label_end.push_back(end + label_count);
  labels.insert(labels.end(), other.labels.begin(), other.labels.end());
  hits.insert(hits.end(), other.hits.begin(), other.hits.end());
  scalars.insert(scalars.end(), other.scalars.begin(), other.scalars.end());
}

void UnitBand::serialize(std::vector<std::uint8_t>& out) const {
  bytes::put(out, kBandMagic);
  bytes::put(out, static_cast<std::uint64_t>(images.size()));
  for (const Image& image : images) {
    bytes::put(out, image.position);
    bytes::put(out, image.definite);
    bytes::put(out, image.pixels_end);
    bytes::put(out, image.hits_end);
    bytes::put(out, image.scalars_end);
  }
  bytes::put_vector(out, values);
  bytes::put_vector(out, label_end);
  bytes::put_vector(out, labels);
  bytes::put_vector(out, hits);
  bytes::put_vector(out, scalars);
}

UnitBand UnitBand::deserialize(std::span<const std::uint8_t> data, std::size_t& offset) {
  const char* what = "threshold band";
  if (bytes::get<std::uint32_t>(data, offset, what) != kBandMagic) throw std::runtime_error("threshold band: bad magic");
  UnitBand band;
  const auto images = bytes::get<std::uint64_t>(data, offset, what);
  if (images > data.size()) throw std::runtime_error("threshold band: corrupt data");
  band.images.resize(static_cast<std::size_t>(images));
  for (Image& image : band.images) {
    image.position = bytes::get<std::uint64_t>(data, offset, what);
    image.definite = bytes::get<std::int64_t>(data, offset, what);
    image.pixels_end = bytes::get<std::uint32_t>(data, offset, what);
    image.hits_end = bytes::get<std::uint32_t>(data, offset, what);
    image.scalars_end = bytes::get<std::uint32_t>(data, offset, what);
  }
  band.values = bytes::get_vector<float>(data, offset, what);
  band.label_end = bytes::get_vector<std::uint32_t>(data, offset, what);
  band.labels = bytes::get_vector<std::int32_t>(data, offset, what);
  band.hits = bytes::get_vector<std::int32_t>(data, offset, what);
  band.scalars = bytes::get_vector<std::int32_t>(data, offset, what);
  std::vector<std::uint32_t> pixels, hits, scalars;
  for (const Image& image : band.images) {
    pixels.push_back(image.pixels_end);
    hits.push_back(image.hits_end);
    scalars.push_back(image.scalars_end);
  }
  if (band.label_end.size() != band.values.size()) throw std::runtime_error("threshold band: corrupt data");
  check_ends(pixels, band.values.size(), what);
  check_ends(hits, band.hits.size(), what);
  check_ends(scalars, band.scalars.size(), what);
  check_ends(band.label_end, band.labels.size(), what);
  return band;
}

BandCutoffs band_cutoffs(const QuantileBracket& bracket) {
  // x > nextafter(e, -inf) exactly when x >= e.
  constexpr float kDown = -std::numeric_limits<float>::infinity();
  return {std::nextafter(bracket.lower_edge(), kDown), std::nextafter(bracket.upper_edge(), kDown)};
}

std::uint64_t band_values(const QuantileBracket& bracket) { return bracket.in_lo + bracket.in_hi; }

std::size_t band_bytes(std::uint64_t values) {
  // A value, its label list's end and about three labels; images cost less than their pixels.
  return static_cast<std::size_t>(values) * 32;
}

double settle_unit(IouTally& tally, int unit, const QuantileBracket& bracket, const UnitBand& band,
                   std::span<const int> label_category) {
  QuantileRefiner refiner(bracket);
  for (const float v : band.values) refiner.add(v);
  const double threshold = refiner.quantile();
  const float thr = round_down(threshold);
  std::vector<char> hit(static_cast<std::size_t>(tally.categories));
  auto mark = [&](std::int32_t label) {
    const int c = label_category[static_cast<std::size_t>(label)];
    if (c >= 0) hit[static_cast<std::size_t>(c)] = 1;
  };
  // The band comes from a file: labels and categories out of range are damage, not a crash.
  for (const std::int32_t label : band.labels) {
    if (label < 0 || label >= tally.labels) throw std::runtime_error("threshold band: label out of range");
  }
  for (const std::int32_t label : band.scalars) {
    if (label < 0 || label >= tally.labels) throw std::runtime_error("threshold band: label out of range");
  }
  for (const std::int32_t c : band.hits) {
    if (c < 0 || c >= tally.categories) throw std::runtime_error("threshold band: category out of range");
  }
  std::uint32_t pixel = 0, hit_at = 0, scalar_at = 0;
  for (const UnitBand::Image& image : band.images) {
    std::fill(hit.begin(), hit.end(), 0);
    for (; hit_at < image.hits_end; ++hit_at) hit[static_cast<std::size_t>(band.hits[hit_at])] = 1;
    std::int64_t above = 0;
    for (; pixel < image.pixels_end; ++pixel) {
      if (!(band.values[pixel] > thr)) continue;
      ++above;
      for (std::uint32_t l = pixel == 0 ? 0 : band.label_end[pixel - 1]; l < band.label_end[pixel]; ++l) {
        tally.inter(unit, band.labels[l]) += 1;
        mark(band.labels[l]);
      }
    }
    const std::int64_t total = image.definite + above;
    for (; scalar_at < image.scalars_end; ++scalar_at) {
      const std::int32_t s = band.scalars[scalar_at];
      tally.inter(unit, s) += above;
      if (total > 0) mark(s);
    }
    tally.activation[static_cast<std::size_t>(unit)] += above;
    if (total == 0) continue;
    for (int c = 0; c < tally.categories; ++c) {
      if (hit[static_cast<std::size_t>(c)]) tally.act_cat(unit, c) += total;
    }
  }
  return threshold;
}

}  // namespace unitscope::analysis
