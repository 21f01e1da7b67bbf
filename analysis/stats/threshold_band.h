// pnas thresholds settled by the tally itself: each unit's pixels in its quantile's histogram bins
// are kept aside, with their labels, while the tally counts the pixels above those bins; once every
// image is in, the kept values give the exact quantile and the ones above it are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "analysis/stats/iou_tally.h"
#include "analysis/stats/tail_histogram.h"

namespace unitscope::analysis {

// One unit's band (the values in [bracket.lower_edge(), bracket.upper_edge())) over some images,
// image by image. An image's per-category activation (IouTally::activation_cat) depends on which of
// its band pixels end up above the threshold, so the tally leaves it to settle_unit for these images.
struct UnitBand {
  struct Image {
    std::uint64_t position = 0;
    std::int64_t definite = 0;      // its pixels above the band (already in the tally's counts)
    std::uint32_t pixels_end = 0;   // its band pixels end here (values, label_end)
    std::uint32_t hits_end = 0;     // the categories its definite pixels hit end here (hits)
    std::uint32_t scalars_end = 0;  // its image-level labels end here (scalars)
  };
  std::vector<Image> images;
  std::vector<float> values;
  std::vector<std::uint32_t> label_end;  // per pixel: its labels end here (labels)
  std::vector<std::int32_t> labels;      // label numbers, once per plane that carries one
  std::vector<std::int32_t> hits;
  std::vector<std::int32_t> scalars;

  bool empty() const { return images.empty(); }
  void clear();
  void append(const UnitBand& other);  // other's images after this one's
  void serialize(std::vector<std::uint8_t>& out) const;
  // Throws std::runtime_error for truncated or corrupt data.
  static UnitBand deserialize(std::span<const std::uint8_t> data, std::size_t& offset);
};

// Where a unit's band lies, as the tally's float cutoffs: values above `cutoff` are activated
// whatever the exact threshold; values above `floor` and not above `cutoff` are the band.
struct BandCutoffs {
  float floor = 0.0f;
  float cutoff = 0.0f;
};
BandCutoffs band_cutoffs(const QuantileBracket& bracket);

// The band's size for planning: how many values the bracket's bins hold.
std::uint64_t band_values(const QuantileBracket& bracket);
// What a band of that many values costs to keep, about.
std::size_t band_bytes(std::uint64_t values);

// The exact threshold of `unit` from its bracket and its band over every image (throws std::runtime_error
// when the values disagree with the bracket's counts); adds the band pixels above it to `tally`.
double settle_unit(IouTally& tally, int unit, const QuantileBracket& bracket, const UnitBand& band,
                   std::span<const int> label_category);

}  // namespace unitscope::analysis
