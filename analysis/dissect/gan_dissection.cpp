#include "analysis/dissect/gan_dissection.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/world/broden_writer.h"
#include "analysis/model/demo_eval.h"
#include "analysis/data/error.h"
#include "analysis/model/model.h"
#include "analysis/world/scene_taxonomy.h"
#include "analysis/world/world_batches.h"

namespace unitscope::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string samples_fingerprint(const GanDissectOptions& o) {
  return json{{"generator", o.dissect.model.source},
              {"segmenter", o.segmenter.source},
              {"samples", o.samples},
              {"seed", o.seed},
              {"min_confidence", kMinConfidence}}
      .dump();
}

// Generates and segments every sample in memory (64x64 samples are 12 KB each), then writes them
// as Broden with the writer's threads.
void write_samples(const GanDissectOptions& o, const fs::path& dir, DissectProgress& progress,
                   std::stop_token stop) {
  auto generator = open_model(o.dissect.model);
  auto segmenter = open_model(o.segmenter);
  const std::vector<std::string> classes = segmenter_class_names();
  const auto numbers = WorldTaxonomy::get().numbers(WorldCategory::kObject);
  std::vector<Image> images;
  std::vector<std::vector<std::uint16_t>> planes;
  progress.phase = 0;
  progress.total = o.samples;
  const auto batch_size = std::size_t(o.dissect.batch);
  for (std::size_t first = 0; first < o.samples; first += batch_size) {
    if (stop.stop_requested()) throw DissectCancelled();
    const int n = int(std::min(batch_size, o.samples - first));
    std::vector<Image> batch = generate(*generator, o.seed, first, n);
    at::Tensor labels, confidence;
    segment(*segmenter, batch, labels, confidence);
    if (labels.size(1) != batch[0].height || labels.size(2) != batch[0].width) {
      throw Error("segmenter " + o.segmenter.source + " gives labels of another size than the " +
                  std::to_string(batch[0].width) + "x" + std::to_string(batch[0].height) + " samples");
    }
    const at::Tensor kept = labels.masked_fill(confidence < kMinConfidence, 0).to(at::kLong).contiguous();
    for (int i = 0; i < n; ++i) {
      const std::int64_t* l = kept[i].data_ptr<std::int64_t>();
      std::vector<std::uint16_t> plane(std::size_t(kept[i].numel()));
      for (std::size_t p = 0; p < plane.size(); ++p) {
        const std::int64_t c = l[p];
        if (c < 0 || c >= std::int64_t(classes.size())) {
          throw Error("segmenter " + o.segmenter.source + " predicts class " + std::to_string(c) +
                      "; SceneWorld has " + std::to_string(classes.size() - 1) + " objects");
        }
        plane[p] = c == 0 ? 0 : numbers[std::size_t(c - 1)];
      }
      planes.push_back(std::move(plane));
      images.push_back(std::move(batch[std::size_t(i)]));
    }
    progress.done = first + std::size_t(n);
  }
  SceneSourceInfo info;
  info.seed = o.seed;
  info.width = info.label_width = images.at(0).width;
  info.height = info.label_height = images.at(0).height;
  const SceneSource source = [&](std::size_t i, Scene& out) {
    out.image = images[i];
    out.scene_class = -1;
    out.label_width = info.label_width;
    out.label_height = info.label_height;
    for (auto& category : out.planes) category.clear();
    out.planes[int(WorldCategory::kObject)].push_back(planes[i]);
  };
  BrodenExportOptions export_options;
  export_options.images = o.samples;
  export_options.val_fraction = 0.0;
  export_options.threads = 2;
  export_options.folder = "samples";
  const fs::path partial = dir.string() + ".partial";
  fs::remove_all(partial);
  const auto report = export_broden(source, info, partial, export_options, {}, stop);
  if (!report.complete) throw DissectCancelled();
  std::ofstream(partial / "gan_samples.json") << samples_fingerprint(o) << '\n';
  fs::remove_all(dir);
  fs::rename(partial, dir);
}

}  // namespace

DissectionResult gan_dissect(const GanDissectOptions& o, DissectProgress& progress,
                             std::stop_token stop) {
  if (o.samples == 0) throw Error("gan-dissect needs at least one sample");
  if (o.dissect.layers.empty()) throw Error("gan-dissect needs at least one layer");
  set_threads(o.dissect.threads);
  const fs::path dir = o.dissect.out / "samples";
  std::string existing;
  if (std::ifstream in(dir / "gan_samples.json"); in) std::getline(in, existing);
  if (existing != samples_fingerprint(o)) {
    // Other samples invalidate any dissection state that was built on them.
    fs::remove_all(o.dissect.out / ".dissect");
    fs::create_directories(o.dissect.out);
    write_samples(o, dir, progress, stop);
  }
  DissectOptions d = o.dissect;
  d.dataset = dir;
  d.latent_seed = o.seed;
  return dissect(d, progress, stop);
}

}  // namespace unitscope::analysis
