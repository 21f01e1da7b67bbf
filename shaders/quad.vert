#version 450
// A rectangle from push constants, no vertex buffer: 6 vertices, two triangles.

layout(push_constant) uniform Push {
  vec4 rect;     // NDC x0 y0 x1 y1
  vec4 uv_rect;  // u0 v0 u1 v1
} pc;

layout(location = 0) out vec2 out_uv;

void main() {
  const vec2 corners[6] = vec2[](vec2(0, 0), vec2(1, 0), vec2(1, 1), vec2(0, 0), vec2(1, 1), vec2(0, 1));
  vec2 c = corners[gl_VertexIndex];
  out_uv = mix(pc.uv_rect.xy, pc.uv_rect.zw, c);
  gl_Position = vec4(mix(pc.rect.xy, pc.rect.zw, c), 0.0, 1.0);
}
