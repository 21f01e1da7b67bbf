// SceneWorld as tensors: the batches the demo trainers learn from and `unitscope eval` scores on.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/generator_io.h"
#include "analysis/data/preprocess.h"
#include "analysis/world/scene_world.h"

namespace unitscope::analysis {

struct WorldBatch {
  at::Tensor images;   // [N, 3, H, W] float, normalised by the sampler's Preprocess
  at::Tensor classes;  // [N] int64 scene_class::Id
  at::Tensor objects;  // [N, H, W] int64: world_object::Id + 1, 0 where unlabelled (if asked)
  std::vector<Image> raw;  // the RGB images (if asked)
};

// The scenes of one world, optionally only those of some scene classes, numbered 0, 1, 2, ...
// Scene k depends only on (world options, class filter, k), so a resumed trainer sees exactly
// the images an uninterrupted one would.
class WorldSampler {
 public:
  WorldSampler(SceneWorldOptions world, Preprocess preprocess, std::vector<int> classes = {});
  const SceneWorld& world() const { return world_; }

  // Scenes first .. first + n - 1. `flip_seed` != 0 mirrors a pseudo-random half of them.
  WorldBatch batch(std::uint64_t first, int n, bool want_objects, bool want_raw = false,
                   std::uint64_t flip_seed = 0) const;
  std::uint64_t world_index(std::uint64_t k) const;

 private:
  SceneWorld world_;
  Preprocess preprocess_;
  std::vector<int> classes_;
  mutable std::mutex mutex_;
  mutable std::vector<std::uint64_t> indices_;  // filtered position -> world index, grown lazily
  mutable std::uint64_t scanned_ = 0;
};

// Names in model-output order: scene classes; "-" then the objects (the segmenter's classes).
std::vector<std::string> scene_class_names();
std::vector<std::string> segmenter_class_names();

}  // namespace unitscope::analysis
