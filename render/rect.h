// Rect: a rectangle in target pixels (origin top-left, y down), and its NDC form for quad passes.
#pragma once

#include "shaders/shared/gpu_types.h"

#include <vulkan/vulkan.h>

namespace unitscope::render {

struct Rect {
  float x = 0, y = 0, width = 0, height = 0;
  bool contains(float px, float py) const { return px >= x && py >= y && px < x + width && py < y + height; }
};

inline Rect full_rect(VkExtent2D extent) { return {0, 0, float(extent.width), float(extent.height)}; }

// x0 y0 x1 y1 in Vulkan NDC (y = -1 is the top row).
inline gpu::vec4 ndc_rect(const Rect& r, VkExtent2D target) {
  const float sx = 2.0f / float(target.width);
  const float sy = 2.0f / float(target.height);
  return {r.x * sx - 1.0f, r.y * sy - 1.0f, (r.x + r.width) * sx - 1.0f, (r.y + r.height) * sy - 1.0f};
}

inline constexpr gpu::vec4 kFullUv{0.0f, 0.0f, 1.0f, 1.0f};

}  // namespace unitscope::render
