#version 450
#extension GL_GOOGLE_include_directive : require
// Signed difference of two images (b - a, mean of RGB) through a diverging colormap: 0 maps to
// the middle, +-1/gain to the ends.
#include "shared/pass_layouts.h"
#include "colormap.glsl"

layout(push_constant) uniform Push { DifferencePush pc; };
layout(set = 0, binding = 0) uniform sampler2D image_a;
layout(set = 0, binding = 1) uniform sampler2D image_b;
layout(set = 0, binding = 2) uniform sampler2D lut;

layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 out_color;

void main() {
  vec3 a = texture(image_a, uv).rgb;
  vec3 b = texture(image_b, uv).rgb;
  float d = dot(b - a, vec3(1.0 / 3.0));
  out_color = vec4(colormap(lut, uint(pc.params.y), 0.5 + 0.5 * pc.params.x * d), 1.0);
}
