// Scene classes as layout rules and object priors: which ground, which objects, how many, and
// where.
#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/world/scene_draw.h"

namespace unitscope::analysis::scene_draw {

namespace {

namespace O = world_object;
namespace M = world_material;
namespace S = scene_class;

enum class Surface : std::uint8_t { kNone, kGrass, kField, kSand, kWater, kRoad, kSidewalk, kPath };

struct Band {
  float y = 0, amp = 0, freq = 0, phase = 0;
  Surface surface = Surface::kGrass;
  float boundary(float x) const { return y + amp * std::sin(freq * x + phase); }
};

// A strip that runs from the horizon to the bottom edge in perspective (road, path).
struct Lane {
  bool present = false;
  Surface surface = Surface::kRoad;
  float top_x = 0, bottom_x = 0, half_top = 0, half_bottom = 0, curve = 0;
  float border = 0;  // sidewalk on both sides, as a fraction of the half width
};

struct Ground {
  float horizon = 0, bottom = 0, width = 0;
  std::vector<Band> bands;  // top to bottom
  Lane road, path;

  float depth(float y) const { return std::clamp((y - horizon) / (bottom - horizon), 0.0f, 1.2f); }
  float lane_centre(const Lane& l, float y) const {
    float d = std::min(depth(y), 1.0f);
    return l.top_x + (l.bottom_x - l.top_x) * d + l.curve * d * (1 - d);
  }
  float lane_half(const Lane& l, float y) const {
    return l.half_top + (l.half_bottom - l.half_top) * std::min(depth(y), 1.0f);
  }
  Surface at(float x, float y) const {
    if (y < horizon) return Surface::kNone;
    for (const Lane* l : {&road, &path}) {
      if (!l->present) continue;
      float off = std::fabs(x - lane_centre(*l, y)), half = lane_half(*l, y);
      if (off < half) return l->surface;
      if (off < half * (1 + l->border)) return Surface::kSidewalk;
    }
    Surface s = Surface::kNone;
    for (const Band& b : bands) {
      if (y >= b.boundary(x)) s = b.surface;
    }
    return s;
  }
  bool has(Surface s) const {
    for (const Band& b : bands) {
      if (b.surface == s) return true;
    }
    return (road.present && (road.surface == s || (s == Surface::kSidewalk && road.border > 0))) ||
           (path.present && path.surface == s);
  }
};

struct Prior {
  std::uint8_t object;
  float p;
  int lo, hi;
  float size = 1;  // scales the object beyond what depth gives (forests have tall trees)
};

struct ClassPlan {
  std::vector<Prior> priors;
  float mountain_p = 0.2f, hill_p = 0.3f;
  bool dunes = false;
};

constexpr Rgb kGrass[] = {
    {80, 145, 55}, {100, 160, 60}, {60, 115, 45}, {140, 150, 75}, {90, 130, 50}};
constexpr Rgb kSand[] = {{225, 205, 155}, {210, 180, 125}, {235, 215, 175}, {215, 165, 105}};
constexpr Rgb kFields[] = {
    {215, 185, 95}, {120, 165, 60}, {125, 90, 60}, {150, 115, 175}, {190, 160, 60}};

void add_band(Rng& rng, Ground& g, float depth, Surface surface, float wave = 1.0f) {
  Band b;
  b.y = g.horizon + depth * (g.bottom - g.horizon);
  b.amp = wave * rng.range(0.0f, 0.04f) * (g.bottom - g.horizon) * std::max(depth, 0.2f);
  b.freq = rng.range(0.5f, 3.0f) * 6.2831853f / g.width;
  b.phase = rng.range(0.0f, 6.2831853f);
  b.surface = surface;
  g.bands.push_back(b);
}

void add_lane(Rng& rng, Ground& g, Lane& l, Surface surface, float half_bottom, float curve) {
  l.present = true;
  l.surface = surface;
  l.top_x = g.width * rng.range(0.3f, 0.7f);
  l.bottom_x = g.width * rng.range(0.2f, 0.8f);
  l.half_bottom = g.width * half_bottom;
  l.half_top = std::max(0.6f, l.half_bottom * 0.04f);
  l.curve = g.width * curve * rng.range(-1.0f, 1.0f);
}

// Builds the ground and the object priors of a class. Classes share objects and surfaces, and the
// probabilities keep any one object from deciding the class.
ClassPlan plan_class(Rng& rng, int scene_class, Ground& g) {
  ClassPlan plan;
  auto& pr = plan.priors;
  switch (scene_class) {
    case S::kBeach:
      add_band(rng, g, 0, Surface::kWater, 0);
      add_band(rng, g, rng.range(0.2f, 0.55f), Surface::kSand);
      pr = {{O::kBoat, .6f, 1, 3},  {O::kPerson, .8f, 1, 5}, {O::kUmbrella, .7f, 1, 4},
            {O::kPalm, .5f, 1, 3},  {O::kRock, .3f, 1, 3},   {O::kPier, .25f, 1, 1},
            {O::kBench, .2f, 1, 2}, {O::kLamp, .15f, 1, 2},  {O::kHouse, .15f, 1, 2},
            {O::kBird, .4f, 1, 4},  {O::kBush, .15f, 1, 2}};
      plan.mountain_p = 0.15f;
      plan.hill_p = 0.1f;
      break;
    case S::kForest:
      add_band(rng, g, 0, Surface::kGrass, 0);
      if (rng.chance(0.5f)) add_lane(rng, g, g.path, Surface::kPath, rng.range(0.06f, 0.15f), 0.3f);
      pr = {{O::kTree, 1, 10, 22, 1.3f}, {O::kBush, .8f, 2, 6},   {O::kFlower, .4f, 1, 4},
            {O::kRock, .5f, 1, 3},       {O::kPerson, .3f, 1, 2}, {O::kBird, .3f, 1, 3},
            {O::kFence, .15f, 1, 1},     {O::kBench, .1f, 1, 1},  {O::kHouse, .1f, 1, 1}};
      plan.mountain_p = 0.4f;
      plan.hill_p = 0.5f;
      break;
    case S::kStreet:
      add_band(rng, g, 0, Surface::kGrass, 0);
      add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.3f, 0.5f), 0.1f);
      g.road.border = rng.range(0.3f, 0.6f);
      pr = {{O::kHouse, 1, 2, 6},       {O::kCar, .95f, 1, 5}, {O::kLamp, .8f, 1, 4},
            {O::kPerson, .7f, 1, 5},    {O::kTree, .5f, 1, 3}, {O::kBench, .3f, 1, 2},
            {O::kUmbrella, .15f, 1, 2}, {O::kBush, .2f, 1, 3}, {O::kFence, .2f, 1, 2},
            {O::kBird, .2f, 1, 3}};
      plan.mountain_p = 0.1f;
      plan.hill_p = 0.15f;
      break;
    case S::kVillage:
      add_band(rng, g, 0, Surface::kGrass, 0);
      if (rng.chance(0.45f)) add_band(rng, g, rng.range(0.05f, 0.2f), Surface::kField);
      if (rng.chance(0.3f)) add_band(rng, g, rng.range(0.3f, 0.45f), Surface::kGrass);
      if (rng.chance(0.45f)) {
        add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.15f, 0.3f), 0.3f);
        if (rng.chance(0.3f)) g.road.border = rng.range(0.2f, 0.4f);
      } else if (rng.chance(0.6f)) {
        add_lane(rng, g, g.path, Surface::kPath, rng.range(0.08f, 0.18f), 0.4f);
      }
      pr = {{O::kHouse, 1, 2, 6},    {O::kTree, .8f, 1, 5},      {O::kFence, .5f, 1, 2},
            {O::kPerson, .5f, 1, 3}, {O::kCar, .5f, 1, 2},       {O::kBush, .5f, 1, 3},
            {O::kFlower, .3f, 1, 3}, {O::kHaystack, .35f, 1, 2}, {O::kLamp, .3f, 1, 2},
            {O::kBench, .2f, 1, 1},  {O::kBird, .3f, 1, 3}};
      plan.hill_p = 0.5f;
      break;
    case S::kHarbor:
      add_band(rng, g, 0, Surface::kGrass, 0);
      add_band(rng, g, rng.range(0.06f, 0.2f), Surface::kWater, 0.3f);
      if (rng.chance(0.5f)) add_band(rng, g, rng.range(0.75f, 0.9f), Surface::kSidewalk, 0);
      pr = {{O::kHouse, .8f, 2, 6},  {O::kBoat, 1, 2, 6},     {O::kPier, .8f, 1, 2},
            {O::kLamp, .5f, 1, 3},   {O::kPerson, .5f, 1, 3}, {O::kBird, .5f, 1, 4},
            {O::kBridge, .2f, 1, 1}, {O::kRock, .3f, 1, 2},   {O::kBench, .2f, 1, 2},
            {O::kTree, .3f, 1, 3},   {O::kPalm, .1f, 1, 2}};
      plan.mountain_p = 0.3f;
      break;
    case S::kDesert:
      add_band(rng, g, 0, Surface::kSand, 0);
      if (rng.chance(0.25f)) add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.15f, 0.3f), 0.2f);
      pr = {{O::kCactus, .7f, 1, 5}, {O::kRock, .8f, 1, 4}, {O::kPalm, .2f, 1, 3},
            {O::kPerson, .2f, 1, 2}, {O::kBird, .2f, 1, 2}, {O::kHouse, .1f, 1, 1},
            {O::kCar, .6f, 1, 2}};
      plan.mountain_p = 0.5f;
      plan.hill_p = 0.7f;
      plan.dunes = true;
      break;
    case S::kFarm:
      add_band(rng, g, 0, Surface::kGrass, 0);
      for (int i = 0, n = rng.integer(1, 3); i < n; ++i) {
        add_band(rng, g, rng.range(0.02f, 0.8f) * float(i + 1) / float(n),
                 i % 2 ? Surface::kGrass : Surface::kField);
      }
      std::sort(g.bands.begin(), g.bands.end(),
                [](const Band& a, const Band& b) { return a.y < b.y; });
      if (rng.chance(0.4f))
        add_lane(rng, g, g.path, Surface::kPath, rng.range(0.06f, 0.15f), 0.3f);
      else if (rng.chance(0.3f))
        add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.12f, 0.22f), 0.2f);
      pr = {{O::kFence, .7f, 1, 3}, {O::kHaystack, .7f, 1, 4}, {O::kHouse, .7f, 1, 2},
            {O::kTree, .6f, 1, 4},  {O::kPerson, .3f, 1, 2},   {O::kCar, .5f, 1, 1},
            {O::kBush, .3f, 1, 3},  {O::kBird, .3f, 1, 3},     {O::kFlower, .2f, 1, 2}};
      plan.hill_p = 0.5f;
      break;
    case S::kLake:
      add_band(rng, g, 0, Surface::kGrass, 0);
      add_band(rng, g, rng.range(0.03f, 0.15f), Surface::kWater, 0.5f);
      add_band(rng, g, rng.range(0.55f, 0.85f),
               rng.chance(0.3f) ? Surface::kSand : Surface::kGrass);
      pr = {{O::kBoat, .5f, 1, 2},   {O::kTree, .8f, 2, 6},  {O::kRock, .5f, 1, 3},
            {O::kBridge, .2f, 1, 1}, {O::kPier, .3f, 1, 1},  {O::kPerson, .3f, 1, 2},
            {O::kBird, .4f, 1, 3},   {O::kHouse, .3f, 1, 2}, {O::kBush, .4f, 1, 3},
            {O::kFlower, .2f, 1, 2}, {O::kBench, .15f, 1, 1}};
      plan.mountain_p = 0.6f;
      plan.hill_p = 0.5f;
      break;
    case S::kMountainPass: {
      const bool arid = rng.chance(0.4f);
      add_band(rng, g, 0, arid ? Surface::kSand : Surface::kGrass, 0);
      if (rng.chance(0.15f)) add_band(rng, g, rng.range(0.05f, 0.2f), Surface::kWater, 0.5f);
      if (rng.chance(0.15f))
        add_band(rng, g, rng.range(0.3f, 0.5f), arid ? Surface::kSand : Surface::kGrass);
      if (rng.chance(0.8f)) add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.12f, 0.3f), 0.8f);
      pr = {{O::kRock, .8f, 2, 5},
            {O::kTree, .5f, 1, 5},
            {O::kCar, .6f, 1, 2},
            {O::kFence, .4f, 1, 2},
            {O::kBush, .3f, 1, 3},
            {O::kBird, .3f, 1, 3},
            {O::kHouse, .1f, 1, 1},
            {O::kPerson, .15f, 1, 1},
            {O::kLamp, .1f, 1, 1},
            {O::kCactus, arid ? .6f : 0.f, 1, 2},
            {O::kHaystack, arid ? 0.f : .1f, 1, 2}};
      plan.mountain_p = 1.0f;
      plan.hill_p = 0.3f;
      break;
    }
    case S::kPark:
    default:
      add_band(rng, g, 0, Surface::kGrass, 0);
      if (rng.chance(0.3f)) {
        float d = rng.range(0.1f, 0.4f);
        add_band(rng, g, d, Surface::kWater, 0.5f);
        add_band(rng, g, d + rng.range(0.12f, 0.3f), Surface::kGrass);
      }
      if (rng.chance(0.8f)) {
        add_lane(rng, g, g.path, rng.chance(0.25f) ? Surface::kSidewalk : Surface::kPath,
                 rng.range(0.06f, 0.16f), 0.6f);
      }
      pr = {{O::kTree, .9f, 2, 6},   {O::kBush, .8f, 1, 4},     {O::kFlower, .7f, 1, 5},
            {O::kBench, .7f, 1, 3},  {O::kLamp, .6f, 1, 3},     {O::kPerson, .7f, 1, 4},
            {O::kFence, .3f, 1, 2},  {O::kUmbrella, .2f, 1, 2}, {O::kBird, .4f, 1, 3},
            {O::kHouse, .2f, 1, 2},  {O::kRock, .2f, 1, 2},     {O::kBoat, .4f, 1, 1},
            {O::kBridge, .4f, 1, 1}, {O::kPalm, .1f, 1, 2}};
      plan.hill_p = 0.4f;
      break;
  }
  return plan;
}

