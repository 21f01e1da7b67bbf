// The activation cache of dissect(): its mode (fp32, fp16 or none, chosen against the disk before
// the run), writing it in pass 1, and reading activations back in any mode, by running the model
// again where nothing is cached.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "analysis/data/byte_io.h"
#include "analysis/data/error.h"
#include "analysis/dissect/dissection_run.h"
#include "analysis/model/generator_io.h"
#include "analysis/model/layer_maps.h"

namespace unitscope::analysis {

const char* cache_mode_name(CacheMode mode) {
  switch (mode) {
    case CacheMode::kAuto: return "auto";
    case CacheMode::kFp32: return "fp32";
    case CacheMode::kFp16: return "fp16";
    case CacheMode::kNone: return "none";
  }
  return "?";
}

CacheMode parse_cache_mode(const std::string& text) {
  for (const CacheMode m : {CacheMode::kAuto, CacheMode::kFp32, CacheMode::kFp16, CacheMode::kNone}) {
    if (text == cache_mode_name(m)) return m;
  }
  throw Error("unknown cache mode '" + text + "': give auto, fp32, fp16 or none");
}

namespace dissect_internal {

namespace fs = std::filesystem;

namespace {

std::string size_text(std::uint64_t bytes) {
  char text[32];
  const double b = static_cast<double>(bytes);
  if (b >= 1e9) {
    std::snprintf(text, sizeof(text), "%.2f GB", b / 1e9);
  } else {
    std::snprintf(text, sizeof(text), "%.1f MB", b / 1e6);
  }
  return text;
}

CacheMode mode_of(std::uint8_t storage) {
  return storage == kStoreFp16 ? CacheMode::kFp16 : storage == kStoreNone ? CacheMode::kNone : CacheMode::kFp32;
}

}  // namespace

std::filesystem::path DissectionRun::cache_path(std::size_t li) const {
  return state_dir() / (layer_dir_name(options_.layers[li]) + (state_.storage == kStoreFp16 ? ".f16" : ".f32"));
}

void DissectionRun::plan_cache() {
  // One image's maps give each layer's size per image.
  const std::uint64_t probe = shard_.first;
  std::uint64_t per_image = 0;
  for (const at::Tensor& maps : maps_of(std::span(&probe, 1))) per_image += static_cast<std::uint64_t>(maps.nbytes());
  const std::uint64_t fp32 = per_image * shard_.size();
  std::error_code ec;
  fs::create_directories(options_.out, ec);
  const fs::space_info space = fs::space(options_.out, ec);
  const std::uint64_t free = ec ? std::numeric_limits<std::uint64_t>::max() : space.available;
  const std::uint64_t budget = options_.disk_budget > 0 ? options_.disk_budget : free / 2;
  CacheMode mode = options_.cache;
  if (mode == CacheMode::kAuto) {
    mode = fp32 <= budget ? CacheMode::kFp32 : fp32 / 2 <= budget ? CacheMode::kFp16 : CacheMode::kNone;
  } else if (mode != CacheMode::kNone && (mode == CacheMode::kFp32 ? fp32 : fp32 / 2) > free) {
    throw Error("dissect: the activation cache needs " + size_text(mode == CacheMode::kFp32 ? fp32 : fp32 / 2) +
                " in " + cache_mode_name(mode) + " but " + options_.out.string() + " has " + size_text(free) +
                " free; give --cache fp16 (half) or --cache none (no disk, the model runs twice)");
  }
  state_.half_values = mode == CacheMode::kFp16;
  state_.storage = mode == CacheMode::kFp32 ? kStoreFp32 : mode == CacheMode::kFp16 ? kStoreFp16 : kStoreNone;
  plan_note_ = "dissect: the activation cache needs " + size_text(fp32) + " in fp32 (" + size_text(fp32 / 2) +
               " in fp16) for " + std::to_string(shard_.size()) + " images; " + size_text(free) + " free, budget " +
               size_text(budget) + ": --cache " + cache_mode_name(mode);
}

void DissectionRun::agree_precision(bool fresh) {
  // Every rank must see values of one precision, or the merged results would not be one process's:
  // ranks that resume keep theirs; otherwise a rank that stores fp16 makes every rank round to it.
  const std::vector<std::uint8_t> mine{static_cast<std::uint8_t>(fresh), static_cast<std::uint8_t>(state_.half_values)};
  int resumed = -1;
  bool any = false;
  for (const auto& theirs : options_.exchange->all_gather(mine)) {
    if (theirs.size() != 2) throw Error("dissect: a rank sent no precision");
    const bool half = theirs[1] != 0;
    any = any || half;
    if (theirs[0] != 0) continue;
    if (resumed >= 0 && resumed != static_cast<int>(half)) {
      throw Error("dissect: the ranks' checkpoints in " + (options_.out / ".dissect").string() +
                  " disagree on fp16 and fp32; delete it to start over");
    }
    resumed = static_cast<int>(half);
  }
  const bool half = resumed >= 0 ? resumed == 1 : any;
  if (!fresh || state_.half_values == half) return;
  state_.half_values = half;
  if (half && state_.storage == kStoreFp32) state_.storage = kStoreFp16;
  // fp32 values where this rank's budget had room for fp16 only: it keeps no cache.
  if (!half && state_.storage == kStoreFp16) state_.storage = kStoreNone;
  plan_note_ += half ? " (every rank rounds to fp16: another rank stores it)"
                     : " (no cache here: the other ranks' values are fp32)";
  plan_note_.replace(plan_note_.find("--cache ") + 8, 4, state_.storage == kStoreFp16 ? "fp16" : "none");
}

void DissectionRun::resume_cache() {
  const CacheMode stored = mode_of(state_.storage);
  if (options_.cache == CacheMode::kAuto || options_.cache == stored || state_.phase >= kPhaseDone) return;
  if (options_.cache != CacheMode::kNone) {
    throw Error(options_.out.string() + " holds a run that keeps its activations as " + cache_mode_name(stored) +
                "; resume it with --cache " + cache_mode_name(stored) + " or --cache none, or delete " +
                state_dir().string() + " to start over");
  }
  // Resuming without a cache (a disk that filled up): the statistics so far stay, the cache goes.
  for (std::size_t li = 0; li < options_.layers.size(); ++li) {
    fs::remove(cache_path(li));
    state_.layers[li].cache_bytes = 0;
  }
  state_.storage = kStoreNone;
  save();
  if (options_.on_note) options_.on_note("dissect: resuming with no activation cache (--cache none): the model runs again where one was read");
}

void DissectionRun::append_cache(const std::vector<at::Tensor>& layer_acts) {
  if (state_.storage == kStoreNone) return;
  std::vector<at::Tensor> stored;
  for (const at::Tensor& acts : layer_acts) stored.push_back(state_.storage == kStoreFp16 ? acts.to(at::kHalf).contiguous() : acts);
  try {
    for (std::size_t li = 0; li < stored.size(); ++li) caches_[li].append(stored[li].data_ptr(), stored[li].nbytes());
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; the checkpoint is kept: free some space, or run the same command with "
                "--cache none (no disk; the model runs again) to resume");
  }
  for (std::size_t li = 0; li < stored.size(); ++li) state_.layers[li].cache_bytes += static_cast<std::uint64_t>(stored[li].nbytes());
}

std::vector<at::Tensor> DissectionRun::maps_of(std::span<const std::uint64_t> positions) {
  c10::InferenceMode guard;
  std::vector<Image> pixels;
  std::vector<at::Tensor> latents;
  for (const std::uint64_t position : positions) {
    std::string why;
    auto sample = images_->read(static_cast<std::size_t>(position), &why);
    if (!sample) throw Error("dissect: cannot read image " + std::to_string(position) + " again: " + why);
    if (options_.latent_seed) {
      latents.push_back(sample_latents(*options_.latent_seed, sample->row, 1, model_->latent_shape()));
    } else {
      pixels.push_back(std::move(sample->pixels));
    }
  }
  const at::Tensor input = options_.latent_seed ? at::cat(latents) : model_->prepare(pixels);
  ForwardRequest request;
  request.taps = options_.layers;
  request.want_output = false;
  const ForwardResult out = model_->forward(input, request);
  std::vector<at::Tensor> maps;
  for (std::size_t li = 0; li < options_.layers.size(); ++li) {
    const at::Tensor tap = out.taps[li].to(at::kFloat);
    const UnitGrid grid = unit_grid(std::vector<std::int64_t>(tap.sizes().begin() + 1, tap.sizes().end()),
                                    options_.layout_of(options_.layers[li]), options_.layers[li] + " of " + model_->name());
    at::Tensor m = to_unit_maps(tap, grid);
    if (state_.half_values) m = m.to(at::kHalf).to(at::kFloat);
    maps.push_back(m.contiguous());
  }
  return maps;
}

std::span<const float> DissectionRun::read_cache(std::size_t li, std::uint64_t first, std::uint64_t count) {
  const std::uint64_t floats = state_.layers[li].image_bytes() / sizeof(float);
  if (state_.storage == kStoreNone) {
    // The model runs again over the same images in the same batches as pass 1 (the readers go
    // batch by batch from the shard's start), so the maps are pass 1's to the bit.
    if (window_.empty() || window_first_ != first || window_count_ != count) {
      std::vector<std::uint64_t> positions;
      for (std::uint64_t i = 0; i < count; ++i) positions.push_back(shard_.first + first + i);
      window_ = maps_of(positions);
      window_first_ = first;
      window_count_ = count;
    }
    if (static_cast<std::uint64_t>(window_[li].numel()) != count * floats) {
      throw Error("layer " + options_.layers[li] + " gives maps of another size than in the forward pass");
    }
    return {window_[li].data_ptr<float>(), static_cast<std::size_t>(count * floats)};
  }
  const std::uint64_t width = state_.storage == kStoreFp16 ? sizeof(c10::Half) : sizeof(float);
  if ((first + count) * floats * width > caches_[li].size()) {
    throw Error("the activation cache " + cache_path(li).string() +
                " is shorter than its checkpoint; delete " + state_dir().string() + " to start over");
  }
  if (state_.storage == kStoreFp32) return caches_[li].floats(first * floats, count * floats);
  half_scratch_.resize(caches_.size());
  half_window_.resize(caches_.size(), {0, 0});
  std::vector<float>& out = half_scratch_[li];
  if (half_window_[li] == std::make_pair(first, count) && count > 0) return out;
  half_window_[li] = {first, count};
  const std::span<const std::uint8_t> halves = caches_[li].bytes(first * floats * width, count * floats * width);
  out.resize(static_cast<std::size_t>(count * floats));
  const auto* h = reinterpret_cast<const c10::Half*>(halves.data());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(h[i]);
  return out;
}

std::map<DissectionRun::MapKey, std::vector<float>> DissectionRun::unit_maps(const std::vector<MapKey>& wanted) {
  // Read batch by batch as pass 1 ran them (see read_cache), each batch once.
  const auto batch = static_cast<std::uint64_t>(options_.batch);
  std::vector<MapKey> order(wanted);
  std::sort(order.begin(), order.end(), [&](const MapKey& a, const MapKey& b) {
    const auto ka = std::make_tuple((std::get<2>(a) - shard_.first) / batch, std::get<0>(a), std::get<1>(a));
    const auto kb = std::make_tuple((std::get<2>(b) - shard_.first) / batch, std::get<0>(b), std::get<1>(b));
    return ka < kb;
  });
  std::map<MapKey, std::vector<float>> maps;
  for (const MapKey& key : order) {
    const auto [li, unit, position] = key;
    if (maps.count(key)) continue;
    const std::uint64_t local = position - shard_.first;
    const std::uint64_t first = local / batch * batch;
    const std::uint64_t count = std::min(batch, shard_.size() - first);
    const LayerState& layer = state_.layers[li];
    const auto map_size = static_cast<std::size_t>(layer.map_size());
    const std::span<const float> all = read_cache(li, first, count);
    const std::span<const float> map =
        all.subspan(static_cast<std::size_t>((local - first) * (layer.image_bytes() / sizeof(float))) +
                        static_cast<std::size_t>(unit) * map_size,
                    map_size);
    maps.emplace(key, std::vector<float>(map.begin(), map.end()));
  }
  return maps;
}

}  // namespace dissect_internal
}  // namespace unitscope::analysis
