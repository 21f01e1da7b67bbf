// SceneWorld: procedural outdoor scenes with exact pixel labels, deterministic per (seed, index).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/world/scene_taxonomy.h"

namespace unitscope::analysis {

struct SceneWorldOptions {
  std::uint64_t seed = 1;
  int width = 128;
  int height = 128;
  int label_scale = 1;  // 1: labels at image resolution; 2: at half of it (rounded up), as Broden
};

// One drawn object: its bounding box in image pixels and the y where it meets the ground.
struct SceneInstance {
  int object = 0;  // world_object::Id
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float base = 0;
};

struct Scene {
  Image image;          // RGB, width x height
  int scene_class = 0;  // scene_class::Id; -1 for scenes with no scene label (generated images)
  int label_width = 0, label_height = 0;
  // Planes of global label numbers (0 = none), label_width * label_height each, indexed by
  // WorldCategory: color 1, object 1, part 2 (part; part of a part, e.g. a window on a wall),
  // material 1, texture 1 (region of a pattern fill), scene none (image-level: scene_label()).
  std::array<std::vector<std::vector<std::uint16_t>>, kWorldCategoryCount> planes;
  std::vector<SceneInstance> instances;  // in drawing order, far to near

  std::uint16_t scene_label() const;
  const std::vector<std::vector<std::uint16_t>>& planes_of(WorldCategory c) const {
    return planes[int(c)];
  }
};

// Stateless apart from its options: generate() may run on many threads at once, and a scene
// depends only on (seed, index, size), never on the thread or the order of calls.
class SceneWorld {
 public:
  explicit SceneWorld(SceneWorldOptions options = {});
  const SceneWorldOptions& options() const { return options_; }
  int label_width() const;
  int label_height() const;

  Scene generate(std::uint64_t index) const;
  // As above, reusing out's buffers (no allocation once warm).
  void generate(std::uint64_t index, Scene& out) const;
  // The scene class of `index` without drawing it.
  int scene_class_of(std::uint64_t index) const;

 private:
  SceneWorldOptions options_;
};

}  // namespace unitscope::analysis
