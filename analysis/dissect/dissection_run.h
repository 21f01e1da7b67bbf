// Internal to dissect(): the resumable run that dissection.cpp (setup, pass 1, thresholds, outputs)
// and dissection_tally.cpp (pass 2) share. Not for use outside those two files.
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <functional>
#include <map>
#include <tuple>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/activation_cache.h"
#include "analysis/data/broden_dataset.h"
#include "analysis/data/checkpoint_file.h"
#include "analysis/data/file_write.h"
#include "analysis/dissect/dissection.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/dissect/dissection_state.h"
#include "analysis/dist/exchange.h"
#include "analysis/stats/threshold_band.h"
#include "analysis/stats/upsample.h"
#include "analysis/model/model.h"

namespace unitscope::analysis::dissect_internal {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Adds the time until it goes out of scope to `total`.
class Stopwatch {
 public:
  explicit Stopwatch(double& total) : total_(total) {}
  ~Stopwatch() { total_ += seconds_since(start_); }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// One dissect() call, from opening its inputs to writing its outputs; its state is checkpointed
// after every batch so that a later call resumes it.
class DissectionRun {
 public:
  DissectionRun(const DissectOptions& options, DissectProgress& progress, std::stop_token stop)
      : options_(options), progress_(progress), stop_(std::move(stop)), checkpoint_(state_checkpoint(state_dir())) {}

  DissectionResult run();

 private:
  void open_inputs();
  void resolve_knobs();
  void load_or_start();
  void save();
  void forward_pass();
  void forward_batch(std::vector<BrodenSample>& batch);
  void choose_thresholds();
  void start_tally();  // fresh tallies at the chosen thresholds; checkpointed
  // Pass 2, in dissection_tally.cpp.
  void tally_pass();
  void tally_batch(std::vector<BrodenSample>& batch);
  // Settles the units the tally kept bands for, from the band records in `path`'s first `size` bytes.
  void settle_thresholds(const std::filesystem::path& path, std::uint64_t size);
  // Sharded runs, in dissection_shards.cpp.
  DissectionResult run_sharded();
  void agree_thresholds();
  void merge_shards();
  std::vector<std::vector<float>> shard_maps(const std::vector<std::uint8_t>& wanted);
  void write_sharded_outputs(const DissectionResult& result);
  void publish_progress();
  void wait_for_shards(int phase);

  void open_caches(bool create);
  // In dissection_cache.cpp: the cache's mode, and reading activations back in any mode.
  void plan_cache();  // a fresh run's mode, from the estimate and the budget (this rank alone)
  void agree_precision(bool fresh);  // sharded, collective
  void resume_cache();
  void append_cache(const std::vector<at::Tensor>& layer_acts);
  std::vector<at::Tensor> maps_of(std::span<const std::uint64_t> positions);
  // Images [first, first + count) of this rank's shard, layer li, valid until the next call.
  std::span<const float> read_cache(std::size_t li, std::uint64_t first, std::uint64_t count);
  // The maps the report draws, (li, unit, global position) -> map, from this rank's images.
  using MapKey = std::tuple<std::size_t, int, std::uint64_t>;
  std::map<MapKey, std::vector<float>> unit_maps(const std::vector<MapKey>& wanted);
  LayerResult layer_result(std::size_t li) const;
  DissectionResult result() const;
  // The maps of unit `unit` of layer `li` at global image position `position`, for the report.
  using MapLookup = std::function<std::span<const float>(std::size_t li, int unit, std::uint64_t position)>;
  void write_outputs(const DissectionResult& result, bool report, const MapLookup& maps = {});

  bool sharded() const { return options_.exchange && options_.exchange->ranks() > 1; }
  int rank() const { return options_.exchange ? options_.exchange->rank() : 0; }
  std::filesystem::path state_dir() const {
    if (!sharded()) return options_.out / ".dissect";
    return options_.out / ".dissect" /
           ("rank-" + std::to_string(rank()) + "-of-" + std::to_string(options_.exchange->ranks()));
  }
  std::filesystem::path band_path() const { return state_dir() / "band.bin"; }
  std::filesystem::path cache_path(std::size_t li) const;
  bool stopping() const { return stop_.stop_requested() || simulated_stop_; }
  void count_batch() {
    ++batches_;
    if (options_.stop_after_batches > 0 && batches_ >= options_.stop_after_batches) simulated_stop_ = true;
  }

  const DissectOptions& options_;
  DissectProgress& progress_;
  std::stop_token stop_;
  CheckpointFile checkpoint_;
  std::unique_ptr<Model> model_;
  std::optional<BrodenDataset> images_;
  std::optional<BrodenDataset> labels_;
  std::uint64_t total_ = 0;
  Shard shard_;  // the images this rank runs: all of them unless sharded
  // Rank 0 of a sharded run: where each rank's notes say it stands in the current phase.
  struct RankProgress {
    int phase = -1;
    std::uint64_t start = 0, position = 0;
  };
  std::vector<RankProgress> ranks_progress_;
  std::vector<std::string> categories_;
  // The knobs in force: the options', else the model sidecar's, else the defaults (resolve_knobs).
  struct Knobs {
    double quantile = 0.0;  // 0: the convention's
    double iou_threshold = kDetectorIou;
    std::vector<std::string> categories;
    int label_size = 0;
  } knobs_;
  std::vector<std::string> label_names_;
  std::vector<int> label_category_;
  State state_;
  double forward_seconds_ = 0.0;
  double tally_seconds_ = 0.0;
  double model_seconds_ = 0.0;
  DissectTimings timings_;
  std::vector<ActivationCache> caches_;  // per layer, open until the report is written
  std::vector<std::vector<float>> half_scratch_;  // per layer: an fp16 cache's values as floats
  std::vector<std::pair<std::uint64_t, std::uint64_t>> half_window_;  // per layer: which (first, count) that holds
  std::vector<at::Tensor> window_;  // --cache none: the maps of the images last run again
  std::uint64_t window_first_ = 0, window_count_ = 0;
  std::string plan_note_;  // what plan_cache chose, said once the ranks agree
  BilinearAxes axes_;  // the tally's
  AppendFile band_file_;  // the tally's band pixels, batch by batch (threshold_band.h)
  std::vector<std::vector<UnitBand>> batch_bands_;  // per layer and unit: one batch's; reused
  std::size_t batches_ = 0;
  bool simulated_stop_ = false;
};

}  // namespace unitscope::analysis::dissect_internal
