// Targeted PGD attacks on a classifier in pixel space, and how they move each unit's peak activation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

struct AttackOptions {
  ModelSpec model;
  std::filesystem::path dataset;    // Broden or ImageFolder (see ClassImages)
  std::string label_category = "scene";
  std::string split = "val";
  std::size_t limit = 0;            // first N images of the split (0: all)
  std::filesystem::path importance; // an `unitscope ablate` output DIR: layer and unit rankings
  int top_units = 4;                // per class, the units that count as its most important
  double epsilon = 2.0;             // L-infinity bound in 0-255 pixel units
  double step = 0.5;                // per PGD step, pixel units
  int steps = 10;
  std::string target = "next";      // "next" (label + 1), "random", or a class name
  std::uint64_t seed = 1;           // for target "random"
  bool all_images = false;          // false: attack only images the model classifies correctly
  int batch = 8;
  int threads = 0;
  int examples = 6;                 // clean/adversarial pairs kept for the report
};

// Poll from any thread. phase: 0 starting, 1 attacking, 2 done.
struct AttackProgress {
  std::atomic<int> phase{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> total{0};
};

struct AttackedImage {
  std::string name;                 // file or index.csv row
  int label = 0, target = 0, clean_prediction = 0, adversarial_prediction = 0;
  double linf = 0.0;                // largest pixel change, 0-255 units
  double important_change = 0.0;    // mean |peak change| over its important units
  double other_change = 0.0;        // and over all other units
};

struct AttackExample {
  Image clean, adversarial;         // RGB, as the model sees them (after resize and crop)
  int label = 0, target = 0, adversarial_prediction = 0;
};

struct AttackResult {
  std::string model, layer, target_rule;
  std::filesystem::path dataset, importance;
  std::vector<std::string> classes;
  double epsilon = 0.0, step = 0.0;
  int steps = 0, top_units = 0, units = 0;
  std::size_t considered = 0;       // images in the split (after limit)
  std::size_t skipped = 0;          // misclassified (unless all_images) or target == label
  std::vector<AttackedImage> images;
  std::size_t succeeded = 0;        // adversarial prediction == target
  // Means over (image, unit) pairs of |peak(adversarial) - peak(clean)|: the units important to
  // the image's label or target (top_units of each) against every other unit; "relative" divides
  // each change by the unit's mean clean peak over the attacked images.
  double important_change = 0.0, other_change = 0.0;
  double important_relative = 0.0, other_relative = 0.0;
  // Mean signed peak changes, as the paper compares them: the label's important units (expected
  // to fall), the target's (expected to rise) and every other unit. `toward_target` averages the
  // change in the attack's direction (-change for the label's units, +change for the target's).
  double label_units_signed = 0.0, target_units_signed = 0.0, other_units_signed = 0.0;
  double toward_target = 0.0;
  std::vector<double> unit_clean_peak, unit_adversarial_peak, unit_change;  // by unit, means
  std::vector<int> unit_important;  // by unit: attacked images for which it was important
  std::vector<AttackExample> examples;
  double seconds = 0.0;
};

// Throws Error for bad input (no importance DIR, classes that differ from the importance run's,
// an unknown target class, epsilon or step out of range).
AttackResult run_attack(const AttackOptions& options, AttackProgress& progress,
                        std::stop_token stop = {});

}  // namespace unitscope::analysis