bool allowed(int object, Surface s) {
  using enum Surface;
  switch (object) {
    case O::kTree:
    case O::kBush:
    case O::kHouse:
    case O::kFence:
      return s == kGrass || s == kField;
    case O::kHaystack:
      return s == kField || s == kGrass;
    case O::kFlower:
      return s == kGrass;
    case O::kPalm:
      return s == kSand || s == kGrass;
    case O::kCactus:
      return s == kSand;
    case O::kRock:
      return s == kGrass || s == kSand || s == kField || s == kPath || s == kWater;
    case O::kPerson:
      return s == kGrass || s == kSand || s == kSidewalk || s == kPath || s == kField;
    case O::kCar:
      return s == kRoad;
    case O::kBoat:
      return s == kWater;
    case O::kLamp:
      return s == kSidewalk || s == kGrass || s == kPath || s == kSand;
    case O::kBench:
    case O::kUmbrella:
      return s == kGrass || s == kPath || s == kSidewalk || s == kSand;
    default:
      return s != kNone;
  }
}

Paint surface_paint(DrawContext& c, Surface s, float far_haze) {
  Rgb col;
  Paint p;
  switch (s) {
    case Surface::kGrass:
      p = paint(c.tone(c.rng.pick(kGrass), 0, 0.12f), O::kGrass, -1, -1, M::kFoliage);
      break;
    case Surface::kField: {
      int k = c.rng.integer(0, int(std::size(kFields)) - 1);
      col = c.tone(kFields[k], 0, 0.1f);
      p = paint(col, O::kField, -1, -1, k == 1 || k == 3 ? M::kFoliage : k == 2 ? -1 : M::kStraw);
      p.fill = Fill::kPlanks;
      p.color2 = col * 0.78f;
      p.period = std::max(2.0f, c.unit * c.rng.range(2.5f, 5.0f));
      break;
    }
    case Surface::kSand:
      p = paint(c.tone(c.rng.pick(kSand), 0, 0.08f), O::kSand);
      break;
    case Surface::kWater: {
      Rgb deep = c.rng.chance(0.7f) ? Rgb{35, 80, 130} : Rgb{40, 95, 95};
      p = paint(lerp(c.haze, deep, c.rng.range(0.45f, 0.8f)), O::kWater, -1, -1, M::kWater);
      break;
    }
    case Surface::kRoad:
      p = paint(c.tone({95, 95, 100}, 0, 0.15f, 6), O::kRoad, -1, -1, M::kAsphalt);
      break;
    case Surface::kSidewalk:
      p = paint(c.tone({175, 170, 160}, 0, 0.1f, 6), O::kSidewalk, -1, -1, M::kStone);
      break;
    case Surface::kPath:
      p = paint(c.tone(c.rng.chance(0.6f) ? Rgb{175, 145, 105} : Rgb{185, 180, 170}, 0, 0.1f),
                O::kPath);
      break;
    case Surface::kNone:
      break;
  }
  // Far ground fades into the haze: depth shows in colour as well as in size.
  Rgb near = p.color;
  p.color = lerp(near, c.haze, far_haze);
  p.color_bottom = near * 0.92f;
  return p;
}

