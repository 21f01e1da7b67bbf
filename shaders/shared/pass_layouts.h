// Push-constant and storage layouts of every pass, shared by the GLSL shaders and render/.
#ifndef UNITSCOPE_SHADERS_SHARED_PASS_LAYOUTS_H
#define UNITSCOPE_SHADERS_SHARED_PASS_LAYOUTS_H

#include "shared/gpu_types.h"

UNITSCOPE_GPU_BEGIN

// Every quad pass starts with these two fields, which quad.vert reads.
// rect: target NDC x0 y0 x1 y1 (y down); uv_rect: texture u0 v0 u1 v1.
struct QuadPush {
  vec4 rect;
  vec4 uv_rect;
  vec4 tint;  // multiplies the texel
};

struct AtlasPush {
  vec4 rect_px;       // grid area in target pixels: x0 y0 x1 y1
  vec4 viewport;      // target width, height; gap between cells px; highlight border px
  uvec4 grid;         // columns, rows of the view; map width, height in texels
  uvec4 atlas;        // columns of maps in the texture; map count; hovered; selected
  vec4 hover_color;   // rgb, unused
  vec4 select_color;  // rgb, unused
  uvec4 style;        // colormap row, unused x3
};

// One per map in the atlas storage buffer: value range mapped to colormap 0..1.
struct MapRange {
  float lo;
  float hi;
};

struct OverlayPush {
  vec4 rect;
  vec4 uv_rect;
  vec4 tint;     // rgb; strength of the tint inside the mask
  vec4 outline;  // rgb; outline width in target pixels (0: none)
  vec4 mask;     // threshold; brightness outside (1 = unchanged); desaturation outside; mode
  vec4 heat;     // heat-map range lo, hi; blend alpha; colormap row
};

struct DifferencePush {
  vec4 rect;
  vec4 uv_rect;
  vec4 params;  // gain (difference of 1/gain maps to the colormap end); colormap row; unused x2
};

struct ImGuiPush {
  vec4 scale_translate;  // pixel -> NDC: xy scale, zw translate
};

UNITSCOPE_GPU_END

#ifdef __cplusplus
static_assert(sizeof(unitscope::render::gpu::QuadPush) == 48);
static_assert(sizeof(unitscope::render::gpu::AtlasPush) == 112);
static_assert(sizeof(unitscope::render::gpu::MapRange) == 8);
static_assert(sizeof(unitscope::render::gpu::OverlayPush) == 96);
static_assert(sizeof(unitscope::render::gpu::DifferencePush) == 48);
static_assert(sizeof(unitscope::render::gpu::ImGuiPush) == 16);
static_assert(sizeof(unitscope::render::gpu::AtlasPush) <= 128, "Vulkan guarantees 128 push-constant bytes");
#endif

#endif
