#version 450
#extension GL_GOOGLE_include_directive : require
// Dear ImGui vertices: pixel positions, uv, RGBA8 colour.
#include "shared/pass_layouts.h"

layout(push_constant) uniform Push { ImGuiPush pc; };
layout(location = 0) in vec2 position;
layout(location = 1) in vec2 uv;
layout(location = 2) in vec4 color;
layout(location = 0) out vec2 out_uv;
layout(location = 1) out vec4 out_color;

void main() {
  out_uv = uv;
  out_color = color;
  gl_Position = vec4(position * pc.scale_translate.xy + pc.scale_translate.zw, 0.0, 1.0);
}