void draw_lane(DrawContext& c, const Ground& g, const Lane& l, float widen, const Paint& p) {
  constexpr int kSteps = 16;
  Vec2 pts[2 * (kSteps + 1)];
  for (int i = 0; i <= kSteps; ++i) {
    float y = g.horizon + (g.bottom + 1 - g.horizon) * float(i) / kSteps;
    float cx = g.lane_centre(l, y), half = g.lane_half(l, y) * widen;
    pts[i] = {cx - half, y};
    pts[2 * kSteps + 1 - i] = {cx + half, y};
  }
  c.canvas.fill_polygon(pts, p);
}

void draw_ground(DrawContext& c, const Ground& g) {
  for (const Band& b : g.bands) {
    constexpr int kSteps = 16;
    Vec2 pts[kSteps + 3];
    for (int i = 0; i <= kSteps; ++i) {
      float x = -1 + (g.width + 2) * float(i) / kSteps;
      pts[i] = {x, b.boundary(x)};
    }
    pts[kSteps + 1] = {g.width + 1, g.bottom + 1};
    pts[kSteps + 2] = {-1, g.bottom + 1};
    float far = 1.0f - g.depth(b.y);
    c.canvas.fill_polygon(pts, surface_paint(c, b.surface, 0.3f * far));
  }
  for (const Lane* l : {&g.path, &g.road}) {
    if (!l->present) continue;
    if (l->border > 0)
      draw_lane(c, g, *l, 1 + l->border, surface_paint(c, Surface::kSidewalk, 0.25f));
    draw_lane(c, g, *l, 1, surface_paint(c, l->surface, 0.25f));
    if (l->surface != Surface::kRoad || !c.rng.chance(0.7f)) continue;
    Paint mark =
        paint(c.tone(c.rng.chance(0.7f) ? Rgb{235, 235, 230} : Rgb{235, 200, 60}, 0, 0.05f, 4),
              O::kRoad, -1, -1, M::kAsphalt);
    for (float d = 0.05f; d < 1.0f; d *= 1.45f) {
      float y0 = g.horizon + d * (g.bottom - g.horizon),
            y1 = g.horizon + d * 1.2f * (g.bottom - g.horizon);
      float w0 = std::max(0.5f, g.lane_half(*l, y0) * 0.04f),
            w1 = std::max(0.5f, g.lane_half(*l, y1) * 0.04f);
      float x0 = g.lane_centre(*l, y0), x1 = g.lane_centre(*l, y1);
      const Vec2 q[4] = {{x0 - w0, y0}, {x0 + w0, y0}, {x1 + w1, y1}, {x1 - w1, y1}};
      c.canvas.fill_polygon(q, mark);
    }
  }
}

