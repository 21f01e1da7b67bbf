#version 450
#extension GL_GOOGLE_include_directive : require
// A texture in a rectangle, multiplied by a tint.
#include "shared/pass_layouts.h"

layout(push_constant) uniform Push { QuadPush pc; };
layout(set = 0, binding = 0) uniform sampler2D image;

layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 out_color;

void main() { out_color = texture(image, uv) * pc.tint; }
