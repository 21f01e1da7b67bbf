// The dissection the studio runs for its model: a classifier against a Broden dataset (the demo
// dataset by default), a generator through GAN dissection of its own samples with the demo
// segmenter. Shared by the dissection panel and `unitscope record`, with the CLI's defaults.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/dissect/dissection.h"

namespace unitscope::engine {

struct StudioDissectionRequest {
  std::string model;                 // a resolved model path or builtin: name
  std::vector<std::string> layers;
  bool generator = false;
  std::filesystem::path dataset;     // classifier only; empty: the demo dataset
  analysis::Convention convention = analysis::Convention::kPnas;
  std::size_t limit = 0;             // images (classifier) or samples (generator, 0: 1000)
  std::filesystem::path out;         // Studio::dissection_cache_dir(); results go to out/<convention>
  std::function<void(const analysis::LayerResult&)> on_partial;  // see DissectOptions
  int threads = 0;                   // LibTorch intra-op threads; 0: one per core
};

// Where run_studio_dissection writes: out/<convention>.
std::filesystem::path studio_dissection_out(const StudioDissectionRequest& request);

analysis::DissectionResult run_studio_dissection(const StudioDissectionRequest& request,
                                                 analysis::DissectProgress& progress, std::stop_token stop = {});

}  // namespace unitscope::engine
