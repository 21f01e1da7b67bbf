// Pass 2 of dissect(): the IoU tally over the activation cache, and the thresholds it settles.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>

#include "analysis/data/byte_io.h"
#include "analysis/data/error.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/dissect/dissection_run.h"
#include "analysis/stats/parallel.h"
#include "analysis/stats/tally_kernels.h"
#include "analysis/stats/threshold_band.h"

namespace unitscope::analysis::dissect_internal {

namespace fs = std::filesystem;

void DissectionRun::tally_pass() {
  // The phase last: a reader that sees it sees the phase's counts.
  progress_.total = total_;
  progress_.resumed_from = state_.position;
  progress_.done = state_.position;
  publish_progress();
  progress_.phase = kPhaseTally;
  const auto start = std::chrono::steady_clock::now();
  band_file_ = AppendFile(band_path(), state_.band_bytes);
  load_bands();
  std::vector<BrodenSample> batch;
  labels_->stream(
      shard_.first + state_.position, shard_.end,
      [&](BrodenSample&& sample) {
        if (stopping()) return;
        batch.push_back(std::move(sample));
        if (batch.size() == static_cast<std::size_t>(options_.batch)) {
          tally_batch(batch);
          batch.clear();
        }
      },
      stop_);
  if (stopping()) throw DissectCancelled();
  if (!batch.empty()) tally_batch(batch);
  if (sharded()) {
    // The bands wait in their file for the merge (merge_shards): rank 0 settles every shard's.
    tally_seconds_ += seconds_since(start);
    state_.phase = kPhaseReport;
    save();
    band_file_ = AppendFile();
    bands_.clear();
    return;
  }
  settle_thresholds();
  tally_seconds_ += seconds_since(start);
  state_.phase = kPhaseReport;
  save();
  band_file_ = AppendFile();
  fs::remove(band_path());
}

void DissectionRun::load_bands() {
  // Per batch, for each layer and unit with band pixels: (layer, unit, UnitBand).
  bands_.assign(state_.layers.size(), {});
  for (std::size_t li = 0; li < state_.layers.size(); ++li) bands_[li].resize(static_cast<std::size_t>(state_.layers[li].units()));
  if (band_file_.size() == 0) return;
  add_bands(band_file_.read_all(), band_path().string());
}

void DissectionRun::add_bands(std::span<const std::uint8_t> data, const std::string& what) {
  try {
    std::size_t offset = 0;
    while (offset < data.size()) {
      const auto li = bytes::get<std::uint32_t>(data, offset, "band file");
      const auto unit = bytes::get<std::int32_t>(data, offset, "band file");
      if (li >= state_.layers.size()) throw std::runtime_error("corrupt layer");
      const std::vector<int>& unsettled = state_.layers[li].unsettled;
      if (!std::binary_search(unsettled.begin(), unsettled.end(), unit)) throw std::runtime_error("corrupt unit");
      bands_[li][static_cast<std::size_t>(unit)].append(UnitBand::deserialize(data, offset));
    }
  } catch (const std::runtime_error& e) {
    throw Error(what + " is damaged (" + e.what() + "); delete " + state_dir().string() + " to start over");
  }
}

void DissectionRun::settle_thresholds() {
  Stopwatch watch(timings_.tally);
  for (std::size_t li = 0; li < state_.layers.size(); ++li) {
    LayerState& layer = state_.layers[li];
    // Units touch disjoint parts of the tally.
    std::string failure;
    std::mutex failure_mutex;
    parallel_chunks(static_cast<std::int64_t>(layer.unsettled.size()), 8, [&](std::int64_t begin, std::int64_t end) {
      for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
        const int u = layer.unsettled[i];
        try {
          layer.thresholds[static_cast<std::size_t>(u)] =
              settle_unit(layer.tally, u, layer.brackets[i], bands_[li][static_cast<std::size_t>(u)], label_category_);
        } catch (const std::runtime_error& e) {
          const std::lock_guard lock(failure_mutex);
          if (failure.empty()) failure = "unit " + std::to_string(unit_number(u)) + ": " + e.what();
        }
      }
    });
    if (!failure.empty()) {
      throw Error("layer " + options_.layers[li] + ", " + failure + "; delete " + state_dir().string() +
                  " to start over");
    }
    layer.unsettled.clear();
    layer.brackets.clear();
  }
  bands_.clear();
}

