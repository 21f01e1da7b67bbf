// The drawers of scene_draw.h for built things, vehicles and people: the objects with most parts.
#include <algorithm>
#include <cmath>

#include "analysis/world/scene_draw.h"

namespace unitscope::analysis::scene_draw {

namespace {

namespace O = world_object;
namespace P = world_part;
namespace M = world_material;

constexpr Rgb kWallColors[] = {{235, 230, 220}, {230, 215, 170}, {230, 200, 90}, {110, 140, 190},
                               {230, 160, 170}, {150, 150, 150}, {220, 140, 70}, {140, 170, 120},
                               {200, 90, 70},   {245, 245, 240}, {160, 120, 180}};
constexpr Rgb kBrickColors[] = {{170, 70, 50}, {150, 85, 60}, {190, 110, 80}, {120, 60, 45}};
constexpr Rgb kRoofColors[] = {{160, 50, 40}, {110, 70, 45},  {90, 90, 95},  {60, 70, 100},
                               {40, 40, 45},  {190, 100, 50}, {70, 110, 70}, {130, 40, 60}};
constexpr Rgb kGlass[] = {
    {150, 190, 220}, {60, 80, 100}, {110, 140, 170}, {200, 210, 220}, {40, 45, 55}};
constexpr Rgb kSkinTones[] = {{240, 200, 170}, {210, 160, 120}, {160, 110, 75}, {95, 65, 45}};
constexpr Rgb kTrousers[] = {{40, 60, 120},   {30, 30, 35},    {110, 80, 50},
                             {120, 120, 125}, {190, 170, 120}, {70, 90, 60}};
constexpr Rgb kWood[] = {{120, 80, 45}, {150, 110, 70}, {95, 65, 40}, {170, 140, 100}};

float px(float v) { return std::max(v, 1.0f); }

}  // namespace

void draw_house(DrawContext& c, const Placement& at) {
  const float w = 50 * at.s * c.rng.range(0.75f, 1.35f);
  const float wall_h = w * c.rng.range(0.5f, 0.8f);
  const float x0 = at.x - w * 0.5f, x1 = at.x + w * 0.5f, top = at.base - wall_h;
  // Wall: brick, wooden planks or plaster (sometimes with a painted pattern).
  float kind = c.rng.uniform();
  Paint wall;
  if (kind < 0.3f) {
    wall = paint(c.tone(c.rng.pick(kBrickColors), at.far), O::kHouse, P::kWall, -1, M::kBrick);
    wall.fill = Fill::kBrick;
    wall.color2 = c.tone({200, 195, 185}, at.far, 0.05f);
    wall.period = px(6 * at.s);
  } else if (kind < 0.45f) {
    Rgb wood = c.tone(c.rng.pick(kWood), at.far);
    wall = paint(wood, O::kHouse, P::kWall, -1, M::kWood);
    wall.fill = Fill::kPlanks;
    wall.color2 = wood * 0.7f;
    wall.period = px(3 * at.s);
  } else {
    wall = paint(c.tone(c.rng.pick(kWallColors), at.far), O::kHouse, P::kWall, -1, M::kPlaster);
    maybe_pattern(c, wall, 0.15f, 6 * at.s);
  }
  if (wall.fill == Fill::kBrick || wall.fill == Fill::kPlanks || wall.fill == Fill::kSolid) {
    wall.color_bottom = wall.color * 0.9f;
  }
  c.canvas.fill_rect(x0, top, x1, at.base, wall);

  // Roof (gable or hip) with an optional chimney behind it.
  const float roof_h = w * c.rng.range(0.3f, 0.55f), eave = w * 0.06f;
  const bool hip = c.rng.chance(0.35f);
  const float tile = c.rng.uniform();
  const int roof_material = tile < 0.7f ? M::kTile : tile < 0.85f ? M::kWood : M::kMetal;
  Paint roof =
      paint(c.tone(c.rng.pick(kRoofColors), at.far), O::kHouse, P::kRoof, -1, roof_material);
  shaded(roof, 1.15f);
  if (c.rng.chance(0.4f)) {
    float cx = at.x + c.rng.range(0.15f, 0.35f) * w * (c.rng.chance(0.5f) ? 1.f : -1.f);
    float cw = px(w * 0.08f);
    Paint chimney = paint(c.tone({150, 80, 60}, at.far), O::kHouse, P::kChimney, -1, M::kBrick);
    c.canvas.fill_rect(cx - cw * 0.5f, top - roof_h * 0.95f, cx + cw * 0.5f, top, chimney);
  }
  if (hip) {
    const Vec2 quad[4] = {{x0 - eave, top},
                          {at.x - w * 0.25f, top - roof_h},
                          {at.x + w * 0.25f, top - roof_h},
                          {x1 + eave, top}};
    c.canvas.fill_polygon(quad, roof);
  } else {
    const Vec2 tri[3] = {{x0 - eave, top + 0.5f}, {at.x, top - roof_h}, {x1 + eave, top + 0.5f}};
    c.canvas.fill_polygon(tri, roof);
  }

  // Door and windows are parts of the wall: plane 1 says wall, plane 2 says door or window.
  const float door_w = w * c.rng.range(0.14f, 0.2f),
              door_h = std::min(wall_h * 0.6f, door_w * 2.2f);
  const float door_x = at.x + c.rng.range(-0.3f, 0.3f) * w;
  Paint door = paint(c.tone(c.rng.pick(kWood) * c.rng.range(0.6f, 1.1f), at.far), O::kHouse,
                     P::kWall, P::kDoor, M::kWood);
  if (c.rng.chance(0.3f)) door.color = door.color_bottom = c.tone(vivid_color(c.rng), at.far);
  c.canvas.fill_rect(door_x - door_w * 0.5f, at.base - door_h, door_x + door_w * 0.5f, at.base,
                     door);
  Rgb glass = c.tone(c.rng.pick(kGlass), at.far, 0.1f);
  Paint window = paint(glass, O::kHouse, P::kWall, P::kWindow, M::kGlass);
  shaded(window, 0.75f);
  const int cols = w > 30 * at.s ? c.rng.integer(2, 3) : 2;
  const int rows = wall_h > 32 * at.s ? 2 : 1;
  const float win_w = w * 0.13f, win_h = std::min(win_w * 1.3f, wall_h * 0.3f);
  for (int r = 0; r < rows; ++r) {
    float wy = top + wall_h * (rows == 1 ? 0.25f : 0.12f + 0.42f * float(r));
    for (int k = 0; k < cols; ++k) {
      float wx = x0 + w * (float(k) + 0.5f) / float(cols);
      if (std::fabs(wx - door_x) < (door_w + win_w) * 0.6f && wy + win_h > at.base - door_h)
        continue;
      c.canvas.fill_rect(wx - win_w * 0.5f, wy, wx + win_w * 0.5f, wy + win_h, window);
    }
  }
  c.record(O::kHouse, x0 - eave, top - roof_h, x1 + eave, at.base, at.base);
}

void draw_car(DrawContext& c, const Placement& at) {
  const float w = 44 * at.s * c.rng.range(0.85f, 1.15f), h = w * 0.24f;
  const float dir = c.rng.chance(0.5f) ? 1.f : -1.f;
  const float wheel_r = px(h * 0.38f);
  const float body_bottom = at.base - wheel_r * 0.6f;
  const float x0 = at.x - w * 0.5f, x1 = at.x + w * 0.5f;
  Paint body = paint(c.tone(vivid_color(c.rng), at.far, 0.1f), O::kCar, -1, -1, M::kMetal);
  maybe_pattern(c, body, 0.06f, 5 * at.s);
  if (body.fill == Fill::kSolid) shaded(body, 0.8f);
  const Vec2 lower[6] = {{x0, body_bottom},
                         {x0, body_bottom - h * 0.8f},
                         {x0 + w * 0.05f, body_bottom - h},
                         {x1 - w * 0.05f, body_bottom - h},
                         {x1, body_bottom - h * 0.7f},
                         {x1, body_bottom}};
  c.canvas.fill_polygon(lower, body);
  const float cab_bottom = body_bottom - h + 0.5f, cab_h = h * c.rng.range(0.75f, 0.95f);
  const float cx0 = at.x - w * (dir > 0 ? 0.32f : 0.2f), cx1 = at.x + w * (dir > 0 ? 0.2f : 0.32f);
  const Vec2 cabin[4] = {{cx0 - w * 0.06f, cab_bottom},
                         {cx0 + w * 0.04f, cab_bottom - cab_h},
                         {cx1 - w * 0.04f, cab_bottom - cab_h},
                         {cx1 + w * 0.08f, cab_bottom}};
  c.canvas.fill_polygon(cabin, body);
  Paint glass = paint(c.tone(c.rng.pick(kGlass), at.far, 0.1f), O::kCar, P::kWindow, -1, M::kGlass);
  const float inset = px(h * 0.12f), mid = (cx0 + cx1) * 0.5f;
  const Vec2 front[4] = {{cx0 - w * 0.03f, cab_bottom},
                         {cx0 + w * 0.05f, cab_bottom - cab_h + inset},
                         {mid - inset * 0.5f, cab_bottom - cab_h + inset},
                         {mid - inset * 0.5f, cab_bottom}};
  const Vec2 back[4] = {{mid + inset * 0.5f, cab_bottom},
                        {mid + inset * 0.5f, cab_bottom - cab_h + inset},
                        {cx1 - w * 0.05f, cab_bottom - cab_h + inset},
                        {cx1 + w * 0.05f, cab_bottom}};
  c.canvas.fill_polygon(front, glass);
  c.canvas.fill_polygon(back, glass);
  Paint tyre = paint(c.tone({30, 30, 32}, at.far, 0.1f, 4), O::kCar, P::kWheel);
  Paint hub = paint(c.tone({170, 170, 175}, at.far, 0.1f, 4), O::kCar, P::kWheel);
  for (float wx : {x0 + w * 0.2f, x1 - w * 0.2f}) {
    c.canvas.fill_ellipse(wx, at.base - wheel_r, wheel_r, wheel_r, tyre);
    c.canvas.fill_ellipse(wx, at.base - wheel_r, wheel_r * 0.45f, wheel_r * 0.45f, hub);
  }
  c.record(O::kCar, x0, cab_bottom - cab_h, x1, at.base, at.base);
}

void draw_boat(DrawContext& c, const Placement& at) {
  const float w = 48 * at.s * c.rng.range(0.7f, 1.3f), h = w * c.rng.range(0.16f, 0.24f);
  const bool wooden = c.rng.chance(0.4f);
  Rgb hull_color = wooden ? c.rng.pick(kWood) : vivid_color(c.rng);
  Paint hull =
      paint(c.tone(hull_color, at.far), O::kBoat, P::kHull, -1, wooden ? M::kWood : M::kMetal);
  if (c.rng.chance(0.15f)) {
    set_pattern(hull, c.rng, world_texture::kStriped, c.tone(vivid_color(c.rng), at.far),
                px(h * 0.5f));
    hull.dir_x = 0;
    hull.dir_y = 1;
  } else {
    shaded(hull, 0.75f);
  }
  const float top = at.base - h;
  const Vec2 shape[4] = {{at.x - w * 0.5f, top},
                         {at.x + w * 0.5f, top},
                         {at.x + w * 0.35f, at.base},
                         {at.x - w * 0.4f, at.base}};
  float y_top = top;
  if (c.rng.chance(0.6f)) {
    const float mast_h = w * c.rng.range(0.8f, 1.2f);
    Paint mast = paint(c.tone({110, 85, 60}, at.far), O::kBoat, P::kMast, -1, M::kWood);
    c.canvas.fill_rect(at.x - px(w * 0.015f), top - mast_h, at.x + px(w * 0.015f), top, mast);
    Rgb cloth = c.rng.chance(0.6f) ? Rgb{240, 238, 230} : vivid_color(c.rng);
    Paint sail = paint(c.tone(cloth, at.far, 0.06f), O::kBoat, P::kSail, -1, M::kFabric);
    maybe_pattern(c, sail, 0.25f, 5 * at.s);
    const Vec2 main_sail[3] = {
        {at.x + 1.5f, top - mast_h}, {at.x + 1.5f, top - 2}, {at.x + w * 0.4f, top - 2}};
    c.canvas.fill_polygon(main_sail, sail);
    if (c.rng.chance(0.6f)) {
      const Vec2 jib[3] = {
          {at.x - 1.5f, top - mast_h * 0.85f}, {at.x - 1.5f, top - 2}, {at.x - w * 0.35f, top - 2}};
      c.canvas.fill_polygon(jib, sail);
    }
    y_top = top - mast_h;
  } else {
    const float cab_h = h * c.rng.range(0.8f, 1.3f);
    Paint cabin = paint(c.tone({235, 235, 230}, at.far, 0.06f), O::kBoat, -1, -1, M::kMetal);
    float cx = at.x - w * 0.05f;
    c.canvas.fill_rect(cx - w * 0.22f, top - cab_h, cx + w * 0.18f, top + 0.5f, cabin);
    Paint glass = paint(c.tone({60, 80, 100}, at.far, 0.1f), O::kBoat, P::kWindow, -1, M::kGlass);
    c.canvas.fill_rect(cx - w * 0.17f, top - cab_h * 0.8f, cx + w * 0.13f, top - cab_h * 0.45f,
                       glass);
    y_top = top - cab_h;
  }
  c.canvas.fill_polygon(shape, hull);
  c.record(O::kBoat, at.x - w * 0.5f, y_top, at.x + w * 0.5f, at.base, at.base);
}

void draw_lamp(DrawContext& c, const Placement& at) {
  const float h = 50 * at.s * c.rng.range(0.85f, 1.15f), pw = px(1.8f * at.s);
  Paint pole = paint(c.tone(c.rng.chance(0.5f) ? Rgb{40, 40, 45} : Rgb{90, 95, 90}, at.far),
                     O::kLamp, P::kPole, -1, M::kMetal);
  c.canvas.fill_rect(at.x - pw * 0.5f, at.base - h, at.x + pw * 0.5f, at.base, pole);
  const float lw = px(5 * at.s), lh = px(6 * at.s);
  Paint lantern = paint(c.tone({250, 235, 170}, 0.0f, 0.08f), O::kLamp, P::kLantern, -1, M::kGlass);
  const Vec2 head[4] = {{at.x - lw * 0.5f, at.base - h},
                        {at.x - lw * 0.7f, at.base - h - lh},
                        {at.x + lw * 0.7f, at.base - h - lh},
                        {at.x + lw * 0.5f, at.base - h}};
  c.canvas.fill_polygon(head, lantern);
  c.canvas.fill_rect(at.x - lw * 0.8f, at.base - h - lh - px(at.s), at.x + lw * 0.8f,
                     at.base - h - lh, pole);
  c.record(O::kLamp, at.x - lw * 0.8f, at.base - h - lh - px(at.s), at.x + lw * 0.8f, at.base,
           at.base);
}

void draw_person(DrawContext& c, const Placement& at) {
  const float h = 34 * at.s * c.rng.range(0.85f, 1.1f);
  const float leg_h = h * 0.45f, torso_h = h * 0.37f, head_r = h * 0.09f;
  const float body_w = px(h * 0.26f), leg_w = px(h * 0.1f);
  Paint legs = paint(c.tone(c.rng.pick(kTrousers), at.far), O::kPerson, P::kLeg, -1, M::kFabric);
  float stride = c.rng.range(0.0f, 0.12f) * h;
  c.canvas.fill_line({at.x - body_w * 0.25f, at.base - leg_h},
                     {at.x - body_w * 0.25f - stride, at.base}, leg_w, legs);
  c.canvas.fill_line({at.x + body_w * 0.25f, at.base - leg_h},
                     {at.x + body_w * 0.25f + stride, at.base}, leg_w, legs);
  Paint torso =
      paint(c.tone(vivid_color(c.rng), at.far, 0.1f), O::kPerson, P::kTorso, -1, M::kFabric);
  maybe_pattern(c, torso, 0.3f, 3.5f * at.s);
  const float t0 = at.base - leg_h - torso_h;
  const Vec2 shirt[4] = {{at.x - body_w * 0.5f, t0},
                         {at.x + body_w * 0.5f, t0},
                         {at.x + body_w * 0.42f, at.base - leg_h + 1},
                         {at.x - body_w * 0.42f, at.base - leg_h + 1}};
  c.canvas.fill_polygon(shirt, torso);
  float arm = c.rng.range(-0.3f, 0.3f) * h;
  c.canvas.fill_line({at.x - body_w * 0.5f, t0 + 1},
                     {at.x - body_w * 0.6f + std::min(arm, 0.f) * 0.3f, t0 + torso_h * 0.95f},
                     leg_w * 0.8f, torso);
  c.canvas.fill_line({at.x + body_w * 0.5f, t0 + 1},
                     {at.x + body_w * 0.6f + std::max(arm, 0.f) * 0.3f, t0 + torso_h * 0.95f},
                     leg_w * 0.8f, torso);
  Paint head = paint(c.tone(c.rng.pick(kSkinTones), at.far, 0.06f, 5), O::kPerson, P::kHead);
  c.canvas.fill_ellipse(at.x, t0 - head_r * 0.9f, px(head_r), px(head_r * 1.1f), head);
  c.record(O::kPerson, at.x - body_w * 0.7f, t0 - head_r * 2.1f, at.x + body_w * 0.7f, at.base,
           at.base);
}

void draw_umbrella(DrawContext& c, const Placement& at) {
  const float h = 30 * at.s * c.rng.range(0.85f, 1.15f), w = h * c.rng.range(0.9f, 1.2f);
  Paint pole = paint(c.tone({200, 200, 205}, at.far), O::kUmbrella, P::kPole, -1, M::kMetal);
  c.canvas.fill_rect(at.x - px(at.s * 0.6f), at.base - h, at.x + px(at.s * 0.6f), at.base, pole);
  Paint canopy =
      paint(c.tone(vivid_color(c.rng), at.far, 0.08f), O::kUmbrella, P::kCanopy, -1, M::kFabric);
  maybe_pattern(c, canopy, 0.6f, 5 * at.s);
  const float top = at.base - h - h * 0.25f;
  Vec2 dome[11];
  for (int i = 0; i <= 8; ++i) {
    float a = 3.14159265f * float(i) / 8.0f;
    dome[i] = {at.x - std::cos(a) * w * 0.5f, at.base - h - std::sin(a) * h * 0.25f};
  }
  dome[9] = {at.x + w * 0.5f, at.base - h + h * 0.04f};
  dome[10] = {at.x - w * 0.5f, at.base - h + h * 0.04f};
  c.canvas.fill_polygon(dome, canopy);
  c.record(O::kUmbrella, at.x - w * 0.5f, top, at.x + w * 0.5f, at.base, at.base);
}

void draw_bench(DrawContext& c, const Placement& at) {
  const float w = 26 * at.s * c.rng.range(0.85f, 1.2f), h = w * 0.4f;
  Paint legs = paint(c.tone({50, 50, 55}, at.far), O::kBench, P::kLeg, -1, M::kMetal);
  const float lw = px(1.5f * at.s);
  for (float lx : {at.x - w * 0.4f, at.x + w * 0.4f}) {
    c.canvas.fill_rect(lx - lw * 0.5f, at.base - h * 0.55f, lx + lw * 0.5f, at.base, legs);
  }
  Rgb wood = c.tone(c.rng.chance(0.7f) ? c.rng.pick(kWood) : vivid_color(c.rng), at.far);
  Paint seat = paint(wood, O::kBench, P::kSeat, -1, M::kWood);
  seat.fill = Fill::kPlanks;
  seat.color2 = wood * 0.6f;
  seat.period = px(2.5f * at.s);
  c.canvas.fill_rect(at.x - w * 0.5f, at.base - h * 0.65f, at.x + w * 0.5f, at.base - h * 0.5f,
                     seat);
  c.canvas.fill_rect(at.x - w * 0.5f, at.base - h * 1.05f, at.x + w * 0.5f, at.base - h * 0.75f,
                     seat);
  c.record(O::kBench, at.x - w * 0.5f, at.base - h * 1.05f, at.x + w * 0.5f, at.base, at.base);
}

void draw_haystack(DrawContext& c, const Placement& at) {
  const float w = 20 * at.s * c.rng.range(0.7f, 1.3f);
  Rgb straw = c.tone({215, 180, 90}, at.far, 0.12f);
  Paint p = paint(straw, O::kHaystack, -1, -1, M::kStraw);
  shaded(p, 0.75f);
  if (c.rng.chance(0.5f)) {
    const float h = w * c.rng.range(0.7f, 0.95f);
    c.canvas.fill_ellipse(at.x, at.base - h * 0.5f, w * 0.5f, h * 0.5f, p);
    c.record(O::kHaystack, at.x - w * 0.5f, at.base - h, at.x + w * 0.5f, at.base, at.base);
  } else {
    const float h = w * c.rng.range(0.6f, 0.9f);
    Vec2 dome[10];
    for (int i = 0; i < 10; ++i) {
      float a = 3.14159265f * float(i) / 9.0f;
      dome[i] = {at.x - std::cos(a) * w * 0.5f, at.base - std::pow(std::sin(a), 0.7f) * h};
    }
    c.canvas.fill_polygon(dome, p);
    c.record(O::kHaystack, at.x - w * 0.5f, at.base - h, at.x + w * 0.5f, at.base, at.base);
  }
}

void draw_pier(DrawContext& c, float x, float from_y, float to_y) {
  const float hz = c.horizon, bottom = float(c.canvas.height());
  auto width_at = [&](float y) { return 30 * c.unit * (0.12f + 0.88f * (y - hz) / (bottom - hz)); };
  Rgb wood = c.tone(c.rng.pick(kWood), 0.2f);
  Paint posts = paint(wood * 0.6f, O::kPier, P::kPillar, -1, M::kWood);
  const float wf = width_at(to_y), wn = width_at(from_y);
  const float shift = c.rng.range(-0.3f, 0.3f) * wn;
  const float post_depth = std::max(2.0f, 4 * c.unit * (to_y - hz) / (bottom - hz));
  for (int i = 0; i < 6; ++i) {
    float t = float(i) / 5.0f;
    float y = to_y + (from_y - to_y) * t, hw = width_at(y) * 0.45f, cx = x + shift * t;
    float pw = px(hw * 0.12f), d = post_depth * (1 + 2 * t);
    c.canvas.fill_rect(cx - hw - pw * 0.5f, y, cx - hw + pw * 0.5f, y + d, posts);
    c.canvas.fill_rect(cx + hw - pw * 0.5f, y, cx + hw + pw * 0.5f, y + d, posts);
  }
  Paint deck = paint(wood, O::kPier, P::kDeck, -1, M::kWood);
  deck.fill = Fill::kPlanks;
  deck.color2 = wood * 0.7f;
  deck.period = px(2 * c.unit);
  const Vec2 quad[4] = {{x - wf * 0.5f, to_y},
                        {x + wf * 0.5f, to_y},
                        {x + shift + wn * 0.5f, from_y},
                        {x + shift - wn * 0.5f, from_y}};
  c.canvas.fill_polygon(quad, deck);
  c.record(O::kPier, std::min(x - wf * 0.5f, x + shift - wn * 0.5f), to_y,
           std::max(x + wf * 0.5f, x + shift + wn * 0.5f), from_y, from_y);
}

void draw_bridge(DrawContext& c, float x0, float x1, float y, float depth, float s) {
  const float pick = c.rng.uniform();
  const int material = pick < 0.5f ? M::kStone : pick < 0.8f ? M::kWood : M::kMetal;
  Rgb col = material == M::kStone  ? Rgb{150, 140, 125}
            : material == M::kWood ? kWood[0]
                                   : Rgb{170, 60, 50};
  col = c.tone(col, 0.3f);
  Paint pillar = paint(col * 0.8f, O::kBridge, P::kPillar, -1, material);
  const float thick = px(3.5f * s), pw = px(3 * s);
  const int spans = std::max(1, int((x1 - x0) / (28 * s)));
  for (int i = 0; i <= spans; ++i) {
    float px0 = x0 + (x1 - x0) * float(i) / float(spans);
    c.canvas.fill_rect(px0 - pw * 0.5f, y, px0 + pw * 0.5f, y + depth, pillar);
  }
  Paint deck = paint(col, O::kBridge, P::kDeck, -1, material);
  c.canvas.fill_rect(x0, y - thick, x1, y, deck);
  const float rail = px(0.8f * s), rail_h = 4 * s;
  c.canvas.fill_rect(x0, y - thick - rail_h, x1, y - thick - rail_h + rail, deck);
  for (float x = x0; x <= x1; x += std::max(5 * s, 3.0f)) {
    c.canvas.fill_rect(x - rail * 0.5f, y - thick - rail_h, x + rail * 0.5f, y - thick, deck);
  }
  c.record(O::kBridge, x0, y - thick - rail_h, x1, y + depth, y + depth);
}

}  // namespace unitscope::analysis::scene_draw
