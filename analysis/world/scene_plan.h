// SceneWorld internals: a scene's ground (surface bands and perspective lanes) and its class's
// object priors, planned by scene_plan.cpp before scene_layout.cpp draws them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/world/scene_draw.h"

namespace unitscope::analysis::scene_draw {

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

// Builds the ground and the object priors of a class. Classes share objects and surfaces, and the
// probabilities keep any one object from deciding the class.
ClassPlan plan_class(Rng& rng, int scene_class, Ground& g);

}  // namespace unitscope::analysis::scene_draw
