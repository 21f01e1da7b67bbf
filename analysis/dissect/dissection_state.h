// The resumable state of one dissection run (unit statistics, thresholds, tallies) and its checkpoint bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "analysis/data/checkpoint_file.h"
#include "analysis/stats/exact_sum.h"
#include "analysis/stats/iou_tally.h"
#include "analysis/stats/tail_histogram.h"

namespace unitscope::analysis {

// Matches DissectProgress::phase.
enum DissectPhase : int { kPhaseStarting = 0, kPhaseForward = 1, kPhaseTally = 2, kPhaseReport = 3, kPhaseDone = 4 };

struct LayerState {
  std::vector<std::int64_t> shape;  // {C, H, W}
  std::uint64_t cache_bytes = 0;
  std::vector<TailHistogram> histograms;    // the values near each unit's quantile (ThresholdRule)
  std::vector<double> thresholds;
  // Upsampled units whose exact threshold the tally settles (threshold_band.h), with their quantile
  // brackets; their `thresholds` hold the bracket's estimate until then.
  std::vector<int> unsettled;
  std::vector<QuantileBracket> brackets;
  IouTally tally;
  // A token layer's class token per unit: the sum and maximum over the images so far.
  std::vector<ExactSum> class_sum;  // exact, so that shards merge to one process's bits
  std::vector<double> class_max;
  std::uint64_t class_images = 0;
  void observe_class_token(const float* values, std::size_t images);  // images x units

  std::int64_t units() const { return shape.empty() ? 0 : shape[0]; }
  std::int64_t map_size() const { return shape.empty() ? 0 : shape[1] * shape[2]; }
  std::uint64_t image_bytes() const {
    return static_cast<std::uint64_t>(units() * map_size()) * sizeof(float);
  }
};

// How a run keeps its activations (CacheMode, as decided for it).
enum CacheStorage : std::uint8_t { kStoreFp32 = 0, kStoreFp16 = 1, kStoreNone = 2 };

// Everything a resumed run needs; written whole after every batch.
struct State {
  std::string fingerprint;
  int phase = kPhaseStarting;
  std::uint64_t position = 0;  // images finished in the current phase
  std::vector<std::uint64_t> rows;
  std::vector<std::string> paths;
  std::vector<std::int32_t> seg_sizes;  // sh, sw of each finished image
  std::uint64_t band_bytes = 0;         // the tally's band file, as far as this state vouches for it
  std::uint8_t storage = kStoreFp32;    // CacheStorage
  bool half_values = false;             // every statistic is of the values rounded to half precision
  std::vector<LayerState> layers;
};

std::vector<std::uint8_t> serialize_state(const State& state);
// Throws std::runtime_error for truncated or corrupt bytes.
State deserialize_state(std::span<const std::uint8_t> data);

// Where the run whose files live in `state_dir` keeps its checkpoints.
CheckpointFile state_checkpoint(const std::filesystem::path& state_dir);

}  // namespace unitscope::analysis
