// Unit importance by ablation (Bau et al. PNAS 2020): per-class unit rankings on the train split,
// removal curves on val, and importance against interpretability. Plain results; torch inside.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/layer_layout.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

// Labelled images for a classifier: a Broden-format directory (the image-level labels of one
// category, "scene" by default, named as the model's classes) or an ImageFolder directory
// (DIR/<class>/*.png|jpg, or DIR/train/<class> and DIR/val/<class>). Thread-safe reads.
class ClassImages {
 public:
  // `classes`: the model's class names (Sidecar::classes); empty: an ImageFolder's sorted
  // subdirectory names are the classes, in index order. `split`: "train", "val" or "" (all).
  // An ImageFolder without train/ and val/ puts every other image (sorted by name) in val.
  // Throws Error naming the file, row or class for labels that are not among `classes`.
  static ClassImages open(const std::filesystem::path& dir, const std::vector<std::string>& classes,
                          const std::string& split, const std::string& label_category = "scene",
                          std::size_t limit = 0);
  ClassImages(ClassImages&&) noexcept;
  ClassImages& operator=(ClassImages&&) noexcept;
  ~ClassImages();

  std::size_t size() const;
  int label(std::size_t i) const;           // class index
  const std::string& name(std::size_t i) const;  // file or "index.csv row R", for messages
  Image read(std::size_t i) const;          // throws Error naming the file when it cannot decode
  const std::vector<std::string>& classes() const;
  std::vector<std::size_t> class_counts() const;

  struct Impl;  // opaque; public only so the .cpp's helpers can fill it

 private:
  explicit ClassImages(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ClassImportance;

struct ImportanceOptions {
  ModelSpec model;
  std::string layer;               // a layer forward_from can start at (e.g. features.28)
  LayerLayout layout = LayerLayout::kAuto;  // how the layer holds its units (layer_layout.h)
  std::filesystem::path dataset;   // Broden or ImageFolder, see ClassImages
  std::string label_category = "scene";
  std::string train_split = "train";  // ranks units
  std::string val_split = "val";      // curves
  std::size_t limit = 0;           // per split, first N images (0: all)
  int curve_k = 20;                // curves for k = 0..curve_k (clamped to the unit count)
  int random_repeats = 5;          // random removal orders averaged for the baseline curve
  std::uint64_t seed = 1;          // random removal orders
  int top_n = 4;                   // "top-n of a class" for importance against interpretability
  int many = 0;                    // units in the top-n of >= many classes are "many"; 0: 7 with
                                   // 100+ classes (as the paper), else 2
  std::filesystem::path dissection;  // optional `unitscope dissect` output DIR for unit IoUs
  // Unit IoUs leave out label_category's concepts (the classes themselves) unless this is set.
  bool iou_with_label_category = false;
  int batch = 16;                  // images per forward to the layer
  int max_rows = 512;              // ablated samples per forward from the layer
  int threads = 0;
  // Called on the measuring thread as each class's curves (removed, kept, random; ranking and
  // accuracies too) become final, in class order, before measure_importance returns. Must return
  // quickly and not throw; the class is copied into the result unchanged.
  std::function<void(const ClassImportance&)> on_class;
};

// Poll from any thread. phase: 0 starting, 1 ranking on train, 2 curves on val, 3 done.
struct ImportanceProgress {
  std::atomic<int> phase{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> total{0};
};

struct ClassImportance {
  std::string name;
  std::size_t train_images = 0, val_images = 0;  // of this class
  double train_accuracy = 0.0;     // balanced, one-vs-rest, no ablation
  double val_accuracy = 0.0;
  std::vector<int> ranking;        // every unit, most important first
  std::vector<double> drop;        // by unit: train balanced-accuracy drop when it alone is zeroed
  std::vector<double> margin_drop; // by unit: drop of the mean log-probability of the class on its
                                   // own train images (breaks ties of `drop`)
  // Val balanced accuracy for k = 0..K: top-k removed, all but top-k removed, k random removed
  // (mean over random_repeats orders).
  std::vector<double> removed, kept, random;
};

struct InterpretabilityBucket {
  std::string name;                // "0", "1", ... or "few (0-1)", "many (>=7)"
  int units = 0;
  int with_iou = 0;                // units the dissection covers
  double mean_iou = 0.0;
};

struct ImportanceResult {
  std::string model, layer;
  std::filesystem::path dataset, dissection;
  int units = 0, curve_k = 0, top_n = 4, many = 2, random_repeats = 0;
  std::size_t train_images = 0, val_images = 0;
  std::vector<ClassImportance> classes;
  // Means over classes that have val images, k = 0..K.
  std::vector<double> mean_removed, mean_kept, mean_random;
  std::vector<int> top_n_count;           // by unit: classes whose top-n holds it
  std::string iou_excluded;               // category left out of unit IoUs, if any
  std::vector<double> unit_iou;           // by unit; NaN without a dissection
  std::vector<std::string> unit_label;    // by unit; empty without a dissection
  std::vector<InterpretabilityBucket> by_count;  // one per top_n_count value 0..max
  std::vector<InterpretabilityBucket> few_many;  // two, when a dissection is given
  double seconds = 0.0;
  std::size_t ablated_samples = 0;        // rows run through the layers after `layer`
};

// Thrown by measure_importance and run_attack when their stop token fires.
class InterventionCancelled : public std::runtime_error {
 public:
  InterventionCancelled() : std::runtime_error("interrupted") {}
};

// Throws Error for bad input (unknown layer, a layer the model cannot start from, class names that
// do not match, an empty split, a dissection of another layer or unit count).
ImportanceResult measure_importance(const ImportanceOptions& options, ImportanceProgress& progress,
                                    std::stop_token stop = {});

// Fills unit_iou, unit_label, by_count and few_many from top_n_count and, when `dissection` is
// not empty, DIR/<layer>/dissection.json (or tally.csv): each unit's best IoU over every category
// but `exclude_category` (none if empty). Torch-free; measure_importance calls it.
void summarize_interpretability(ImportanceResult& result, const std::filesystem::path& dissection,
                                const std::string& exclude_category = {});

}  // namespace unitscope::analysis