struct Planned {
  int object;
  Placement at;
  float extra = 0;  // pier: far end; bridge: half width
  int layer = 1;    // 0: in the sky, drawn before everything on the ground
};

// Finds a ground point for the object; roadside objects of street scenes line the road.
bool place(DrawContext& c, const Ground& g, int object, Placement& at) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    float d = c.rng.range(0.02f, 1.08f);
    float y = g.horizon + d * (g.bottom - g.horizon);
    float x = c.rng.range(-0.1f, 1.1f) * g.width;
    if (g.road.present && (object == O::kHouse || object == O::kLamp || object == O::kTree) &&
        c.rng.chance(0.6f)) {
      float side = c.rng.chance(0.5f) ? 1.f : -1.f;
      float half = g.lane_half(g.road, y) * (1 + g.road.border);
      float s = c.unit * (0.1f + 0.9f * std::min(d, 1.0f));
      float offset = object == O::kHouse ? 32 * s : object == O::kLamp ? -2 * s : 6 * s;
      x = g.lane_centre(g.road, y) + side * (half + offset);
      if (object == O::kLamp) y -= 0.5f;
    }
    if (!allowed(object, g.at(x, y))) continue;
    at.x = x;
    at.base = y;
    at.far = 1.0f - std::min(d, 1.0f);
    at.s = c.unit * (0.1f + 0.9f * std::min(d, 1.1f)) * c.rng.range(0.85f, 1.15f);
    return true;
  }
  return false;
}

}  // namespace

