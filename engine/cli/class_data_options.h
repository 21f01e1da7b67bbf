// What `ablate` and `attack` share on the command line: a classifier with its labelled images.
#pragma once

#include <cstddef>
#include <string>

#include "engine/cli/model_options.h"

namespace CLI {
class App;
}

namespace unitscope::engine {

// Filled by CLI11; apply() copies it into analysis::ImportanceOptions or analysis::AttackOptions.
struct ClassDataOptions {
  ModelOptions model;
  std::string dataset;  // empty: the demo dataset (written on first use)
  std::string label_category = "scene";
  std::size_t limit = 0;

  std::string dataset_or_demo() const;
  template <class Options>
  void apply(Options& options) const {
    options.model = model.spec();
    options.threads = model.threads;
    options.dataset = dataset_or_demo();
    options.label_category = label_category;
    options.limit = limit;
  }
};

// Adds the model options (default: the demo classifier), --dataset, --label-category and --limit.
void add_class_data_options(CLI::App& command, ClassDataOptions& options, const std::string& limit_help);

}  // namespace unitscope::engine
