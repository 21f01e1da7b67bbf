#version 450
// Dear ImGui fragments: vertex colour times the bound texture (font atlas or one of ours).

layout(set = 0, binding = 0) uniform sampler2D image;
layout(location = 0) in vec2 uv;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 out_color;

void main() { out_color = color * texture(image, uv); }
