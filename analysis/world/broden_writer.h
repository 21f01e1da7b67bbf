// Exports SceneWorld as a dataset in Broden's on-disk layout, exactly as NetDissect-Lite reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <stop_token>
#include <string>

#include "analysis/data/image.h"
#include "analysis/data/labelled_dataset.h"
#include "analysis/world/scene_world.h"

namespace unitscope::analysis {

struct BrodenExportOptions {
  std::size_t images = 100;
  double val_fraction =
      0.2;          // each image is "val" with this probability (fixed per seed and index)
  int threads = 1;  // the files do not depend on it
  int jpeg_quality = 90;
  std::string folder = "sceneworld";  // under images/; index.csv paths start with it
};

struct BrodenExportReport {
  std::size_t images = 0, train = 0, val = 0;
  bool complete = false;  // false when stopped early: then no CSV files were written
};

// Called on the calling thread with the number of images written so far.
using ExportProgress = std::function<void(std::size_t done, std::size_t total)>;

// Writes DIR/index.csv, category.csv, label.csv, c_<category>.csv, images/<folder>/NNNNNN.jpg and
// label PNGs (one per non-empty plane). The same world options and export options give
// byte-identical files for any thread count. Throws analysis::Error when a file cannot be written.
BrodenExportReport export_broden(const SceneWorld& world, const std::filesystem::path& dir,
                                 const BrodenExportOptions& options,
                                 const ExportProgress& progress = {}, std::stop_token stop = {});

// Scenes from elsewhere, e.g. generated images with a segmenter's labels: source(i, out) fills
// out.image, its label planes and sizes, and out.scene_class (< 0: no image-level scene label).
// It is called from `options.threads` threads at once. `info.seed` only decides the splits.
using SceneSource = std::function<void(std::size_t index, Scene& out)>;
struct SceneSourceInfo {
  std::uint64_t seed = 0;
  int width = 0, height = 0, label_width = 0, label_height = 0;
};
BrodenExportReport export_broden(const SceneSource& source, const SceneSourceInfo& info,
                                 const std::filesystem::path& dir,
                                 const BrodenExportOptions& options,
                                 const ExportProgress& progress = {}, std::stop_token stop = {});

// Whether index `index` of a world with this seed goes to the validation split.
bool is_val_image(std::uint64_t seed, std::uint64_t index, double val_fraction);

}  // namespace unitscope::analysis
