#include "analysis/world/scene_world.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "analysis/world/color_names.h"
#include "analysis/data/error.h"
#include "analysis/world/scene_canvas.h"
#include "analysis/world/scene_draw.h"

namespace unitscope::analysis {

namespace {

using scene_draw::Rng;

std::uint64_t mix(std::uint64_t seed, std::uint64_t index) {
  Rng a(seed ^ 0x5eed5eed5eed5eedull);
  Rng b(a.next() ^ (index * 0xd1b54a32d192ed03ull));
  return b.next();
}

struct Lighting {
  Rgb sky_top, horizon, tint;
};

// Time of day is drawn independently of the class, so sky colour and brightness say nothing about
// it.
Lighting pick_lighting(Rng& rng) {
  auto jitter = [&](Rgb c, float a) {
    return Rgb{c.r + rng.range(-a, a), c.g + rng.range(-a, a), c.b + rng.range(-a, a)};
  };
  float u = rng.uniform();
  Lighting l;
  if (u < 0.5f) {  // day
    l = {{65, 125, 210}, {175, 210, 235}, {1, 1, 1}};
  } else if (u < 0.7f) {  // golden hour
    l = {{85, 115, 185}, {245, 190, 125}, {1.08f, 0.96f, 0.82f}};
  } else if (u < 0.85f) {  // dusk
    l = {{55, 50, 110}, {215, 115, 125}, {0.8f, 0.7f, 0.85f}};
  } else {  // overcast
    l = {{145, 150, 160}, {200, 200, 205}, {0.9f, 0.92f, 0.95f}};
  }
  l.sky_top = jitter(l.sky_top, 14);
  l.horizon = jitter(l.horizon, 14);
  float b = rng.range(0.85f, 1.1f);
  l.tint = {l.tint.r * b, l.tint.g * b, l.tint.b * b};
  return l;
}

// Separable binomial blur of interleaved RGB floats, clamped at the borders.
void blur(std::vector<float>& rgb, std::vector<float>& tmp, int w, int h, int radius) {
  static constexpr float k1[3] = {0.25f, 0.5f, 0.25f};
  static constexpr float k2[5] = {0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f};
  const float* k = radius == 1 ? k1 : k2;
  tmp.resize(rgb.size());
  for (int y = 0; y < h; ++y) {
    const float* row = rgb.data() + std::size_t(y) * w * 3;
    float* out = tmp.data() + std::size_t(y) * w * 3;
    for (int x = 0; x < w; ++x) {
      float acc[3] = {0, 0, 0};
      for (int d = -radius; d <= radius; ++d) {
        int xx = std::clamp(x + d, 0, w - 1);
        for (int ch = 0; ch < 3; ++ch) acc[ch] += k[d + radius] * row[xx * 3 + ch];
      }
      for (int ch = 0; ch < 3; ++ch) out[x * 3 + ch] = acc[ch];
    }
  }
  const std::size_t stride = std::size_t(w) * 3;
  for (int y = 0; y < h; ++y) {
    float* out = rgb.data() + std::size_t(y) * stride;
    std::fill(out, out + stride, 0.0f);
    for (int d = -radius; d <= radius; ++d) {
      const float* src = tmp.data() + std::size_t(std::clamp(y + d, 0, h - 1)) * stride;
      const float kd = k[d + radius];
      for (std::size_t i = 0; i < stride; ++i) out[i] += kd * src[i];
    }
  }
}

struct Scratch {
  Canvas canvas{1, 1};
  std::vector<float> tmp;
  std::vector<std::uint16_t> colors;
};

void downsample(const std::vector<std::uint16_t>& full, int w, int h, int scale, int lw, int lh,
                std::vector<std::uint16_t>& out) {
  out.resize(std::size_t(lw) * lh);
  if (scale == 1) {
    std::copy(full.begin(), full.end(), out.begin());
    return;
  }
  for (int y = 0; y < lh; ++y) {
    const std::uint16_t* row = full.data() + std::size_t(std::min(y * scale, h - 1)) * w;
    for (int x = 0; x < lw; ++x) out[std::size_t(y) * lw + x] = row[std::min(x * scale, w - 1)];
  }
}

}  // namespace

std::uint16_t Scene::scene_label() const {
  return WorldTaxonomy::get().number(WorldCategory::kScene, scene_class);
}

SceneWorld::SceneWorld(SceneWorldOptions options) : options_(options) {
  if (options_.width < 16 || options_.height < 16 || options_.width > 4096 ||
      options_.height > 4096) {
    throw Error("SceneWorld: image size " + std::to_string(options_.width) + "x" +
                std::to_string(options_.height) + " is outside 16..4096");
  }
  if (options_.label_scale != 1 && options_.label_scale != 2) {
    throw Error("SceneWorld: label scale must be 1 or 2, not " +
                std::to_string(options_.label_scale));
  }
}

int SceneWorld::label_width() const {
  return (options_.width + options_.label_scale - 1) / options_.label_scale;
}
int SceneWorld::label_height() const {
  return (options_.height + options_.label_scale - 1) / options_.label_scale;
}

int SceneWorld::scene_class_of(std::uint64_t index) const {
  Rng rng(mix(options_.seed, index));
  return rng.integer(0, scene_class::kCount - 1);
}

Scene SceneWorld::generate(std::uint64_t index) const {
  Scene scene;
  generate(index, scene);
  return scene;
}

void SceneWorld::generate(std::uint64_t index, Scene& out) const {
  thread_local Scratch scratch;
  const int w = options_.width, h = options_.height;
  Canvas& canvas = scratch.canvas;
  canvas.reset(w, h);

  Rng rng(mix(options_.seed, index));
  out.scene_class = rng.integer(0, scene_class::kCount - 1);
  const Lighting light = pick_lighting(rng);
  out.instances.clear();
  const float unit = float(std::min(w, h)) / 128.0f;
  const float horizon = float(h) * rng.range(0.3f, 0.55f);
  scene_draw::DrawContext ctx{canvas,        rng,           unit,          horizon,
                              light.horizon, light.sky_top, &out.instances};
  scene_draw::compose_scene(ctx, out.scene_class);

  // Camera: light tint, optical blur, sensor noise. Labels are named from these final colours.
  std::vector<float>& rgb = canvas.rgb();
  const float tint[3] = {light.tint.r, light.tint.g, light.tint.b};
  for (std::size_t i = 0; i < rgb.size(); i += 3) {
    rgb[i] *= tint[0];
    rgb[i + 1] *= tint[1];
    rgb[i + 2] *= tint[2];
  }
  float blur_pick = rng.uniform();
  int radius = blur_pick < 0.45f ? 0 : blur_pick < 0.92f ? 1 : 2;
  if (ctx.unit < 0.75f && radius == 2) radius = 1;
  if (radius > 0) blur(rgb, scratch.tmp, w, h, radius);
  const float noise = rng.range(0.0f, 7.0f) / 255.0f;
  out.image.width = w;
  out.image.height = h;
  out.image.channels = 3;
  out.image.pixels.resize(rgb.size());
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < rgb.size(); ++i) {
    if ((i & 3) == 0) bits = rng.next();
    // Triangular noise from two bytes of the random word.
    float n = (float(bits & 0xff) + float((bits >> 8) & 0xff) - 255.0f) * noise;
    bits >>= 16;
    out.image.pixels[i] = std::uint8_t(std::clamp(rgb[i] + n, 0.0f, 255.0f) + 0.5f);
  }
  const auto& taxonomy = WorldTaxonomy::get();
  auto color_numbers = taxonomy.numbers(WorldCategory::kColor);
  scratch.colors.resize(std::size_t(w) * h);
  for (std::size_t p = 0; p < scratch.colors.size(); ++p) {
    const std::uint8_t* px = out.image.pixels.data() + p * 3;
    scratch.colors[p] = color_numbers[std::size_t(color_name(px[0], px[1], px[2]))];
  }

  const int scale = options_.label_scale, lw = label_width(), lh = label_height();
  out.label_width = lw;
  out.label_height = lh;
  auto set_planes = [&](WorldCategory category,
                        std::initializer_list<const std::vector<std::uint16_t>*> src) {
    auto& planes = out.planes[int(category)];
    assert(int(src.size()) == world_plane_count(category));
    planes.resize(src.size());
    std::size_t i = 0;
    for (const auto* plane : src) downsample(*plane, w, h, scale, lw, lh, planes[i++]);
  };
  set_planes(WorldCategory::kColor, {&scratch.colors});
  set_planes(WorldCategory::kObject, {&canvas.plane(kObjectPlane)});
  set_planes(WorldCategory::kPart, {&canvas.plane(kPartPlane), &canvas.plane(kSubpartPlane)});
  set_planes(WorldCategory::kMaterial, {&canvas.plane(kMaterialPlane)});
  set_planes(WorldCategory::kTexture, {&canvas.plane(kTexturePlane)});
  out.planes[int(WorldCategory::kScene)].clear();
}

}  // namespace unitscope::analysis
