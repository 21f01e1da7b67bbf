// The dissection the studio runs for its model (a classifier against a Broden dataset, the demo
// dataset by default; a generator through GAN dissection of its own samples with the demo
// segmenter), shared by the dissection panel and `unitscope record`, and where the studio finds one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/data/fingerprint.h"
#include "analysis/dissect/dissection.h"
#include "analysis/dissect/dissection_file.h"

namespace unitscope::engine {

struct StudioDissectionRequest {
  std::string model;                 // a resolved model path or builtin: name
  std::vector<std::string> layers;
  bool generator = false;
  std::string segmenter;             // generator only: labels its samples; empty: the demo segmenter
  std::filesystem::path dataset;     // classifier only; empty: the demo dataset
  analysis::Convention convention = analysis::Convention::kPnas;
  std::size_t limit = 0;             // images (classifier) or samples (generator, 0: 1000)
  std::filesystem::path out;         // Studio::dissection_cache_dir(); results go to out/<convention>
  std::function<void(const analysis::LayerResult&)> on_partial;  // see DissectOptions
  int threads = 0;                   // LibTorch intra-op threads; 0: one per core
  analysis::DissectKnobs knobs;      // quantile, IoU cutoff, categories, label grid
};

// GAN dissection's sample count when the request gives none.
constexpr std::size_t kDefaultGanSamples = 1000;

// The cache folder of a run's options: the convention ("pnas"), then "-n40" for an image limit,
// "-s200" for another sample count, "-d<hash>" for a dataset other than the demo's, "-g<hash>" for
// a segmenter other than the demo's, "-k<hash>" for knobs other than the defaults. Runs with
// different options never share (or replace) a folder.
std::string studio_dissection_variant(const StudioDissectionRequest& request);
// "" for the demo segmenter (or none), else "-g" and a hash of the segmenter's canonical path.
std::string segmenter_tag(const std::string& segmenter);
// Where run_studio_dissection writes: out/<variant>.
std::filesystem::path studio_dissection_out(const StudioDissectionRequest& request);

analysis::DissectionResult run_studio_dissection(const StudioDissectionRequest& request,
                                                 analysis::DissectProgress& progress, std::stop_token stop = {});

// Where the studio caches dissections of a model's layer: cache_dir()/dissections/<stem>-<hash of
// the model's canonical path>/<layer>. The hash is stable, so every build finds the same runs.
std::filesystem::path studio_dissection_cache_dir(const std::string& model_path, const std::string& layer);

// What the studio looks for when it loads its layer's dissection: plain values, since the load
// runs as a job off the UI thread.
struct StudioDissectionQuery {
  std::string model;                 // StudioSettings::model ("demo:classifier", a path, ...)
  std::string layer;                 // empty: nothing to load
  std::filesystem::path dissection;  // StudioSettings::dissection, tried first when set
  std::string segmenter;             // generators: only runs labelled by it (empty: the demo's)
  std::int64_t units = -1;           // the open model's unit count of the layer; -1: not known
};

struct StudioDissectionLoad {
  std::shared_ptr<const analysis::LayerDissection> dissection;  // null when none was usable
  std::filesystem::path dir;  // the output directory it was read from
  std::string error;          // why the last dissection found was not used
};

// Tries settings.dissection, then the studio's cached runs (newest convention first), then the
// demo's own output; the first that reads and matches the layer's unit count wins.
StudioDissectionLoad load_studio_dissection(const StudioDissectionQuery& query);

}  // namespace unitscope::engine
