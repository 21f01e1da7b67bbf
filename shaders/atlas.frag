#version 450
#extension GL_GOOGLE_include_directive : require
// Feature-map grid: nearest texel of the map, normalised by its range, through a colormap;
// the hovered and selected cells get a border.
#include "shared/pass_layouts.h"
#include "colormap.glsl"

layout(push_constant) uniform Push { AtlasPush pc; };
layout(set = 0, binding = 0) uniform sampler2D atlas;  // R32F or R16F, read with texelFetch
layout(set = 0, binding = 1) uniform sampler2D lut;

layout(location = 0) in vec2 local;
layout(location = 1) in vec2 cell_px;
layout(location = 2) flat in uint map;
layout(location = 3) flat in vec2 range;
layout(location = 0) out vec4 out_color;

void main() {
  uvec2 size = pc.grid.zw;
  ivec2 texel = clamp(ivec2(floor(local * vec2(size))), ivec2(0), ivec2(size) - 1);
  uint atlas_cols = max(pc.atlas.x, 1u);
  ivec2 origin = ivec2(uvec2(map % atlas_cols, map / atlas_cols) * size);
  float v = texelFetch(atlas, origin + texel, 0).r;
  float t = range.y > range.x ? (v - range.x) / (range.y - range.x) : 0.0;
  vec3 color = colormap(lut, pc.style.x, t);

  vec2 px = local * cell_px;
  float edge = min(min(px.x, px.y), min(cell_px.x - px.x, cell_px.y - px.y));
  if (edge < pc.viewport.w) {
    if (map == pc.atlas.w) color = pc.select_color.rgb;
    else if (map == pc.atlas.z) color = pc.hover_color.rgb;
  }
  out_color = vec4(color, 1.0);
}
