#include "analysis/world/world_batches.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstring>

#include "analysis/data/error.h"
#include "analysis/data/seed_mix.h"
#include "analysis/world/scene_taxonomy.h"

namespace unitscope::analysis {

WorldSampler::WorldSampler(SceneWorldOptions world, Preprocess preprocess, std::vector<int> classes)
    : world_(world), preprocess_(preprocess), classes_(std::move(classes)) {
  for (int c : classes_) {
    if (c < 0 || c >= scene_class::kCount) throw Error("no scene class " + std::to_string(c));
  }
}

std::uint64_t WorldSampler::world_index(std::uint64_t k) const {
  if (classes_.empty()) return k;
  std::lock_guard lock(mutex_);
  while (indices_.size() <= k) {
    const int c = world_.scene_class_of(scanned_);
    if (std::find(classes_.begin(), classes_.end(), c) != classes_.end()) indices_.push_back(scanned_);
    ++scanned_;
  }
  return indices_[k];
}

WorldBatch WorldSampler::batch(std::uint64_t first, int n, bool want_objects, bool want_raw,
                               std::uint64_t flip_seed) const {
  const int w = world_.options().width;
  const int h = world_.options().height;
  if (want_objects && (world_.label_width() != w || world_.label_height() != h)) {
    throw Error("object labels for training need label_scale 1");
  }
  WorldBatch out;
  out.images = at::empty({n, 3, h, w}, at::kFloat);
  out.classes = at::empty({n}, at::kLong);
  if (want_objects) out.objects = at::zeros({n, h, w}, at::kLong);
  const auto& taxonomy = WorldTaxonomy::get();
  std::vector<std::int64_t> object_of(taxonomy.labels().size(), 0);
  const auto numbers = taxonomy.numbers(WorldCategory::kObject);
  for (std::size_t i = 0; i < numbers.size(); ++i) object_of[numbers[i]] = std::int64_t(i) + 1;

  Scene scene;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t k = first + std::uint64_t(i);
    world_.generate(world_index(k), scene);
    const bool flip = flip_seed != 0 && (seed_mix(flip_seed ^ seed_mix(k)) & 1) != 0;
    if (flip) {
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w / 2; ++x) {
          std::swap_ranges(scene.image.at(x, y), scene.image.at(x, y) + 3, scene.image.at(w - 1 - x, y));
        }
      }
    }
    int ow = 0, oh = 0;
    const std::vector<float> planar = preprocess_image(scene.image, preprocess_, ow, oh);
    if (ow != w || oh != h) throw Error("world batches need a preprocess that keeps the size");
    std::memcpy(out.images[i].data_ptr<float>(), planar.data(), planar.size() * sizeof(float));
    out.classes[i] = std::int64_t(scene.scene_class);
    if (want_objects) {
      const auto& plane = scene.planes_of(WorldCategory::kObject).at(0);
      std::int64_t* dst = out.objects[i].data_ptr<std::int64_t>();
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
          const int sx = flip ? w - 1 - x : x;
          dst[y * w + x] = object_of[plane[std::size_t(y) * w + std::size_t(sx)]];
        }
      }
    }
    if (want_raw) out.raw.push_back(scene.image);
  }
  return out;
}

std::vector<std::string> scene_class_names() {
  const auto names = WorldTaxonomy::get().names(WorldCategory::kScene);
  return {names.begin(), names.end()};
}

std::vector<std::string> segmenter_class_names() {
  const auto names = WorldTaxonomy::get().names(WorldCategory::kObject);
  std::vector<std::string> out{"-"};
  out.insert(out.end(), names.begin(), names.end());
  return out;
}

}  // namespace unitscope::analysis
