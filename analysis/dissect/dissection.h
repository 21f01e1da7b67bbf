// Network dissection as a job body: options in, plain per-layer unit results out, resumable on disk.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/data/preprocess.h"
#include "analysis/model/layer_layout.h"
#include "analysis/model/model_spec.h"
#include "analysis/stats/iou_tally.h"

namespace unitscope::analysis {

class Exchange;
struct LayerResult;

// How pass 1 keeps the activations that the thresholds, the tally and the report read again.
// fp32: exact. fp16: half the disk; every statistic is then taken on the values rounded to half
// precision, so results differ a little from fp32's (README). none: no disk; whatever reads the
// activations runs the model again (about twice the model time), with results identical to fp32's.
// auto: the first of fp32, fp16 and none whose estimate fits the disk budget.
enum class CacheMode { kAuto, kFp32, kFp16, kNone };
const char* cache_mode_name(CacheMode mode);  // "auto", "fp32", "fp16", "none"
CacheMode parse_cache_mode(const std::string& text);  // throws Error for anything else

struct DissectOptions {
  ModelSpec model;
  std::vector<std::string> layers;
  std::filesystem::path dataset;   // a Broden-format directory
  std::filesystem::path out;       // DIR: DIR/<layer>/tally.csv, dissection.json, DIR/report.html
  Convention convention = Convention::kPnas;
  DissectKnobs knobs;  // preprocess.h: unset ones come from the model's sidecar, else the defaults
  // How each layer's output is read as units on a grid (layer_layout.h); a layer not named takes
  // `layout` (kAuto: guessed from its shape).
  LayerLayout layout = LayerLayout::kAuto;
  std::map<std::string, LayerLayout> layouts;
  LayerLayout layout_of(const std::string& layer) const {
    const auto it = layouts.find(layer);
    return it == layouts.end() ? layout : it->second;
  }
  std::string split;               // empty: every row of index.csv
  int batch = 16;
  int threads = 0;                 // LibTorch intra-op threads; 0: one per core
  int topk = 8;                    // exemplar images kept per unit
  int report_images = 4;           // of those, how many report.html draws per unit
  std::size_t limit = 0;           // dissect only the first `limit` images (0: all)
  bool keep_cache = false;         // keep DIR/.dissect/*.f32 (the activation cache) after success
  CacheMode cache = CacheMode::kAuto;  // a resumed run keeps its mode, or switches to none
  std::uint64_t disk_budget = 0;   // bytes the cache may take (auto); 0: half the free space under `out`
  // One-line notes for the user, such as the cache's estimate and the mode chosen. Must not throw.
  std::function<void(const std::string&)> on_note;
  bool write_report = true;
  // Set for a generator: the dataset's row r is the image of latent sample r of this seed
  // (sample_latents), and the model runs on that latent instead of the image.
  std::optional<std::uint64_t> latent_seed;
  std::size_t stop_after_batches = 0;  // tests: act as if stopped after this many batches (0: never)
  // Sharded over the ranks of an MPI job (dist/exchange.h; null or one rank: this process alone).
  // Each rank runs both passes over its own contiguous shard of the images, with its own cache and
  // checkpoint in DIR/.dissect/rank-R-of-K; the ranks merge their statistics exactly, and rank 0
  // writes outputs byte-identical to one process's. Every rank must call dissect() alike.
  Exchange* exchange = nullptr;
  // Partial results while the tally runs: called on the dissect thread with each layer's scores
  // over the images tallied so far, after every `partial_every` tally batches but the last (the
  // returned result has the final ones). It must return quickly and not throw. Most pnas thresholds
  // are settled by the tally itself (threshold_band.h): until the end such a unit shows its
  // histogram's estimate (its ranks' values at their bins' lower edges, up to 0.4% below them) and
  // counts the pixels above the bins.
  std::function<void(const LayerResult&)> on_partial;
  int partial_every = 4;
};

// Poll from any thread. phase: 0 starting, 1 forward passes, 2 tally, 3 report, 4 done.
struct DissectProgress {
  std::atomic<int> phase{0};
  std::atomic<std::size_t> done{0};   // images finished in this phase
  std::atomic<std::size_t> total{0};  // images in this phase
  std::atomic<std::size_t> resumed_from{0};  // images already done by an earlier run, this phase
};

struct TopImageInfo {
  std::uint64_t position = 0;  // in the dissected image list
  std::size_t row = 0;         // 0-based data row of index.csv
  std::string image;           // path as index.csv gives it
  float value = 0.0f;          // the unit's maximum activation there
};

struct UnitResult {
  int unit = 0;                    // 0-based
  double threshold = 0.0;          // the quantile; activated pixels are strictly above it
  UnitScore score;                 // label, IoU per label and best label per category
  std::vector<TopImageInfo> top;   // best first
};

struct LayerResult {
  std::string layer;
  std::vector<std::int64_t> shape;  // one sample's maps as dissected, {units, H, W}, e.g. {512, 7, 7}
  // A token layer's class token, kept off the grid: per unit, its mean and maximum over the images.
  std::vector<double> class_token_mean, class_token_max;
  IouTally tally;
  std::vector<UnitResult> units;    // by unit index
};

// Where this run's time went, in seconds (for benchmarks; the parts do not cover everything).
struct DissectTimings {
  double open = 0.0;         // model, dataset tables, checkpoint
  double decode_wait = 0.0;  // pass 1 waiting for decoded images
  double statistics = 0.0;   // pass 1: maxima, finiteness, quantile statistics
  double cache = 0.0;        // activation cache: pass 1 waiting for writes (beside the statistics), pass 2 reads
  double checkpoint = 0.0;   // writing checkpoints, both passes
  double thresholds = 0.0;   // between the passes: quantile brackets, and the looks at the cache that units need before the tally
  double labels = 0.0;       // pass 2: arranging decoded labels
  double tally = 0.0;        // pass 2: upsampling, thresholding and counting; settling the thresholds it kept bands for
  double prepare = 0.0;      // pass 1: images to the model's input tensor
  double outputs = 0.0;      // writing tally.csv, dissection.json and report.html
};

// What a result was computed on: the model's view of each image and the compared grid.
struct DissectGeometry {
  bool follows_view = true;  // false for a generator: the labels are its own output, not resized
  Preprocess preprocess;     // resize and crop, applied to the labels by nearest neighbour
  int label_size = 0;        // as DissectOptions::label_size
  int grid_width = 0, grid_height = 0;  // the first image's compared grid
};

struct DissectionResult {
  Convention convention = Convention::kPnas;
  double quantile = 0.0;       // the level of the thresholds: 1 - the top fraction
  double iou_threshold = kDetectorIou;
  DissectGeometry geometry;
  std::string model;
  std::filesystem::path dataset;
  std::size_t images = 0;
  std::vector<std::string> categories;
  std::vector<std::string> label_names;  // by label number; empty for gaps
  std::vector<int> label_category;       // by label number: primary category index or -1
  std::vector<LayerResult> layers;
  double forward_seconds = 0.0;          // this run's pass 1 (model + cache + unit statistics)
  double tally_seconds = 0.0;            // this run's pass 2
  double model_seconds = 0.0;            // of pass 1, inside the model's forward calls
  DissectTimings timings;
  CacheMode cache = CacheMode::kFp32;    // how this run (this rank) kept its activations
};

// Thrown (after the checkpoint is written) when the stop token fires; re-running resumes.
class DissectCancelled : public std::runtime_error {
 public:
  DissectCancelled() : std::runtime_error("dissection interrupted; run again to resume") {}
};

// Runs or resumes the dissection described by `options`, writing every output under options.out.
// Pass 1 runs the model once per image, appends each layer's raw float32 activations to
// DIR/.dissect/<layer>.f32 and gathers per-unit tail histograms of the values near the quantile (pnas:
// of the maps upsampled to the label grid; netdissect-lite: of the raw maps); pass 2 reads that
// cache back and tallies. Every threshold is the exact quantile (numpy's linear rule). A histogram
// names the bin that holds the quantile; for pnas the tally keeps that bin's pixels aside and
// settles the exact threshold at its end; otherwise (raw maps, or a bin with too many values) one
// more look at the cache settles it first. Label maps follow the model's resize and crop (LabelView). A checkpoint after every
// batch makes an interrupted run lose at most one batch; the resumed results are byte-identical to
// an uninterrupted run with the same options.
// Throws Error for bad input (unknown layer, failing model, dataset errors, NaN/Inf activations,
// a DIR that holds a run with other options). Sharded, only rank 0's result holds the layers.
DissectionResult dissect(const DissectOptions& options, DissectProgress& progress,
                         std::stop_token stop = {});

}  // namespace unitscope::analysis
