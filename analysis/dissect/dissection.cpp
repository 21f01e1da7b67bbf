#include "analysis/dissect/dissection.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/data/activation_cache.h"
#include "analysis/data/broden_dataset.h"
#include "analysis/model/generator_io.h"
#include "analysis/dissect/dissection_run.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/dissect/dissection_state.h"
#include "analysis/data/error.h"
#include "analysis/data/file_write.h"
#include "analysis/data/label_view.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/model/layer_maps.h"
#include "analysis/model/model.h"
#include "analysis/stats/tally_kernels.h"
#include "analysis/stats/unit_thresholds.h"
#include "analysis/stats/upsample.h"

namespace unitscope::analysis {
namespace dissect_internal {

namespace {

namespace fs = std::filesystem;
constexpr int kThumbnail = 64;

// The refine step keeps at most this much of the values near the quantiles at once.
constexpr std::size_t kRefineMemory = std::size_t{512} << 20;
// pnas units whose quantile bins hold at most about this much in all wait for the tally to settle
// their thresholds (threshold_band.h) instead of a look at the cache before it.
constexpr std::size_t kBandMemory = std::size_t{256} << 20;

}  // namespace

void DissectionRun::open_inputs() {
  if (options_.layers.empty()) throw Error("dissect: no layers given");
  if (options_.batch < 1) throw Error("dissect: --batch must be at least 1");
  if (options_.topk < 0 || options_.report_images < 0) throw Error("dissect: --topk must be >= 0");
  for (std::size_t i = 0; i < options_.layers.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (layer_dir_name(options_.layers[i]) == layer_dir_name(options_.layers[j])) {
        throw Error("dissect: layer " + options_.layers[i] + " is given twice");
      }
    }
  }
  set_threads(options_.threads);
  model_ = open_model(options_.model);
  resolve_knobs();
  for (const auto& layer : options_.layers) model_->check_layer(layer);

