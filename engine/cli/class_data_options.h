// What `ablate` and `attack` share: a classifier with its labelled images, progress lines and Ctrl-C.
#pragma once

#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <utility>

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

// Prints "<command>: <phase>" on stderr when the phase changes and a line per tenth of each
// phase's images. Not thread-safe: one watcher thread calls update().
class ProgressLines {
 public:
  explicit ProgressLines(std::string command) : command_(std::move(command)) {}
  // `phase_name` null: no line for this phase's start.
  void update(int phase, const char* phase_name, std::size_t done, std::size_t total);

 private:
  std::string command_;
  int phase_ = -1;
  std::size_t tenth_ = 0;
};

// Runs job(stop) on this thread while another calls `poll` about five times a second; the first
// Ctrl-C requests a stop, a second ends the process. A job that stops early throws
// analysis::Error("<command>: interrupted ...") whatever it threw; other exceptions pass through.
void run_interruptible(const std::string& command, const std::function<void(std::stop_token)>& job,
                       const std::function<void()>& poll);

}  // namespace unitscope::engine
