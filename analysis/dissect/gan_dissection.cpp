#include "analysis/dissect/gan_dissection.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "analysis/data/error.h"
#include "analysis/data/fingerprint.h"
#include "analysis/data/labelled_dataset.h"
#include "analysis/dist/exchange.h"
#include "analysis/model/generator_io.h"
#include "analysis/model/model.h"
#include "analysis/model/segmenter.h"

namespace unitscope::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string samples_fingerprint(const GanDissectOptions& o, const Segmenter& segmenter) {
  const std::string generator = o.dissect.model.source.rfind("builtin:", 0) == 0
                                    ? o.dissect.model.source + "#" + std::to_string(o.dissect.model.seed)
                                    : file_fingerprint(o.dissect.model.source) +
                                          file_fingerprint(sidecar_path(o.dissect.model.source));
  return fnv1a_64_hex(json{{"format", "gan-samples-2"},
                           {"generator", o.dissect.model.source},
                           {"generator_content", generator},
                           {"segmenter", segmenter.fingerprint()},
                           {"samples", o.samples},
                           {"seed", o.seed},
                           {"batch", o.dissect.batch}}
                          .dump());
}

// Generates and segments the samples chunk by chunk; a stopped run resumes at its last chunk.
void write_samples(const GanDissectOptions& o, Segmenter& segmenter, LabelledDatasetWriter& writer,
                   DissectProgress& progress, std::stop_token stop) {
  auto generator = open_model(o.dissect.model);
  if (!generator->is_generator()) {
    throw Error("model " + o.dissect.model.source + " is no generator: its sidecar gives no latent input_shape");
  }
  progress.phase = 0;
  progress.total = o.samples;
  const auto batch_size = std::size_t(o.dissect.batch);
  const auto heads = segmenter.vocabulary().heads.size();
  std::size_t chunk = 0;
  for (std::size_t first = 0; first < o.samples; first += batch_size, ++chunk) {
    const int n = int(std::min(batch_size, o.samples - first));
    if (writer.has_chunk(chunk)) {
      progress.resumed_from = progress.done = first + std::size_t(n);
      continue;
    }
    if (stop.stop_requested()) throw DissectCancelled();
    std::vector<Image> batch = generate(*generator, o.seed, first, n);
    const int width = batch[0].width, height = batch[0].height;
    const at::Tensor labels = segmenter.label(batch, width, height).to(at::kInt).contiguous();
    std::vector<LabelledImage> images(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      LabelledImage& l = images[std::size_t(i)];
      l.width = l.label_width = width;
      l.height = l.label_height = height;
      l.pixels = std::move(batch[std::size_t(i)]);
      for (std::size_t h = 0; h < heads; ++h) {
        const std::int32_t* p = labels[i][std::int64_t(h)].data_ptr<std::int32_t>();
        l.planes.emplace_back(p, p + std::size_t(width) * std::size_t(height));
      }
    }
    writer.write_chunk(chunk, first, images);
    progress.done = first + std::size_t(n);
  }
  writer.finish(chunk);
}

// The generator's samples and their labels in `dir`, made or resumed.
void write_labelled_samples(const GanDissectOptions& o, const fs::path& dir, DissectProgress& progress,
                            std::stop_token stop) {
  Segmenter segmenter(o.segmenter);
  const std::string fingerprint = samples_fingerprint(o, segmenter);
  std::string existing;
  std::error_code ec;
  for (const char* stamp : {"labels.json", ".chunks/fingerprint"}) {
    if (std::ifstream in(dir / stamp); in) {
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      existing += text;
    }
  }
  if (existing.find(fingerprint) == std::string::npos) {
    // Other samples (or none yet) invalidate any samples and dissection state found there.
    fs::remove_all(dir, ec);
    fs::remove_all(o.dissect.out / ".dissect", ec);
  }
  fs::create_directories(o.dissect.out, ec);
  LabelledDatasetWriter writer(dir, segmenter.vocabulary(), fingerprint, "samples");
  if (!writer.complete()) write_samples(o, segmenter, writer, progress, stop);
}

}  // namespace

DissectionResult gan_dissect(const GanDissectOptions& o, DissectProgress& progress,
                             std::stop_token stop) {
  if (o.samples == 0) throw Error("gan-dissect needs at least one sample");
  if (o.dissect.layers.empty()) throw Error("gan-dissect needs at least one layer");
  if (o.dissect.batch < 1) throw Error("the batch must be at least 1, not " + std::to_string(o.dissect.batch));
  set_threads(o.dissect.threads);
  const fs::path dir = o.dissect.out / "samples";
  // Sharded: rank 0 writes the samples once for every rank while the others wait.
  Exchange* exchange = o.dissect.exchange;
  if (!exchange || exchange->rank() == 0) write_labelled_samples(o, dir, progress, stop);
  if (exchange) exchange->barrier();
  DissectOptions d = o.dissect;
  d.dataset = dir;
  d.latent_seed = o.seed;
  return dissect(d, progress, stop);
}

}  // namespace unitscope::analysis
