// The object drawers of scene_draw.h: each object as a few polygons and ellipses with its parts.
#include <algorithm>
#include <cmath>

#include "analysis/world/scene_draw.h"

namespace unitscope::analysis::scene_draw {

namespace {

namespace O = world_object;
namespace P = world_part;
namespace M = world_material;

constexpr Rgb kVivid[] = {{200, 30, 30},   {30, 70, 190},   {240, 240, 240}, {30, 30, 35},
                          {160, 160, 165}, {240, 210, 40},  {40, 140, 60},   {240, 130, 30},
                          {120, 50, 150},  {235, 140, 175}, {120, 75, 40},   {60, 170, 200}};
constexpr Rgb kGreens[] = {
    {60, 130, 45}, {80, 150, 55}, {45, 100, 40}, {100, 140, 50}, {50, 115, 70}};
constexpr Rgb kAutumn[] = {{210, 120, 30}, {190, 60, 30}, {220, 180, 40}, {150, 90, 40}};
constexpr Rgb kTrunk[] = {{100, 65, 35}, {80, 55, 35}, {120, 85, 55}, {70, 60, 50}};
constexpr Rgb kRock[] = {
    {120, 120, 120}, {140, 125, 105}, {95, 90, 85}, {165, 160, 150}, {120, 95, 70}};

float px(float v) { return std::max(v, 1.0f); }

}  // namespace

Rgb DrawContext::tone(Rgb col, float far, float bright, float channel) {
  float s = rng.range(1.0f - bright, 1.0f + bright);
  Rgb j{col.r * s + rng.range(-channel, channel), col.g * s + rng.range(-channel, channel),
        col.b * s + rng.range(-channel, channel)};
  return hazed(j, far);
}

void DrawContext::record(int object, float x0, float y0, float x1, float y1, float base) {
  if (!instances) return;
  x0 = std::max(x0, 0.0f);
  y0 = std::max(y0, 0.0f);
  x1 = std::min(x1, float(canvas.width()));
  y1 = std::min(y1, float(canvas.height()));
  if (x1 <= x0 || y1 <= y0) return;
  instances->push_back({object, x0, y0, x1, y1, base});
}

std::uint16_t label(WorldCategory category, int local) {
  return local < 0 ? 0 : WorldTaxonomy::get().number(category, local);
}

Paint paint(Rgb c, int object, int part, int subpart, int material) {
  Paint p = Paint::solid(c);
  p.labels[kObjectPlane] = label(WorldCategory::kObject, object);
  p.labels[kPartPlane] = label(WorldCategory::kPart, part);
  p.labels[kSubpartPlane] = label(WorldCategory::kPart, subpart);
  p.labels[kMaterialPlane] = label(WorldCategory::kMaterial, material);
  return p;
}

Paint& shaded(Paint& p, float bottom_factor) {
  p.color_bottom = p.color * bottom_factor;
  return p;
}

void set_pattern(Paint& p, Rng& rng, int texture, Rgb color2, float period) {
  p.fill = Fill(texture);
  p.color2 = color2;
  p.period = std::max(period, 2.0f);
  float angle = rng.range(0.0f, 3.14159265f);
  p.dir_x = std::cos(angle);
  p.dir_y = std::sin(angle);
  p.labels[kTexturePlane] = label(WorldCategory::kTexture, texture);
}

void maybe_pattern(DrawContext& c, Paint& paint, float p, float period) {
  if (!c.rng.chance(p) || period < 2.0f) return;
  int texture = c.rng.integer(0, world_texture::kCount - 1);
  Rgb other = vivid_color(c.rng);
  set_pattern(paint, c.rng, texture, other, period * c.rng.range(0.8f, 1.3f));
}

Rgb vivid_color(Rng& rng) { return rng.pick(kVivid); }

void draw_cloud(DrawContext& c, const Placement& at) {
  Rgb base = lerp(Rgb{245, 245, 248}, c.haze, c.rng.range(0.0f, 0.35f));
  if (c.rng.chance(0.3f)) base = base * c.rng.range(0.7f, 0.9f);
  Paint p = paint(base, O::kCloud);
  shaded(p, c.rng.range(0.8f, 0.95f));
  float w = 22 * at.s * c.rng.range(0.7f, 1.5f), h = w * c.rng.range(0.25f, 0.4f);
  int puffs = c.rng.integer(3, 5);
  for (int i = 0; i < puffs; ++i) {
    float t = (float(i) + 0.5f) / float(puffs) - 0.5f;
    float r = h * c.rng.range(0.5f, 0.9f) * (1.0f - std::fabs(t));
    c.canvas.fill_ellipse(at.x + t * w, at.base - r * 0.6f, r * 1.4f, r, p);
  }
  c.canvas.fill_ellipse(at.x, at.base - h * 0.2f, w * 0.5f, h * 0.3f, p);
  c.record(O::kCloud, at.x - w * 0.6f, at.base - h, at.x + w * 0.6f, at.base, at.base);
}

void draw_sun(DrawContext& c, float x, float y, float r) {
  // A warm horizon (sunset) gives an orange sun.
  float warm = std::clamp((c.haze.r - c.haze.b) / 90.0f, 0.0f, 1.0f);
  Rgb col = lerp(Rgb{255, 245, 190}, Rgb{250, 150, 60}, warm);
  c.canvas.fill_ellipse(x, y, r, r, paint(c.tone(col, 0, 0.03f, 5), O::kSun));
  c.record(O::kSun, x - r, y - r, x + r, y + r, y + r);
}

void draw_bird(DrawContext& c, const Placement& at) {
  Paint p = paint(c.tone({35, 35, 40}, 0.0f, 0.3f), O::kBird);
  float w = 5 * at.s * c.rng.range(0.8f, 1.4f), lift = w * c.rng.range(0.2f, 0.6f);
  float t = px(at.s * 0.9f);
  c.canvas.fill_line({at.x - w, at.base - lift}, {at.x, at.base}, t, p);
  c.canvas.fill_line({at.x, at.base}, {at.x + w, at.base - lift}, t, p);
  c.record(O::kBird, at.x - w, at.base - lift - t, at.x + w, at.base + t, at.base);
}

void draw_mountain(DrawContext& c, float x0, float x1, float peak_height, float far) {
  const float base = c.horizon + 2;
  Vec2 ridge[24];
  int n = 0;
  ridge[n++] = {x0, base};
  int steps = c.rng.integer(5, 9);
  float peak_t = c.rng.range(0.3f, 0.7f);
  for (int i = 1; i < steps; ++i) {
    float t = float(i) / float(steps);
    float h = peak_height * (1.0f - std::fabs(t - peak_t) / std::max(peak_t, 1.0f - peak_t));
    h *= c.rng.range(0.75f, 1.05f);
    ridge[n++] = {x0 + (x1 - x0) * t + c.rng.range(-2.0f, 2.0f), base - std::max(h, 0.0f)};
  }
  ridge[n++] = {x1, base};
  Rgb rock = c.tone(c.rng.pick(kRock), far, 0.15f);
  if (c.rng.chance(0.4f)) rock = lerp(rock, Rgb{80, 95, 130}, 0.4f);
  Paint p = paint(rock, O::kMountain, -1, -1, M::kStone);
  shaded(p, c.rng.range(0.65f, 0.9f));
  c.canvas.fill_polygon({ridge, std::size_t(n)}, p);
  if (c.rng.chance(0.4f)) {
    // Snow: the ridge clipped to the band above the snow line.
    float line = base - peak_height * c.rng.range(0.55f, 0.8f);
    Vec2 snow[48];
    int m = 0;
    for (int i = 0; i < n; ++i) {
      Vec2 a = ridge[i], b = ridge[(i + 1) % n];
      bool ain = a.y < line, bin = b.y < line;
      if (ain) snow[m++] = a;
      if (ain != bin) snow[m++] = {a.x + (line - a.y) / (b.y - a.y) * (b.x - a.x), line};
    }
    c.canvas.fill_polygon({snow, std::size_t(m)},
                          paint(c.tone({240, 242, 245}, far, 0.05f, 4), O::kMountain));
  }
  c.record(O::kMountain, x0, base - peak_height, x1, base, base);
}

void draw_hill(DrawContext& c, float x, float width, float height, float far, bool dune) {
  Rgb col = dune ? c.tone({215, 175, 115}, far, 0.1f) : c.tone(c.rng.pick(kGreens), far, 0.15f);
  Paint p = paint(col, O::kHill, -1, -1, dune ? -1 : M::kFoliage);
  shaded(p, 0.85f);
  c.canvas.fill_ellipse(x, c.horizon + 3, width * 0.5f, height + 3, p);
  c.record(O::kHill, x - width * 0.5f, c.horizon - height, x + width * 0.5f, c.horizon, c.horizon);
}

void draw_tree(DrawContext& c, const Placement& at) {
  const float h = 60 * at.s * c.rng.range(0.7f, 1.3f);
  const bool conifer = c.rng.chance(0.35f);
  const float trunk_w = px(h * 0.07f);
  Paint trunk = paint(c.tone(c.rng.pick(kTrunk), at.far), O::kTree, P::kTrunk, -1, M::kWood);
  Rgb leaf = c.rng.chance(conifer ? 0.02f : 0.2f) ? c.rng.pick(kAutumn) : c.rng.pick(kGreens);
  if (conifer) leaf = leaf * 0.75f;
  Paint crown = paint(c.tone(leaf, at.far, 0.15f, 12), O::kTree, P::kCrown, -1, M::kFoliage);
  shaded(crown, c.rng.range(0.6f, 0.85f));
  float top = at.base - h;
  if (conifer) {
    c.canvas.fill_rect(at.x - trunk_w * 0.5f, at.base - h * 0.25f, at.x + trunk_w * 0.5f, at.base,
                       trunk);
    int tiers = c.rng.integer(2, 4);
    float w = h * c.rng.range(0.3f, 0.45f);
    for (int i = 0; i < tiers; ++i) {
      float t0 = top + (h * 0.8f) * float(i) / float(tiers + 1);
      float t1 = at.base - h * 0.18f - (h * 0.12f) * float(tiers - 1 - i);
      float half = w * (0.55f + 0.45f * float(i + 1) / float(tiers));
      const Vec2 tri[3] = {{at.x, t0}, {at.x + half, t1}, {at.x - half, t1}};
      c.canvas.fill_polygon(tri, crown);
    }
    c.record(O::kTree, at.x - w, top, at.x + w, at.base, at.base);
    return;
  }
  c.canvas.fill_rect(at.x - trunk_w * 0.5f, at.base - h * 0.55f, at.x + trunk_w * 0.5f, at.base,
                     trunk);
  float r = h * c.rng.range(0.28f, 0.36f);
  float cy = top + r;
  int blobs = c.rng.integer(2, 4);
  float w = r;
  for (int i = 0; i < blobs; ++i) {
    float ox = c.rng.range(-0.5f, 0.5f) * r, oy = c.rng.range(-0.2f, 0.5f) * r;
    float rr = r * c.rng.range(0.6f, 0.85f);
    w = std::max(w, std::fabs(ox) + rr);
    c.canvas.fill_ellipse(at.x + ox, cy + oy, rr, rr * 0.9f, crown);
  }
  c.canvas.fill_ellipse(at.x, cy, r, r * 0.95f, crown);
  c.record(O::kTree, at.x - w, top, at.x + w, at.base, at.base);
}

void draw_palm(DrawContext& c, const Placement& at) {
  const float h = 65 * at.s * c.rng.range(0.8f, 1.2f);
  const float lean = c.rng.range(-0.3f, 0.3f) * h;
  Paint trunk = paint(c.tone({140, 105, 65}, at.far), O::kPalm, P::kTrunk, -1, M::kWood);
  Vec2 prev{at.x, at.base};
  const int segments = 6;
  for (int i = 1; i <= segments; ++i) {
    float t = float(i) / segments;
    Vec2 next{at.x + lean * t * t, at.base - h * t};
    c.canvas.fill_line(prev, next, px(h * (0.07f - 0.03f * t)), trunk);
    prev = next;
  }
  Paint crown =
      paint(c.tone(c.rng.pick(kGreens), at.far, 0.15f), O::kPalm, P::kCrown, -1, M::kFoliage);
  int fronds = c.rng.integer(5, 8);
  float len = h * c.rng.range(0.3f, 0.42f);
  for (int i = 0; i < fronds; ++i) {
    float a =
        3.14159265f * (1.05f + 0.9f * float(i) / float(fronds - 1)) + c.rng.range(-0.1f, 0.1f);
    Vec2 tip{prev.x + std::cos(a) * len, prev.y + std::sin(a) * len * 0.5f + len * 0.35f};
    Vec2 mid{(prev.x + tip.x) * 0.5f, (prev.y + tip.y) * 0.5f - len * 0.12f};
    float wd = len * 0.18f;
    const Vec2 leaf[4] = {prev, {mid.x, mid.y - wd}, tip, {mid.x, mid.y + wd * 0.5f}};
    c.canvas.fill_polygon(leaf, crown);
  }
  c.record(O::kPalm, std::min(at.x, prev.x) - len, prev.y - len * 0.4f,
           std::max(at.x, prev.x) + len, at.base, at.base);
}

void draw_bush(DrawContext& c, const Placement& at) {
  float w = 16 * at.s * c.rng.range(0.7f, 1.5f), h = w * c.rng.range(0.5f, 0.75f);
  Paint p =
      paint(c.tone(c.rng.pick(kGreens) * 0.85f, at.far, 0.15f), O::kBush, -1, -1, M::kFoliage);
  shaded(p, 0.7f);
  int blobs = c.rng.integer(2, 4);
  for (int i = 0; i < blobs; ++i) {
    float t = (float(i) + 0.5f) / float(blobs) - 0.5f;
    float r = h * c.rng.range(0.55f, 0.8f);
    c.canvas.fill_ellipse(at.x + t * w * 0.7f, at.base - r * 0.9f, r * 1.1f, r, p);
  }
  c.record(O::kBush, at.x - w * 0.6f, at.base - h * 1.5f, at.x + w * 0.6f, at.base, at.base);
}

void draw_flower(DrawContext& c, const Placement& at) {
  Rgb petal = c.rng.pick(kVivid);
  if (petal.g > 120 && petal.r < 100) petal = {230, 60, 120};  // no green or teal flowers
  Paint stem = paint(c.tone({60, 120, 40}, at.far), O::kFlower);
  Paint head = paint(c.tone(petal, at.far, 0.1f), O::kFlower);
  int count = c.rng.integer(3, 7);
  float spread = 10 * at.s, hmax = 6 * at.s;
  for (int i = 0; i < count; ++i) {
    float x = at.x + c.rng.range(-spread, spread), h = hmax * c.rng.range(0.6f, 1.0f);
    float y = at.base + c.rng.range(-2.0f, 2.0f) * at.s;
    c.canvas.fill_line({x, y}, {x, y - h}, px(at.s * 0.6f), stem);
    float r = px(1.6f * at.s);
    c.canvas.fill_ellipse(x, y - h, r, r, head);
  }
  c.record(O::kFlower, at.x - spread, at.base - hmax - 2 * at.s, at.x + spread, at.base + 2 * at.s,
           at.base);
}

void draw_cactus(DrawContext& c, const Placement& at) {
  float h = 30 * at.s * c.rng.range(0.7f, 1.3f), w = px(h * 0.16f);
  Paint p = paint(c.tone({60, 125, 70}, at.far, 0.15f), O::kCactus, -1, -1, M::kFoliage);
  c.canvas.fill_rect(at.x - w * 0.5f, at.base - h + w * 0.5f, at.x + w * 0.5f, at.base, p);
  c.canvas.fill_ellipse(at.x, at.base - h + w * 0.5f, w * 0.5f, w * 0.5f, p);
  for (int side = -1; side <= 1; side += 2) {
    if (!c.rng.chance(0.7f)) continue;
    float y = at.base - h * c.rng.range(0.35f, 0.6f), reach = w * c.rng.range(1.0f, 1.6f);
    float arm = h * c.rng.range(0.2f, 0.35f), aw = w * 0.7f;
    float ax = at.x + float(side) * reach;
    c.canvas.fill_rect(std::min(at.x, ax), y - aw * 0.5f, std::max(at.x, ax), y + aw * 0.5f, p);
    c.canvas.fill_rect(ax - aw * 0.5f, y - arm, ax + aw * 0.5f, y + aw * 0.5f, p);
    c.canvas.fill_ellipse(ax, y - arm, aw * 0.5f, aw * 0.5f, p);
  }
  c.record(O::kCactus, at.x - w * 2.2f, at.base - h, at.x + w * 2.2f, at.base, at.base);
}

void draw_rock(DrawContext& c, const Placement& at) {
  float w = 14 * at.s * c.rng.range(0.6f, 1.8f), h = w * c.rng.range(0.4f, 0.8f);
  Paint p = paint(c.tone(c.rng.pick(kRock), at.far, 0.15f), O::kRock, -1, -1, M::kStone);
  shaded(p, c.rng.range(0.6f, 0.8f));
  Vec2 pts[8];
  for (int i = 0; i < 8; ++i) {
    float a = 3.14159265f * float(i) / 7.0f;
    float r = c.rng.range(0.8f, 1.1f);
    pts[i] = {at.x - std::cos(a) * w * 0.5f * r, at.base - std::sin(a) * h * r};
  }
  pts[0].y = pts[7].y = at.base;
  c.canvas.fill_polygon(pts, p);
  c.record(O::kRock, at.x - w * 0.55f, at.base - h * 1.1f, at.x + w * 0.55f, at.base, at.base);
}

void draw_fence(DrawContext& c, const Placement& at) {
  float len = 60 * at.s * c.rng.range(0.6f, 1.4f), h = 12 * at.s * c.rng.range(0.8f, 1.2f);
  bool wood = c.rng.chance(0.7f);
  Rgb col = wood ? (c.rng.chance(0.3f) ? Rgb{235, 235, 230} : c.rng.pick(kTrunk) * 1.3f)
                 : Rgb{120, 120, 125};
  Paint p = paint(c.tone(col, at.far), O::kFence, -1, -1, wood ? M::kWood : M::kMetal);
  float x0 = at.x - len * 0.5f, x1 = at.x + len * 0.5f, post = px(1.4f * at.s);
  for (float x = x0; x <= x1; x += std::max(8 * at.s, 3.0f)) {
    c.canvas.fill_rect(x - post * 0.5f, at.base - h, x + post * 0.5f, at.base, p);
  }
  float rail = px(1.2f * at.s);
  c.canvas.fill_rect(x0, at.base - h * 0.85f, x1, at.base - h * 0.85f + rail, p);
  c.canvas.fill_rect(x0, at.base - h * 0.4f, x1, at.base - h * 0.4f + rail, p);
  c.record(O::kFence, x0 - post, at.base - h, x1 + post, at.base, at.base);
}

}  // namespace unitscope::analysis::scene_draw