void compose_scene(DrawContext& c, int scene_class) {
  const float w = float(c.canvas.width()), h = float(c.canvas.height());
  Ground g;
  g.horizon = c.horizon;
  g.bottom = h;
  g.width = w;
  ClassPlan plan = plan_class(c.rng, scene_class, g);

  // Sky, then what stands on the horizon, then the ground over their feet.
  Paint sky = paint(c.sky_top, O::kSky);
  sky.color_bottom = c.haze;
  c.canvas.fill_rect(0, 0, w, c.horizon + 1, sky);
  if (c.rng.chance(0.45f)) {
    float r = c.unit * c.rng.range(4.0f, 8.0f);
    draw_sun(c, c.rng.range(0.1f, 0.9f) * w, c.rng.range(0.15f, 0.85f) * c.horizon, r);
  }
  for (int i = 0, n = c.rng.chance(0.65f) ? c.rng.integer(1, 4) : 0; i < n; ++i) {
    Placement at{c.rng.range(0, w), c.rng.range(0.15f, 0.8f) * c.horizon,
                 c.unit * c.rng.range(0.6f, 1.3f), 1};
    draw_cloud(c, at);
  }
  if (c.rng.chance(plan.mountain_p)) {
    for (int i = 0, n = c.rng.integer(1, scene_class == S::kMountainPass ? 4 : 2); i < n; ++i) {
      float cx = c.rng.range(-0.1f, 1.1f) * w, half = w * c.rng.range(0.2f, 0.5f);
      float peak = c.horizon * (scene_class == S::kMountainPass ? c.rng.range(0.4f, 0.85f)
                                                                : c.rng.range(0.2f, 0.5f));
      draw_mountain(c, cx - half, cx + half, peak, c.rng.range(0.4f, 0.9f));
    }
  }
  if (c.rng.chance(plan.hill_p)) {
    for (int i = 0, n = c.rng.integer(1, 3); i < n; ++i) {
      draw_hill(c, c.rng.range(0.0f, 1.0f) * w, w * c.rng.range(0.3f, 0.8f),
                c.horizon * c.rng.range(0.08f, 0.25f), c.rng.range(0.3f, 0.7f), plan.dunes);
    }
  }
  draw_ground(c, g);

  std::vector<Planned> planned;
  for (const Prior& prior : plan.priors) {
    if (!c.rng.chance(prior.p)) continue;
    int count = c.rng.integer(prior.lo, prior.hi);
    for (int i = 0; i < count; ++i) {
      Planned item{prior.object, {}, 0};
      if (prior.object == O::kBird) {
        item.at = {c.rng.range(0, w), c.rng.range(0.1f, 0.9f) * c.horizon,
                   c.unit * c.rng.range(0.5f, 1.2f), 1};
        item.at.base = std::min(item.at.base, c.horizon - 1);
        item.layer = 0;
      } else if (prior.object == O::kPier || prior.object == O::kBridge) {
        if (!g.has(Surface::kWater)) continue;
        float x = c.rng.range(0.1f, 0.9f) * w, y = 0;
        bool found = false;
        for (int t = 0; t < 16 && !found; ++t) {
          y = g.horizon + c.rng.range(0.05f, 0.9f) * (h - g.horizon);
          found = g.at(x, y) == Surface::kWater;
        }
        if (!found) continue;
        if (prior.object == O::kPier) {
          float near = y;
          while (near < h + 1 && g.at(x, near) == Surface::kWater) near += 1;
          item.at = {x, near, 1, 0};
          item.extra = y;
        } else {
          float d = g.depth(y);
          item.at = {x, y, c.unit * (0.1f + 0.9f * d), 1 - d};
          item.extra = w * c.rng.range(0.25f, 0.7f);
        }
      } else if (!place(c, g, prior.object, item.at)) {
        continue;
      }
      item.at.s *= prior.size;
      planned.push_back(item);
    }
  }
  // Painter's order: far (high) first, so near objects occlude far ones.
  std::stable_sort(planned.begin(), planned.end(), [](const Planned& a, const Planned& b) {
    return a.layer != b.layer ? a.layer < b.layer : a.at.base < b.at.base;
  });
  for (Planned& item : planned) {
    const Placement& at = item.at;
    switch (item.object) {
      case O::kBird:
        draw_bird(c, at);
        break;
      case O::kTree:
        draw_tree(c, at);
        break;
      case O::kPalm:
        draw_palm(c, at);
        break;
      case O::kBush:
        draw_bush(c, at);
        break;
      case O::kFlower:
        draw_flower(c, at);
        break;
      case O::kCactus:
        draw_cactus(c, at);
        break;
      case O::kRock:
        draw_rock(c, at);
        break;
      case O::kHouse:
        draw_house(c, at);
        break;
      case O::kFence:
        draw_fence(c, at);
        break;
      case O::kCar:
        draw_car(c, at);
        break;
      case O::kBoat:
        draw_boat(c, at);
        break;
      case O::kLamp:
        draw_lamp(c, at);
        break;
      case O::kPerson:
        draw_person(c, at);
        break;
      case O::kUmbrella:
        draw_umbrella(c, at);
        break;
      case O::kBench:
        draw_bench(c, at);
        break;
      case O::kHaystack:
        draw_haystack(c, at);
        break;
      case O::kPier:
        draw_pier(c, at.x, at.base, item.extra);
        break;
      case O::kBridge:
        draw_bridge(c, at.x - item.extra, at.x + item.extra, at.base, std::max(3.0f, 10 * at.s),
                    at.s);
        break;
      default:
        break;
    }
  }
}

}  // namespace unitscope::analysis::scene_draw