void DissectionRun::tally_batch(std::vector<BrodenSample>& batch) {
  c10::InferenceMode guard;
  const std::uint64_t first = state_.position;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (first + i >= state_.rows.size() || batch[i].row != state_.rows[first + i]) {
      throw Error("dataset " + options_.dataset.string() + " changed since the forward pass (index.csv row " +
                  std::to_string(batch[i].row + 1) + "); delete " + state_dir().string() + " to start over");
    }
  }
  std::vector<ImageLabels> arranged(batch.size());
  {
    Stopwatch watch(timings_.labels);
    at::parallel_for(0, static_cast<std::int64_t>(batch.size()), 1, [&](std::int64_t begin, std::int64_t end) {
      for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
        arranged[i] = arrange_labels(batch[i], static_cast<int>(label_names_.size()));
      }
    });
  }
  std::vector<std::int32_t> seg_sizes;
  for (const ImageLabels& labels : arranged) seg_sizes.insert(seg_sizes.end(), {labels.sh, labels.sw});
  for (std::size_t li = 0; li < state_.layers.size(); ++li) {
    LayerState& layer = state_.layers[li];
    const auto units = static_cast<std::size_t>(layer.units());
    const auto map_size = static_cast<std::size_t>(layer.map_size());
    const int h = static_cast<int>(layer.shape[1]), w = static_cast<int>(layer.shape[2]);
    std::span<const float> batch_maps;
    {
      Stopwatch watch(timings_.cache);
      batch_maps = read_cache(li, first, batch.size());
    }
    Stopwatch watch(timings_.tally);
    std::vector<float> thr;
    for (double t : layer.thresholds) thr.push_back(round_down(t));
    // Units whose thresholds the tally settles count above their bracket and keep the band aside.
    std::vector<float> floors(thr);
    batch_bands_.resize(state_.layers.size());
    batch_bands_[li].resize(units);
    for (UnitBand& band : batch_bands_[li]) band.clear();
    for (std::size_t i = 0; i < layer.unsettled.size(); ++i) {
      const auto u = static_cast<std::size_t>(layer.unsettled[i]);
      const BandCutoffs cut = band_cutoffs(layer.brackets[i]);
      thr[u] = cut.cutoff;
      floors[u] = cut.floor;
    }
    const TallyBands tally_bands{floors, batch_bands_[li]};
    const TallyBands* banded = layer.unsettled.empty() ? nullptr : &tally_bands;
    for (const ImageLabels& labels : arranged) tally_image_shared(layer.tally, labels);
    const auto image_axes = axes_.for_images(h, w, seg_sizes);
    // Units are independent: LibTorch's threads share them (they idle between forward passes), each
    // over the whole batch, so that one parallel region serves a layer.
    parallel_chunks(static_cast<std::int64_t>(units), 8, [&](std::int64_t begin, std::int64_t end) {
      thread_local TallyScratch scratch;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        tally_units(layer.tally, static_cast<int>(begin), static_cast<int>(end),
                    batch_maps.data() + i * units * map_size, h, w,
                    *image_axes[i].first, *image_axes[i].second, thr, arranged[i], label_category_,
                    shard_.first + first + i,
                    scratch, banded);
      }
    });
  }
  {
    Stopwatch watch(timings_.checkpoint);
    std::vector<std::uint8_t> records;
    for (std::size_t li = 0; li < batch_bands_.size(); ++li) {
      for (std::size_t u = 0; u < batch_bands_[li].size(); ++u) {
        if (batch_bands_[li][u].empty()) continue;
        bytes::put(records, static_cast<std::uint32_t>(li));
        bytes::put(records, static_cast<std::int32_t>(u));
        batch_bands_[li][u].serialize(records);
        bands_[li][u].append(batch_bands_[li][u]);
      }
    }
    band_file_.append(records.data(), records.size());
    state_.band_bytes = band_file_.size();
  }
  state_.position += batch.size();
  {
    Stopwatch watch(timings_.checkpoint);
    save();
  }
  publish_progress();
  count_batch();
  const std::size_t every = static_cast<std::size_t>(std::max(1, options_.partial_every));
  if (options_.on_partial && !sharded() && (state_.position / batch.size()) % every == 0 && state_.position < total_) {
    for (std::size_t li = 0; li < state_.layers.size(); ++li) options_.on_partial(layer_result(li));
  }
}

}  // namespace unitscope::analysis::dissect_internal
