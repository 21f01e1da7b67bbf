// Exact per-unit x concept pixel counts of one layer, their merging, and IoU scoring by convention.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace unitscope::analysis {

struct BrodenSample;

// netdissect-lite: NetDissect-Lite's rules (exact 0.995 quantile of raw maps, per-category activation
// counts, IoU with +1e-10). pnas: the paper (0.99 quantile of upsampled maps, whole-dataset IoU).
enum class Convention { kNetDissectLite, kPnas };

const char* convention_name(Convention convention);  // "netdissect-lite" / "pnas"
Convention parse_convention(const std::string& text);  // throws Error for anything else
double convention_quantile(Convention convention);      // 0.995 / 0.99
bool convention_upsampled_quantile(Convention convention);
inline constexpr double kDetectorIou = 0.04;            // a unit with a higher IoU is a detector

// An exemplar: `image` is the sample's position in the dissected (split-filtered) image list.
struct TopImage {
  float value = 0.0f;  // the unit's maximum raw activation in the image
  std::uint64_t image = 0;
  bool operator==(const TopImage&) const = default;
};

// Counts over a set of images, at fixed thresholds. Tallies of disjoint image sets merge to exactly
// the tally of their union (top-k lists too: ties in value go to the lower image position).
struct IouTally {
  int units = 0;
  int labels = 0;      // label table size: max label number + 1
  int categories = 0;
  int topk = 0;
  std::uint64_t images = 0;
  std::vector<std::int64_t> intersection;    // units x labels: activated pixels carrying the label
  std::vector<std::int64_t> activation;      // units: activated pixels over every image
  std::vector<std::int64_t> activation_cat;  // units x categories: netdissect-lite's per-category A
  std::vector<std::int64_t> label_pixels;    // labels: over every plane; image-level: sh*sw each
  std::vector<std::vector<TopImage>> top;    // per unit, best first, at most topk

  IouTally() = default;
  IouTally(int units, int labels, int categories, int topk);

  std::int64_t& inter(int unit, int label) {
    return intersection[static_cast<std::size_t>(unit) * static_cast<std::size_t>(labels) +
                        static_cast<std::size_t>(label)];
  }
  std::int64_t inter(int unit, int label) const {
    return intersection[static_cast<std::size_t>(unit) * static_cast<std::size_t>(labels) +
                        static_cast<std::size_t>(label)];
  }
  std::int64_t& act_cat(int unit, int category) {
    return activation_cat[static_cast<std::size_t>(unit) * static_cast<std::size_t>(categories) +
                          static_cast<std::size_t>(category)];
  }
  std::int64_t act_cat(int unit, int category) const {
    return activation_cat[static_cast<std::size_t>(unit) * static_cast<std::size_t>(categories) +
                          static_cast<std::size_t>(category)];
  }

  void offer_top(int unit, float value, std::uint64_t image);
  // Throws std::invalid_argument when the shapes differ.
  void merge(const IouTally& other);

  void serialize(std::vector<std::uint8_t>& out) const;
  static IouTally deserialize(std::span<const std::uint8_t> data, std::size_t& offset);

  bool operator==(const IouTally&) const = default;
};

// One image's labels arranged for tallying: its distinct pixel labels, and each row cut into runs
// of pixels that carry the same labels, so that a span of activated pixels adds its overlap with
// each run to the run's labels (segmentations are large regions: a few runs per row).
struct ImageLabels {
  int sh = 0;
  int sw = 0;
  std::vector<std::int32_t> label_ids;     // K distinct nonzero labels of the pixel planes
  // Row y's runs are row_runs[y] .. row_runs[y + 1]; run r ends (exclusive) at x = run_end[r] and
  // starts where the previous run of its row ends (or at 0). Its labels, as slots into label_ids,
  // once per plane that carries one, are run_slots[slot_begin[r] .. slot_begin[r + 1]).
  std::vector<std::int32_t> row_runs;      // sh + 1
  std::vector<std::int32_t> run_end;
  std::vector<std::int32_t> slot_begin;    // runs + 1
  std::vector<std::int32_t> run_slots;
  std::vector<std::int64_t> pixel_totals;  // K: the label's pixels summed over every plane
  std::vector<std::int32_t> scalars;       // image-level labels, repeats kept

  // Pixel (x, y)'s slots, for checks: what the runs say, in plane order.
  std::vector<std::int32_t> slots_at(int x, int y) const;
};

// Throws Error naming the image for a label number outside [0, label_count) or a plane of the
// wrong size.
ImageLabels arrange_labels(const BrodenSample& sample, int label_count);
// Label pixels: every plane's nonzero pixels, and sh*sw for each image-level label.
void add_label_pixels(IouTally& tally, const ImageLabels& labels);

// The best label of one category for one unit, with the counts its IoU came from.
struct CategoryBest {
  int label = 0;
  double iou = 0.0;
  std::int64_t truth = 0;       // label pixels
  std::int64_t activation = 0;  // netdissect-lite: A of the label's category; pnas: all of A
  std::int64_t intersect = 0;
};

struct UnitScore {
  int unit = 0;               // 0-based
  std::vector<double> iou;    // per label number
  std::vector<CategoryBest> best;  // per category
  int category = -1;          // the category of the unit's label (-1: the label has none)
  int label = 0;
  double score = 0.0;         // the unit's IoU with its label
  bool detector(double cutoff = kDetectorIou) const { return score > cutoff; }
};

// label_category[n] is label n's primary category index, or -1 for none (gaps, label 0).
// netdissect-lite: IoU = I / (A_cat(label) + L - I + 1e-10); pnas: I / (A + L - I), 0 when 0/0.
// Best label per category: argmax over the labels of that category, where every other label counts
// as 0 and ties go to the lowest number (numpy's argmax over a masked row, as NetDissect-Lite does).
// The unit's label: netdissect-lite takes the best category's label, ties to the later category
// (NetDissect-Lite's reversed argsort); pnas takes the argmax over all labels, ties to the lowest.
std::vector<UnitScore> score_units(const IouTally& tally, std::span<const int> label_category,
                                   Convention convention);

// Unit indices ordered as tally.csv lists them: score descending, ties by unit ascending.
std::vector<int> ranking(const std::vector<UnitScore>& scores);

}  // namespace unitscope::analysis
