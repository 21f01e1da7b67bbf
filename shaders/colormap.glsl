// Colormap lookup in the LUT texture: one row per colormap, UNITSCOPE_COLORMAP_LUT_SIZE texels wide.
#ifndef UNITSCOPE_SHADERS_COLORMAP_GLSL
#define UNITSCOPE_SHADERS_COLORMAP_GLSL

#include "shared/gpu_types.h"

// Nearest of 256 entries (error below half an 8-bit step): a texel fetch costs much less than a
// filtered sample on lavapipe, and colormaps are smooth at that scale.
vec3 colormap(sampler2D lut, uint row, float t) {
  const float last = float(UNITSCOPE_COLORMAP_LUT_SIZE - 1);
  int i = int(clamp(t, 0.0, 1.0) * last + 0.5);
  return texelFetch(lut, ivec2(i, int(row)), 0).rgb;
}

#endif
