#version 450
#extension GL_GOOGLE_include_directive : require
// Feature-map grid: one instance per map, placed in a grid of cells inside rect_px.
#include "shared/pass_layouts.h"

layout(push_constant) uniform Push { AtlasPush pc; };
layout(std430, set = 0, binding = 2) readonly buffer Ranges { MapRange ranges[]; };

layout(location = 0) out vec2 out_local;            // 0..1 inside the cell
layout(location = 1) out vec2 out_cell_px;          // cell size in target pixels
layout(location = 2) flat out uint out_map;
layout(location = 3) flat out vec2 out_range;      // lo, hi: read once per vertex, not per pixel

void main() {
  const vec2 corners[6] = vec2[](vec2(0, 0), vec2(1, 0), vec2(1, 1), vec2(0, 0), vec2(1, 1), vec2(0, 1));
  vec2 c = corners[gl_VertexIndex];
  uint map = gl_InstanceIndex;
  uint cols = max(pc.grid.x, 1u);
  uint rows = max(pc.grid.y, 1u);
  float gap = pc.viewport.z;
  vec2 area = pc.rect_px.zw - pc.rect_px.xy;
  vec2 cell = (area - gap * vec2(float(cols - 1u), float(rows - 1u))) / vec2(float(cols), float(rows));
  vec2 origin = pc.rect_px.xy + vec2(float(map % cols), float(map / cols)) * (cell + gap);
  vec2 px = origin + c * cell;
  out_local = c;
  out_cell_px = cell;
  out_map = map;
  out_range = vec2(ranges[map].lo, ranges[map].hi);
  gl_Position = vec4(px / pc.viewport.xy * 2.0 - 1.0, 0.0, 1.0);
}