  BrodenOptions bo;
  bo.split = options_.split;
  bo.categories = knobs_.categories;
  bo.threads = 2;
  // A generator's labels are its own output; an image model sees its preprocessing's view.
  if (!options_.latent_seed) bo.view = LabelView{model_->preprocess(), knobs_.label_size};
  else if (knobs_.label_size > 0) bo.view = LabelView{Preprocess{}, knobs_.label_size};
  bo.load_images = false;
  labels_ = BrodenDataset::open(options_.dataset, bo);
  // Pass 1 and the report need the images but no labels.
  bo.load_images = true;
  bo.load_labels = false;
  images_ = BrodenDataset::open(options_.dataset, bo);
  total_ = labels_->size();
  if (options_.limit > 0) total_ = std::min<std::uint64_t>(total_, options_.limit);
  if (total_ == 0) {
    throw Error("dataset " + options_.dataset.string() + " has no images" +
                (options_.split.empty() ? "" : " in split '" + options_.split + "'"));
  }
  shard_ = {0, total_};
  if (sharded()) {
    const int ranks = options_.exchange->ranks();
    if (total_ < static_cast<std::uint64_t>(ranks)) {
      throw Error("dissect: " + std::to_string(total_) + " images cannot be shared by " + std::to_string(ranks) +
                  " ranks; run at most " + std::to_string(total_) + " (mpirun -n)");
    }
    shard_ = shard_of(total_, rank(), ranks);
  }
  for (const auto& c : labels_->categories()) categories_.push_back(c.name);
  for (const auto& l : labels_->labels()) {
    label_names_.push_back(l.name);
    int category = -1;
    if (auto index = labels_->category_index(l.category)) category = *index;
    label_category_.push_back(l.name.empty() ? -1 : category);
  }
}

void DissectionRun::resolve_knobs() {
  const DissectKnobs none;
  const DissectKnobs& file = model_->sidecar() ? model_->sidecar()->dissect : none;
  const DissectKnobs& cli = options_.knobs;
  knobs_.quantile = cli.quantile.value_or(file.quantile.value_or(0.0));
  knobs_.iou_threshold = cli.iou_threshold.value_or(file.iou_threshold.value_or(kDetectorIou));
  knobs_.categories = cli.categories.value_or(file.categories.value_or(std::vector<std::string>{}));
  knobs_.label_size = cli.label_size.value_or(file.label_size.value_or(0));
  const std::string from = " (from " + (cli == none && !(file == none) ? sidecar_path(options_.model.source).string()
                                                                       : std::string("the options")) + ")";
  if (!(knobs_.quantile >= 0.0 && knobs_.quantile < 0.5)) {
    throw Error("dissect: the quantile is " + std::to_string(knobs_.quantile) + from +
                "; give the top fraction of each unit's values below 0.5 (NetDissect-Lite 0.005, the PNAS code 0.01), "
                "or 0 for the convention's");
  }
  if (!(knobs_.iou_threshold >= 0.0 && knobs_.iou_threshold < 1.0)) {
    throw Error("dissect: the IoU threshold is " + std::to_string(knobs_.iou_threshold) + from + "; give an IoU from 0 to 1");
  }
  if (knobs_.label_size < 0 || knobs_.label_size > 4096) {
    throw Error("dissect: the label size is " + std::to_string(knobs_.label_size) + from +
                "; give 0 (the labels' own) to 4096");
  }
}

void DissectionRun::load_or_start() {
  nlohmann::ordered_json f;
  f["version"] = 3;
  f["model"] = options_.model.source;
  f["seed"] = options_.model.seed;
  f["preprocess"] = describe(model_->preprocess());
  f["layers"] = options_.layers;
  f["dataset"] = fs::absolute(options_.dataset).lexically_normal().string();
  f["split"] = options_.split;
  f["images"] = total_;
  if (options_.latent_seed) f["latent_seed"] = *options_.latent_seed;
  f["convention"] = convention_name(options_.convention);
  f["batch"] = options_.batch;
  f["topk"] = options_.topk;
  f["quantile"] = threshold_rule(options_.convention, knobs_.quantile).level;
  f["categories"] = categories_;
  f["label_size"] = knobs_.label_size;
  std::vector<std::string> layouts;
  for (const auto& layer : options_.layers) layouts.push_back(layout_name(options_.layout_of(layer)));
  f["layouts"] = layouts;
  if (sharded()) f["shard"] = {rank(), options_.exchange->ranks(), shard_.first, shard_.end};
  const std::string fingerprint = f.dump();

  fs::create_directories(state_dir());
  if (fs::exists(state_dir() / "checkpoint.bin")) {
    throw Error(state_dir().string() + " holds a checkpoint of an older unitscope; delete it to start over");
  }
  std::optional<std::vector<std::uint8_t>> data;
  try {
    data = checkpoint_.load();
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; delete " + state_dir().string() + " to start over");
  }
  if (data) {
    State s;
    try {
      s = deserialize_state(*data);
    } catch (const std::exception& e) {
      throw Error(checkpoint_.slot(0).string() + " is damaged (" + e.what() + "); delete " +
                  state_dir().string() + " to start over");
    }
    if (s.fingerprint != fingerprint) {
      throw Error(options_.out.string() + " holds a dissection with other settings (" +
                  s.fingerprint + "); use another --out, or delete " + state_dir().string() +
                  " to start over");
    }
    state_ = std::move(s);
  } else {
    state_ = State{};
    state_.fingerprint = fingerprint;
    state_.phase = kPhaseForward;
    state_.layers.resize(options_.layers.size());
    plan_cache();
  }
  // Every rank comes here, fresh or resumed, before any saves: they agree on one precision.
  if (sharded()) agree_precision(/*fresh=*/!data);
  if (!data) {
    if (options_.on_note) options_.on_note(plan_note_);
    open_caches(/*create=*/true);
    save();
    return;
  }
  resume_cache();
  if (state_.phase < kPhaseDone) open_caches(/*create=*/false);
  // Activations past the checkpoint belong to a batch that was lost; drop them.
  if (state_.phase <= kPhaseForward) {
    for (std::size_t li = 0; li < caches_.size(); ++li) caches_[li].truncate(state_.layers[li].cache_bytes);
  }
}

void DissectionRun::open_caches(bool create) {
  caches_.clear();
  half_window_.clear();
  if (state_.storage == kStoreNone) return;
  for (std::size_t li = 0; li < options_.layers.size(); ++li) caches_.emplace_back(cache_path(li), create);
}

void DissectionRun::save() { checkpoint_.save(serialize_state(state_)); }

void DissectionRun::forward_pass() {
  // The phase last: a reader that sees it sees the phase's counts.
  progress_.total = total_;
  progress_.resumed_from = state_.position;
  progress_.done = state_.position;
  publish_progress();
  progress_.phase = kPhaseForward;
  const auto start = std::chrono::steady_clock::now();
  std::vector<BrodenSample> batch;
  double busy = 0.0;
  const auto report = images_->stream(
      shard_.first + state_.position, shard_.end,
      [&](BrodenSample&& sample) {
        if (stopping()) return;
        batch.push_back(std::move(sample));
        if (batch.size() == static_cast<std::size_t>(options_.batch)) {
          Stopwatch watch(busy);
          forward_batch(batch);
          batch.clear();
        }
      },
      stop_);
  if (stopping()) throw DissectCancelled();
  if (!batch.empty()) {
    Stopwatch watch(busy);
    forward_batch(batch);
  }
  (void)report;
  forward_seconds_ += seconds_since(start);
  timings_.decode_wait += seconds_since(start) - busy;
}

void DissectionRun::forward_batch(std::vector<BrodenSample>& batch) {
  c10::InferenceMode guard;
  std::vector<Image> pixels;
  pixels.reserve(batch.size());
  for (auto& s : batch) pixels.push_back(std::move(s.pixels));
  at::Tensor input;
  if (options_.latent_seed) {
    // A generator: data row r was drawn from latent sample r, so its input is that latent.
    const auto shape = model_->latent_shape();
    std::vector<at::Tensor> z;
    for (const auto& s : batch) z.push_back(sample_latents(*options_.latent_seed, s.row, 1, shape));
    input = at::cat(z);
  } else {
    Stopwatch watch(timings_.prepare);
    input = model_->prepare(pixels);
  }
  ForwardRequest request;
  request.taps = options_.layers;
  request.want_output = false;
  const auto model_start = std::chrono::steady_clock::now();
  const ForwardResult out = model_->forward(input, request);
  model_seconds_ += seconds_since(model_start);
  std::vector<std::int32_t> seg_sizes;
  for (const auto& s : batch) {
    seg_sizes.push_back(s.sh);
    seg_sizes.push_back(s.sw);
  }
  const auto b = static_cast<std::int64_t>(batch.size());
  std::vector<at::Tensor> layer_acts(options_.layers.size());
  for (std::size_t li = 0; li < options_.layers.size(); ++li) {
    at::Tensor& acts = layer_acts[li];
    const at::Tensor tap = out.taps[li].to(at::kFloat);
    if (tap.dim() < 2 || tap.size(0) != b) {
      throw Error("layer " + options_.layers[li] + " of " + model_->name() + " gives an output of rank " +
                  std::to_string(tap.dim()) + "; dissection needs a batch of maps or tokens");
    }
    const UnitGrid grid = unit_grid(std::vector<std::int64_t>(tap.sizes().begin() + 1, tap.sizes().end()),
                                    options_.layout_of(options_.layers[li]), options_.layers[li] + " of " + model_->name());
    at::Tensor class_token;
    acts = to_unit_maps(tap, grid, &class_token);
    // An fp16 run takes every statistic on the values its cache can give back.
    if (state_.half_values) acts = acts.to(at::kHalf).to(at::kFloat).contiguous();
    LayerState& layer = state_.layers[li];
    const std::vector<std::int64_t> shape{acts.size(1), acts.size(2), acts.size(3)};
    if (layer.shape.empty()) {
      layer.shape = shape;
    } else if (layer.shape != shape) {
      throw Error("layer " + options_.layers[li] + " changed shape between images (index.csv row " +
                  std::to_string(batch.front().row + 1) + "); give images of one size");
    }
    if (class_token.defined()) {
      const at::Tensor values = class_token.contiguous();
      layer.observe_class_token(values.data_ptr<float>(), static_cast<std::size_t>(b));
    }
  }
  // The cache writes run beside the statistics: a write held up by the disk leaves the cores to them.
  // (The future's destructor waits for the writes if the statistics throw.) A batch with NaN or Inf
  // activations is written too, past what the checkpoint vouches for.
  auto writes = std::async(std::launch::async, [&] { append_cache(layer_acts); });
  for (std::size_t li = 0; li < options_.layers.size(); ++li) {
    bool finite = true;
    {
      Stopwatch watch(timings_.statistics);
      finite = observe_batch(state_.layers[li], threshold_rule(options_.convention, knobs_.quantile),
                             layer_acts[li].data_ptr<float>(), seg_sizes, batch.size());
    }
    if (!finite) {
      const at::Tensor bad = (~at::isfinite(layer_acts[li])).any(3).any(2).any(0).nonzero().squeeze(1);
      std::string units;
      for (std::int64_t i = 0; i < std::min<std::int64_t>(bad.size(0), 20); ++i) {
        units += (i ? ", " : "") + std::to_string(unit_number(bad[i].item<std::int64_t>()));
      }
      if (bad.size(0) > 20) units += ", ...";
      throw Error("layer " + options_.layers[li] + " has NaN or Inf activations in units " + units +
                  " for images from index.csv row " + std::to_string(batch.front().row + 1));
    }
  }
  {
    Stopwatch watch(timings_.cache);
    writes.get();
  }
  for (const auto& s : batch) {
    state_.rows.push_back(s.row);
    state_.paths.push_back(s.image);
  }
  state_.seg_sizes.insert(state_.seg_sizes.end(), seg_sizes.begin(), seg_sizes.end());
  state_.position += batch.size();
  {
    Stopwatch watch(timings_.checkpoint);
    save();
  }
  publish_progress();
  count_batch();
}

void DissectionRun::choose_thresholds() {
  Stopwatch watch(timings_.thresholds);
  analysis::choose_thresholds(state_.layers, threshold_rule(options_.convention, knobs_.quantile), state_.seg_sizes,
                              static_cast<std::size_t>(options_.batch), kRefineMemory,
                              [&](std::size_t li, std::uint64_t first, std::uint64_t count) {
                                return read_cache(li, first, count);
                              },
                              kBandMemory, options_.exchange);
  start_tally();
}

void DissectionRun::start_tally() {
  for (LayerState& layer : state_.layers) {
    layer.histograms.clear();
    layer.tally = IouTally(static_cast<int>(layer.units()), static_cast<int>(label_names_.size()),
                           static_cast<int>(categories_.size()), options_.topk);
  }
  state_.phase = kPhaseTally;
  state_.position = 0;
  state_.band_bytes = 0;
  save();
}

LayerResult DissectionRun::layer_result(std::size_t li) const {
  const LayerState& layer = state_.layers[li];
  LayerResult lr;
  lr.layer = options_.layers[li];
  lr.shape = layer.shape;
  lr.tally = layer.tally;
  for (std::size_t u = 0; u < layer.class_sum.size(); ++u) {
    lr.class_token_mean.push_back(layer.class_sum[u].value() / static_cast<double>(std::max<std::uint64_t>(1, layer.class_images)));
    lr.class_token_max.push_back(layer.class_max[u]);
  }
  const auto scores = score_units(layer.tally, label_category_, options_.convention);
  for (std::size_t u = 0; u < scores.size(); ++u) {
    UnitResult ur;
    ur.unit = static_cast<int>(u);
    ur.threshold = layer.thresholds[u];
    ur.score = scores[u];
    for (const TopImage& t : layer.tally.top[u]) {
      ur.top.push_back({t.image, state_.rows[t.image], state_.paths[t.image], t.value});
    }
    lr.units.push_back(std::move(ur));
  }
  return lr;
}

DissectionResult DissectionRun::result() const {
  DissectionResult r;
  r.convention = options_.convention;
  r.quantile = threshold_rule(options_.convention, knobs_.quantile).level;
  r.iou_threshold = knobs_.iou_threshold;
  r.geometry.follows_view = !options_.latent_seed;
  r.geometry.preprocess = model_->preprocess();
  r.geometry.label_size = knobs_.label_size;
  if (state_.seg_sizes.size() >= 2) {
    r.geometry.grid_height = state_.seg_sizes[0];
    r.geometry.grid_width = state_.seg_sizes[1];
  }
  r.model = options_.model.source;
  r.dataset = options_.dataset;
  r.images = total_;
  r.categories = categories_;
  r.label_names = label_names_;
  r.label_category = label_category_;
  r.forward_seconds = forward_seconds_;
  r.tally_seconds = tally_seconds_;
  r.model_seconds = model_seconds_;
  r.timings = timings_;
  r.cache = state_.storage == kStoreFp16 ? CacheMode::kFp16 : state_.storage == kStoreNone ? CacheMode::kNone : CacheMode::kFp32;
  for (std::size_t li = 0; li < state_.layers.size(); ++li) r.layers.push_back(layer_result(li));
  return r;
}

void DissectionRun::write_outputs(const DissectionResult& r, bool report, const MapLookup& maps) {
  // Formatting a layer's tables takes longer than writing them: threads share the layers.
  std::vector<std::string> tables(2 * r.layers.size());
  at::parallel_for(0, static_cast<std::int64_t>(tables.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
      const LayerResult& layer = r.layers[i / 2];
      tables[i] = i % 2 == 0 ? tally_csv(r, layer) : dissection_json(r, layer);
    }
  });
  for (std::size_t li = 0; li < r.layers.size(); ++li) {
    const fs::path dir = options_.out / layer_dir_name(r.layers[li].layer);
    fs::create_directories(dir);
    write_file_atomic(dir / "tally.csv", tables[2 * li]);
    write_file_atomic(dir / "dissection.json", tables[2 * li + 1]);
  }
  if (!report) return;
  progress_.phase = kPhaseReport;
  // Thumbnails: each top image is decoded once and shrunk to the thumbnail size right away.
  std::map<std::uint64_t, Image> small;
  auto thumbnail_source = [&](std::uint64_t position) -> const Image& {
    auto it = small.find(position);
    if (it != small.end()) return it->second;
    Image shrunk(kThumbnail, kThumbnail, 3);
    if (auto sample = images_->read(position)) {
      // The maps describe the model's view of the image, so the thumbnail shows that view.
      const Image full = options_.latent_seed ? std::move(sample->pixels) : crop_to_view(sample->pixels, model_->preprocess());
      for (int y = 0; y < kThumbnail; ++y) {
        for (int x = 0; x < kThumbnail; ++x) {
          const std::uint8_t* src = full.at(std::min(full.width - 1, x * full.width / kThumbnail),
                                            std::min(full.height - 1, y * full.height / kThumbnail));
          for (int c = 0; c < 3; ++c) shrunk.at(x, y)[c] = src[std::min(c, full.channels - 1)];
        }
      }
    }
    return small.emplace(position, std::move(shrunk)).first->second;
  };
  // The maps the report draws; from this process's own images unless the caller has them.
  std::map<MapKey, std::vector<float>> own;
  if (!maps) {
    std::vector<MapKey> wanted;
    for (std::size_t li = 0; li < r.layers.size(); ++li) {
      for (const UnitResult& u : r.layers[li].units) {
        const std::size_t n = std::min<std::size_t>(u.top.size(), static_cast<std::size_t>(options_.report_images));
        for (std::size_t t = 0; t < n; ++t) wanted.emplace_back(li, u.unit, u.top[t].position);
      }
    }
    own = unit_maps(wanted);
  }
  std::vector<std::vector<std::vector<ReportThumbnail>>> thumbs(r.layers.size());
  for (std::size_t li = 0; li < r.layers.size(); ++li) {
    const LayerState& layer = state_.layers[li];
    thumbs[li].resize(r.layers[li].units.size());
    for (const UnitResult& u : r.layers[li].units) {
      const std::size_t n = std::min<std::size_t>(u.top.size(), static_cast<std::size_t>(options_.report_images));
      for (std::size_t t = 0; t < n; ++t) {
        const std::span<const float> map =
            maps ? maps(li, u.unit, u.top[t].position) : std::span<const float>(own.at({li, u.unit, u.top[t].position}));
        thumbnail_source(u.top[t].position);
        thumbs[li][static_cast<std::size_t>(u.unit)].push_back(
            {u.top[t].position, mask_layer(map, static_cast<int>(layer.shape[1]),
                                           static_cast<int>(layer.shape[2]), round_down(u.threshold),
                                           kThumbnail)});
      }
    }
  }
  write_file_atomic(options_.out / "report.html", report_html(r, small, thumbs));
}

