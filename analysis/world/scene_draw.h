// SceneWorld internals: the per-scene random stream, paints, and the object drawers.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/world/scene_canvas.h"
#include "analysis/world/scene_taxonomy.h"
#include "analysis/world/scene_world.h"

namespace unitscope::analysis::scene_draw {

// splitmix64: tiny, fast, and gives the same stream on every platform (unlike std distributions).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }
  float range(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  int integer(int lo, int hi) { return lo + int((next() >> 33) % std::uint64_t(hi - lo + 1)); }
  bool chance(float p) { return uniform() < p; }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[std::size_t(integer(0, int(N) - 1))];
  }

 private:
  std::uint64_t state_;
};

// Where and how big one object is: x is its centre, base the y where it meets the ground, s pixels
// per reference unit at its depth, far in 0 (nearest) .. 1 (at the horizon).
struct Placement {
  float x = 0, base = 0, s = 1, far = 0;
};

struct DrawContext {
  Canvas& canvas;
  Rng& rng;
  float unit = 1;     // pixels per reference unit at the bottom of the image
  float horizon = 0;  // y of the horizon
  Rgb haze;           // colour far things fade towards (the sky at the horizon)
  Rgb sky_top;
  std::vector<SceneInstance>* instances = nullptr;

  // A colour jittered in brightness and per channel, then hazed by distance.
  Rgb tone(Rgb c, float far, float bright = 0.12f, float channel = 10.0f);
  Rgb hazed(Rgb c, float far) const { return lerp(c, haze, far * 0.3f); }
  void record(int object, float x0, float y0, float x1, float y1, float base);
};

std::uint16_t label(WorldCategory category, int local);
// A solid paint with its labels: object, part, part of part, material (-1 = none each).
Paint paint(Rgb c, int object, int part = -1, int subpart = -1, int material = -1);
// Gives a paint a vertical gradient from its colour to colour * bottom_factor.
Paint& shaded(Paint& p, float bottom_factor);
// Turns a paint into one of the labelled texture patterns (world_texture id) with a second colour.
void set_pattern(Paint& p, Rng& rng, int texture, Rgb color2, float period);
// Picks a labelled pattern with probability `p`; otherwise leaves the paint solid.
void maybe_pattern(DrawContext& c, Paint& paint, float p, float period);

// Palettes shared by all scene classes, so colour alone never tells the class.
Rgb vivid_color(Rng& rng);

// Lays out and draws a whole scene of the class (sky, ground, objects, far to near) on the canvas.
void compose_scene(DrawContext& c, int scene_class);

// Object drawers. Each paints its object with parts, materials and patterns and records an
// instance.
void draw_cloud(DrawContext& c, const Placement& at);
void draw_sun(DrawContext& c, float x, float y, float r);
void draw_bird(DrawContext& c, const Placement& at);
void draw_mountain(DrawContext& c, float x0, float x1, float peak_height, float far);
void draw_hill(DrawContext& c, float x, float width, float height, float far, bool dune);
void draw_tree(DrawContext& c, const Placement& at);
void draw_palm(DrawContext& c, const Placement& at);
void draw_bush(DrawContext& c, const Placement& at);
void draw_flower(DrawContext& c, const Placement& at);
void draw_cactus(DrawContext& c, const Placement& at);
void draw_rock(DrawContext& c, const Placement& at);
void draw_house(DrawContext& c, const Placement& at);
void draw_fence(DrawContext& c, const Placement& at);
void draw_car(DrawContext& c, const Placement& at);
void draw_boat(DrawContext& c, const Placement& at);
void draw_lamp(DrawContext& c, const Placement& at);
void draw_person(DrawContext& c, const Placement& at);
void draw_umbrella(DrawContext& c, const Placement& at);
void draw_bench(DrawContext& c, const Placement& at);
void draw_haystack(DrawContext& c, const Placement& at);
// A pier from the near shore (y = from_y) out to y = to_y on the water, centred on x.
void draw_pier(DrawContext& c, float x, float from_y, float to_y);
// A bridge deck across [x0, x1] at deck height y, with pillars down to y + depth.
void draw_bridge(DrawContext& c, float x0, float x1, float y, float depth, float s);

}  // namespace unitscope::analysis::scene_draw
