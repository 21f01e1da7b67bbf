// Types shared by GLSL and C++ layouts: in C++ plain 16-byte structs, in GLSL the built-in types.
#ifndef UNITSCOPE_SHADERS_SHARED_GPU_TYPES_H
#define UNITSCOPE_SHADERS_SHARED_GPU_TYPES_H

#ifdef __cplusplus
#include <cstdint>
#define UNITSCOPE_GPU_BEGIN namespace unitscope::render::gpu {
#define UNITSCOPE_GPU_END }
UNITSCOPE_GPU_BEGIN
// Only vec4/uvec4 (and float pairs in arrays) so std430 offsets equal C++ offsets without padding.
struct vec4 {
  float x = 0, y = 0, z = 0, w = 0;
};
struct uvec4 {
  std::uint32_t x = 0, y = 0, z = 0, w = 0;
};
static_assert(sizeof(vec4) == 16 && sizeof(uvec4) == 16);
UNITSCOPE_GPU_END
#else
#define UNITSCOPE_GPU_BEGIN
#define UNITSCOPE_GPU_END
#endif

// Rows of the colormap LUT texture, in this order (render/colormap.h mirrors it as an enum).
#define UNITSCOPE_COLORMAP_VIRIDIS 0
#define UNITSCOPE_COLORMAP_MAGMA 1
#define UNITSCOPE_COLORMAP_INFERNO 2
#define UNITSCOPE_COLORMAP_GRAY 3
#define UNITSCOPE_COLORMAP_DIVERGING 4
#define UNITSCOPE_COLORMAP_COUNT 5
#define UNITSCOPE_COLORMAP_LUT_SIZE 256

// Values of OverlayPush.mask.w.
#define UNITSCOPE_OVERLAY_MASK 0
#define UNITSCOPE_OVERLAY_HEATMAP 1

// "No cell" for AtlasPush.atlas.z / .w.
#define UNITSCOPE_ATLAS_NONE 0xFFFFFFFFu

#endif