DissectionResult DissectionRun::run() {
  if (sharded()) return run_sharded();
  progress_.phase = kPhaseStarting;
  {
    Stopwatch watch(timings_.open);
    open_inputs();
    load_or_start();
  }
  if (state_.phase == kPhaseForward) {
    forward_pass();
    choose_thresholds();
  }
  if (state_.phase == kPhaseTally) tally_pass();
  DissectionResult r = result();
  const auto outputs_start = std::chrono::steady_clock::now();
  if (state_.phase == kPhaseReport) {
    write_outputs(r, options_.write_report);
    caches_.clear();
    fs::remove(band_path());  // already gone, unless a run stopped right after settling
    if (!options_.keep_cache) {
      for (std::size_t li = 0; li < options_.layers.size(); ++li) fs::remove(cache_path(li));
    }
    state_.phase = kPhaseDone;
    save();
  } else {
    // Done before: the tables are rewritten (identically); report.html needs the cache, if kept.
    const bool kept = state_.storage == kStoreNone || fs::exists(cache_path(0));
    if (kept && options_.write_report) open_caches(/*create=*/false);
    write_outputs(r, options_.write_report && kept);
  }
  r.timings.outputs = seconds_since(outputs_start);
  progress_.phase = kPhaseDone;
  return r;
}

}  // namespace dissect_internal

DissectionResult dissect(const DissectOptions& options, DissectProgress& progress, std::stop_token stop) {
  dissect_internal::DissectionRun run(options, progress, std::move(stop));
  return run.run();
}

}  // namespace unitscope::analysis
