// Reading a finished dissection back (DIR/<layer>/dissection.json), for the analyses that choose
// units by concept or weigh them by IoU: GAN interventions, ablation, painting and the studio.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace unitscope::analysis {

// A unit's best label within one category.
struct CategoryLabel {
  std::string label;              // "" when the category has none
  int label_number = -1;
  double iou = 0.0;
};

// One of a unit's top images (dissection.json's "top"), best first.
struct UnitTopImage {
  std::string image;            // path as index.csv gives it (relative to the dataset's images/)
  std::filesystem::path path;   // absolute, under LayerDissection::dataset; empty without a dataset
  std::size_t row = 0;          // 0-based data row of index.csv
  std::uint64_t position = 0;   // in the dissected image list
  double value = 0.0;           // the unit's maximum activation there
};

struct UnitSummary {
  int unit = 0;                   // 0-based index (the file says unit_number(unit))
  double threshold = 0.0;         // the dissection quantile of the unit's activations
  std::string label;              // best concept ("" when none)
  std::string category;
  double iou = 0.0;
  std::vector<double> iou_by_label;  // by label number
  std::vector<CategoryLabel> best;   // by category index (LayerDissection::categories)
  std::vector<UnitTopImage> top;     // empty in files written before top images were kept
};

struct LayerDissection {
  std::string layer;
  std::vector<std::int64_t> shape;
  std::string convention;
  double detector_iou = 0.04;       // the run's --iou-threshold: a higher IoU makes a detector
  // The dissected dataset as an absolute path (a relative one is taken from the working
  // directory); empty when the file does not say.
  std::filesystem::path dataset;
  std::vector<std::string> labels;  // by label number
  std::vector<std::string> categories;
  // By label number: the primary category index, where some unit's best label of a category
  // shows it (dissection.json does not list it for the others), else -1.
  std::vector<int> label_category;
  std::vector<UnitSummary> units;   // by unit index

  // The label number of a concept name; throws Error listing close names when there is none.
  int label_number(const std::string& concept_name) const;
  // The `n` units (0-based indices) with the highest IoU for the concept, best first (ties: lower
  // unit first).
  std::vector<int> top_units(const std::string& concept_name, int n) const;
};

// `path` is a dissection.json, or a dissect/gan-dissect output directory plus `layer`. The file's
// unit numbers count from its "unit_numbering" (1 since it was added; a file without it, of an
// earlier version, counts from 0); units come back as 0-based indices either way.
LayerDissection read_layer_dissection(const std::filesystem::path& path);
LayerDissection read_layer_dissection(const std::filesystem::path& dir, const std::string& layer);

}  // namespace unitscope::analysis
