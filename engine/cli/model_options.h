// The --model and preprocessing options every model-running subcommand shares.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/model/model_spec.h"

namespace CLI {
class App;
}

namespace unitscope::engine {

// Filled by CLI11; spec() turns it into an analysis::ModelSpec (throws analysis::Error for bad values).
struct ModelOptions {
  std::string model;
  std::string mean;           // "R,G,B" or one value, 0-255 units
  std::string std;
  std::string channel_order;  // rgb or bgr
  int resize = -1;            // -1: not given
  int crop = -1;
  bool stretch = false;
  std::uint64_t seed = 1;
  int threads = 0;

  analysis::ModelSpec spec() const;
};

// Adds --model (required unless default_model is set), --mean, --std, --resize, --crop, --stretch,
// --channel-order, --seed and --threads.
void add_model_options(CLI::App& command, ModelOptions& options, const std::string& default_model = {});

}  // namespace unitscope::engine
