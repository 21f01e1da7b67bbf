#version 450
#extension GL_GOOGLE_include_directive : require
// Unit mask over an image, as in network dissection figures: the float map is upsampled
// bilinearly to the image, thresholded; outside is dimmed and desaturated, inside tinted and
// outlined. Heat-map mode blends the normalised map through a colormap instead.
#include "shared/pass_layouts.h"
#include "colormap.glsl"

layout(push_constant) uniform Push { OverlayPush pc; };
layout(set = 0, binding = 0) uniform sampler2D image;
layout(set = 0, binding = 1) uniform sampler2D map;  // R32F/R16F, read with texelFetch
layout(set = 0, binding = 2) uniform sampler2D lut;

layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 out_color;

// Bilinear with half-texel centres and clamped edges (align_corners = false), done by hand so
// that R32F works where the format has no linear filtering.
float upsampled(vec2 at) {
  ivec2 size = textureSize(map, 0);
  vec2 p = at * vec2(size) - 0.5;
  ivec2 i0 = ivec2(floor(p));
  vec2 f = p - vec2(i0);
  ivec2 lo = clamp(i0, ivec2(0), size - 1);
  ivec2 hi = clamp(i0 + 1, ivec2(0), size - 1);
  float a = texelFetch(map, ivec2(lo.x, lo.y), 0).r;
  float b = texelFetch(map, ivec2(hi.x, lo.y), 0).r;
  float c = texelFetch(map, ivec2(lo.x, hi.y), 0).r;
  float d = texelFetch(map, ivec2(hi.x, hi.y), 0).r;
  return mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}

void main() {
  vec4 texel = texture(image, uv);
  vec3 color = texel.rgb;
  float v = upsampled(uv);
  float width = fwidth(v);
  if (uint(pc.mask.w) == UNITSCOPE_OVERLAY_HEATMAP) {
    float t = pc.heat.y > pc.heat.x ? (v - pc.heat.x) / (pc.heat.y - pc.heat.x) : 0.0;
    color = mix(color, colormap(lut, uint(pc.heat.w), t), pc.heat.z);
  } else {
    float threshold = pc.mask.x;
    if (v >= threshold) {
      color = mix(color, pc.tint.rgb, pc.tint.a);
    } else {
      float gray = dot(color, vec3(0.299, 0.587, 0.114));
      color = mix(color, vec3(gray), pc.mask.z) * pc.mask.y;
    }
    // Distance to the threshold contour in pixels, from the screen-space slope of v.
    if (pc.outline.w > 0.0 && width > 0.0 && abs(v - threshold) / width < 0.5 * pc.outline.w)
      color = pc.outline.rgb;
  }
  out_color = vec4(color, texel.a);
}
