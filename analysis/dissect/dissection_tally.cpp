// Pass 2 of dissect(): the IoU tally over the activation cache, and the thresholds it settles.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstring>
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
    return;
  }
  settle_thresholds(band_path(), band_file_.size());
  tally_seconds_ += seconds_since(start);
  state_.phase = kPhaseReport;
  save();
  band_file_ = AppendFile();
  fs::remove(band_path());
}

namespace {

// The band file is records of (layer, unit, payload bytes, UnitBand), batch after batch.
constexpr std::size_t kRecordHeader = 2 * sizeof(std::uint32_t) + sizeof(std::uint64_t);
// Settling holds at most about this much of the bands at once, whatever the run's size.
constexpr std::uint64_t kSettleMemory = std::uint64_t{16} << 20;

struct BandRecord {
  std::uint32_t layer = 0;
  std::int32_t unit = 0;
  std::span<const std::uint8_t> payload;
};

// Calls each(record) for every record of `data`; throws std::runtime_error when it is damaged.
template <typename Each>
void for_each_record(std::span<const std::uint8_t> data, std::size_t layers, Each&& each) {
  std::size_t offset = 0;
  while (offset < data.size()) {
    BandRecord r;
    r.layer = bytes::get<std::uint32_t>(data, offset, "band file");
    r.unit = bytes::get<std::int32_t>(data, offset, "band file");
    const auto length = bytes::get<std::uint64_t>(data, offset, "band file");
    if (r.layer >= layers || length > data.size() - offset) throw std::runtime_error("corrupt record");
    r.payload = data.subspan(offset, static_cast<std::size_t>(length));
    offset += static_cast<std::size_t>(length);
    each(r);
  }
}

}  // namespace

void DissectionRun::settle_thresholds(const fs::path& path, std::uint64_t size) {
  Stopwatch watch(timings_.tally);
  // The bands stay in their file (mapped, so the page cache holds them, not this process's own
  // memory): a first look measures each unit's, then groups of units within kSettleMemory are
  // read and settled in turn.
  ActivationCache file;
  std::span<const std::uint8_t> data;
  if (size > 0) {
    file = ActivationCache(path, /*create=*/false);
    data = file.bytes(0, size);
  }
  struct Item {
    std::size_t layer, index;  // index into the layer's unsettled units
    std::uint64_t bytes = 0;
  };
  std::vector<Item> items;
  std::vector<std::vector<std::int64_t>> slot(state_.layers.size());  // (layer, unit) -> item
  for (std::size_t li = 0; li < state_.layers.size(); ++li) {
    slot[li].assign(static_cast<std::size_t>(state_.layers[li].units()), -1);
    for (std::size_t i = 0; i < state_.layers[li].unsettled.size(); ++i) {
      slot[li][static_cast<std::size_t>(state_.layers[li].unsettled[i])] = static_cast<std::int64_t>(items.size());
      items.push_back({li, i});
    }
  }
  auto item_of = [&](const BandRecord& r) -> Item& {
    if (r.unit < 0 || static_cast<std::size_t>(r.unit) >= slot[r.layer].size() || slot[r.layer][static_cast<std::size_t>(r.unit)] < 0) {
      throw std::runtime_error("corrupt unit");
    }
    return items[static_cast<std::size_t>(slot[r.layer][static_cast<std::size_t>(r.unit)])];
  };
  try {
    for_each_record(data, state_.layers.size(), [&](const BandRecord& r) { item_of(r).bytes += r.payload.size(); });
  } catch (const std::runtime_error& e) {
    throw Error(path.string() + " is damaged (" + e.what() + "); delete " + state_dir().string() + " to start over");
  }
  std::size_t begin = 0;
  while (begin < items.size()) {
    std::size_t end = begin;
    std::uint64_t bytes = 0;
    while (end < items.size() && (end == begin || bytes + items[end].bytes <= kSettleMemory)) bytes += items[end++].bytes;
    std::vector<UnitBand> bands(end - begin);
    try {
      for_each_record(data, state_.layers.size(), [&](const BandRecord& r) {
        const auto k = static_cast<std::size_t>(&item_of(r) - items.data());
        if (k < begin || k >= end) return;
        std::size_t offset = 0;
        bands[k - begin].append(UnitBand::deserialize(r.payload, offset));
        if (offset != r.payload.size()) throw std::runtime_error("corrupt band");
      });
    } catch (const std::runtime_error& e) {
      throw Error(path.string() + " is damaged (" + e.what() + "); delete " + state_dir().string() + " to start over");
    }
    // Units touch disjoint parts of the tally.
    std::string failure;
    std::mutex failure_mutex;
    parallel_chunks(static_cast<std::int64_t>(end - begin), 1, [&](std::int64_t b, std::int64_t e) {
      for (auto k = static_cast<std::size_t>(b); k < static_cast<std::size_t>(e); ++k) {
        const Item& item = items[begin + k];
        LayerState& layer = state_.layers[item.layer];
        const int u = layer.unsettled[item.index];
        try {
          layer.thresholds[static_cast<std::size_t>(u)] =
              settle_unit(layer.tally, u, layer.brackets[item.index], bands[k], label_category_);
        } catch (const std::runtime_error& err) {
          const std::lock_guard lock(failure_mutex);
          if (failure.empty()) {
            failure = "layer " + options_.layers[item.layer] + ", unit " + std::to_string(unit_number(u)) + ": " + err.what();
          }
        }
      }
    });
    if (!failure.empty()) throw Error(failure + "; delete " + state_dir().string() + " to start over");
    begin = end;
  }
  for (LayerState& layer : state_.layers) {
    layer.unsettled.clear();
    layer.brackets.clear();
  }
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
        const std::size_t length_at = records.size();
        bytes::put(records, std::uint64_t{0});
        batch_bands_[li][u].serialize(records);
        const std::uint64_t length = records.size() - length_at - sizeof(std::uint64_t);
        std::memcpy(records.data() + length_at, &length, sizeof(length));
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
