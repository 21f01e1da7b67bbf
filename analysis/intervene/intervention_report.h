// Files of `unitscope ablate` and `unitscope attack`: CSV, JSON and one self-contained HTML page each.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/intervene/adversarial.h"
#include "analysis/intervene/unit_importance.h"

namespace unitscope::analysis {

// DIR/ablation.json (everything, rankings included), importance.csv (class, rank, unit, drops),
// curves.csv (class, k, removed, kept, random; class "mean" too), units.csv and report.html. Units
// are numbered from 1 in all of them (analysis/data/unit_numbering.h).
void write_importance(const std::filesystem::path& dir, const ImportanceResult& result);
std::string importance_json(const ImportanceResult& result);
std::string importance_html(const ImportanceResult& result);

// What `attack` needs from an ablate run.
struct ImportanceSummary {
  std::string model, layer;
  int units = 0;
  std::vector<std::string> classes;
  std::vector<std::vector<int>> rankings;  // by class: 0-based units, most important first
};
// Reads DIR/ablation.json, whose rankings count units from its "unit_numbering" (1; files of
// earlier versions have none and count from 0). Throws Error naming the file when it is missing
// or malformed, and the class and unit for a unit out of range.
ImportanceSummary read_importance(const std::filesystem::path& dir);

// DIR/attack.json (summary and per-unit means), attack_images.csv, attack_units.csv (units
// numbered from 1), report.html.
void write_attack(const std::filesystem::path& dir, const AttackResult& result);
std::string attack_json(const AttackResult& result);
std::string attack_html(const AttackResult& result);

// Unit IoUs and labels from a `unitscope dissect` DIR: DIR/<layer>/dissection.json, else tally.csv;
// with `exclude_category`, the best label of the other categories. Throws Error naming the file
// for a missing layer, a malformed file or a unit count != `units`.
struct DissectionUnits {
  std::vector<double> iou;
  std::vector<std::string> label;
};
DissectionUnits read_dissection_units(const std::filesystem::path& dir, const std::string& layer,
                                      int units, const std::string& exclude_category = {});

}  // namespace unitscope::analysis
