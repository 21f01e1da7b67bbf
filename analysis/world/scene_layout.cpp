// Scenes composed from their class's plan: the sky and horizon, the ground, then the objects placed
// on it and drawn far to near.
#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/world/scene_draw.h"
#include "analysis/world/scene_plan.h"

namespace unitscope::analysis::scene_draw {

namespace {

namespace O = world_object;
namespace M = world_material;
namespace S = scene_class;

constexpr Rgb kGrass[] = {
    {80, 145, 55}, {100, 160, 60}, {60, 115, 45}, {140, 150, 75}, {90, 130, 50}};
constexpr Rgb kSand[] = {{225, 205, 155}, {210, 180, 125}, {235, 215, 175}, {215, 165, 105}};
constexpr Rgb kFields[] = {
    {215, 185, 95}, {120, 165, 60}, {125, 90, 60}, {150, 115, 175}, {190, 160, 60}};

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

// Sky, then what stands on the horizon (sun, clouds, mountains, hills), before the ground.
void draw_backdrop(DrawContext& c, const ClassPlan& plan, int scene_class) {
  const float w = float(c.canvas.width());
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
}

// Piers and bridges stand on water: false where the ground has none, or none was found.
bool place_on_water(DrawContext& c, const Ground& g, int object, Planned& item) {
  const float w = float(c.canvas.width()), h = float(c.canvas.height());
  if (!g.has(Surface::kWater)) return false;
  float x = c.rng.range(0.1f, 0.9f) * w, y = 0;
  bool found = false;
  for (int t = 0; t < 16 && !found; ++t) {
    y = g.horizon + c.rng.range(0.05f, 0.9f) * (h - g.horizon);
    found = g.at(x, y) == Surface::kWater;
  }
  if (!found) return false;
  if (object == O::kPier) {
    float near = y;
    while (near < h + 1 && g.at(x, near) == Surface::kWater) near += 1;
    item.at = {x, near, 1, 0};
    item.extra = y;
  } else {
    float d = g.depth(y);
    item.at = {x, y, c.unit * (0.1f + 0.9f * d), 1 - d};
    item.extra = w * c.rng.range(0.25f, 0.7f);
  }
  return true;
}

// Draws each prior's count and places that many objects; an object with no place is left out.
std::vector<Planned> plan_objects(DrawContext& c, const Ground& g, const ClassPlan& plan) {
  const float w = float(c.canvas.width());
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
        if (!place_on_water(c, g, prior.object, item)) continue;
      } else if (!place(c, g, prior.object, item.at)) {
        continue;
      }
      item.at.s *= prior.size;
      planned.push_back(item);
    }
  }
  return planned;
}

void draw_planned(DrawContext& c, const Planned& item) {
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

}  // namespace

void compose_scene(DrawContext& c, int scene_class) {
  const float w = float(c.canvas.width()), h = float(c.canvas.height());
  Ground g;
  g.horizon = c.horizon;
  g.bottom = h;
  g.width = w;
  ClassPlan plan = plan_class(c.rng, scene_class, g);

  // Sky, then what stands on the horizon, then the ground over their feet.
  draw_backdrop(c, plan, scene_class);
  draw_ground(c, g);

  std::vector<Planned> planned = plan_objects(c, g, plan);
  // Painter's order: far (high) first, so near objects occlude far ones.
  std::stable_sort(planned.begin(), planned.end(), [](const Planned& a, const Planned& b) {
    return a.layer != b.layer ? a.layer < b.layer : a.at.base < b.at.base;
  });
  for (const Planned& item : planned) draw_planned(c, item);
}

}  // namespace unitscope::analysis::scene_draw
