// Scene classes as ground and object priors: which surfaces, lanes and objects, and how many.
#include "analysis/world/scene_plan.h"

#include <algorithm>
#include <cmath>

namespace unitscope::analysis::scene_draw {

namespace {

namespace O = world_object;
namespace S = scene_class;

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

// One scene class each: the ground and the priors. Each keeps its draws from rng in their order, on
// which every seed's scenes depend.
void plan_beach(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
  add_band(rng, g, 0, Surface::kWater, 0);
  add_band(rng, g, rng.range(0.2f, 0.55f), Surface::kSand);
  pr = {{O::kBoat, .6f, 1, 3},  {O::kPerson, .8f, 1, 5}, {O::kUmbrella, .7f, 1, 4},
        {O::kPalm, .5f, 1, 3},  {O::kRock, .3f, 1, 3},   {O::kPier, .25f, 1, 1},
        {O::kBench, .2f, 1, 2}, {O::kLamp, .15f, 1, 2},  {O::kHouse, .15f, 1, 2},
        {O::kBird, .4f, 1, 4},  {O::kBush, .15f, 1, 2}};
  plan.mountain_p = 0.15f;
  plan.hill_p = 0.1f;
}

void plan_forest(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
  add_band(rng, g, 0, Surface::kGrass, 0);
  if (rng.chance(0.5f)) add_lane(rng, g, g.path, Surface::kPath, rng.range(0.06f, 0.15f), 0.3f);
  pr = {{O::kTree, 1, 10, 22, 1.3f}, {O::kBush, .8f, 2, 6},   {O::kFlower, .4f, 1, 4},
        {O::kRock, .5f, 1, 3},       {O::kPerson, .3f, 1, 2}, {O::kBird, .3f, 1, 3},
        {O::kFence, .15f, 1, 1},     {O::kBench, .1f, 1, 1},  {O::kHouse, .1f, 1, 1}};
  plan.mountain_p = 0.4f;
  plan.hill_p = 0.5f;
}

void plan_street(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
  add_band(rng, g, 0, Surface::kGrass, 0);
  add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.3f, 0.5f), 0.1f);
  g.road.border = rng.range(0.3f, 0.6f);
  pr = {{O::kHouse, 1, 2, 6},       {O::kCar, .95f, 1, 5}, {O::kLamp, .8f, 1, 4},
        {O::kPerson, .7f, 1, 5},    {O::kTree, .5f, 1, 3}, {O::kBench, .3f, 1, 2},
        {O::kUmbrella, .15f, 1, 2}, {O::kBush, .2f, 1, 3}, {O::kFence, .2f, 1, 2},
        {O::kBird, .2f, 1, 3}};
  plan.mountain_p = 0.1f;
  plan.hill_p = 0.15f;
}

void plan_village(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
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
}

void plan_harbor(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
  add_band(rng, g, 0, Surface::kGrass, 0);
  add_band(rng, g, rng.range(0.06f, 0.2f), Surface::kWater, 0.3f);
  if (rng.chance(0.5f)) add_band(rng, g, rng.range(0.75f, 0.9f), Surface::kSidewalk, 0);
  pr = {{O::kHouse, .8f, 2, 6},  {O::kBoat, 1, 2, 6},     {O::kPier, .8f, 1, 2},
        {O::kLamp, .5f, 1, 3},   {O::kPerson, .5f, 1, 3}, {O::kBird, .5f, 1, 4},
        {O::kBridge, .2f, 1, 1}, {O::kRock, .3f, 1, 2},   {O::kBench, .2f, 1, 2},
        {O::kTree, .3f, 1, 3},   {O::kPalm, .1f, 1, 2}};
  plan.mountain_p = 0.3f;
}

void plan_desert(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
  add_band(rng, g, 0, Surface::kSand, 0);
  if (rng.chance(0.25f)) add_lane(rng, g, g.road, Surface::kRoad, rng.range(0.15f, 0.3f), 0.2f);
  pr = {{O::kCactus, .7f, 1, 5}, {O::kRock, .8f, 1, 4}, {O::kPalm, .2f, 1, 3},
        {O::kPerson, .2f, 1, 2}, {O::kBird, .2f, 1, 2}, {O::kHouse, .1f, 1, 1},
        {O::kCar, .6f, 1, 2}};
  plan.mountain_p = 0.5f;
  plan.hill_p = 0.7f;
  plan.dunes = true;
}

void plan_farm(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
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
}

void plan_lake(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
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
}

void plan_mountain_pass(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
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
}

void plan_park(Rng& rng, Ground& g, ClassPlan& plan) {
  auto& pr = plan.priors;
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
}

}  // namespace

ClassPlan plan_class(Rng& rng, int scene_class, Ground& g) {
  ClassPlan plan;
  switch (scene_class) {
    case S::kBeach:
      plan_beach(rng, g, plan);
      break;
    case S::kForest:
      plan_forest(rng, g, plan);
      break;
    case S::kStreet:
      plan_street(rng, g, plan);
      break;
    case S::kVillage:
      plan_village(rng, g, plan);
      break;
    case S::kHarbor:
      plan_harbor(rng, g, plan);
      break;
    case S::kDesert:
      plan_desert(rng, g, plan);
      break;
    case S::kFarm:
      plan_farm(rng, g, plan);
      break;
    case S::kLake:
      plan_lake(rng, g, plan);
      break;
    case S::kMountainPass:
      plan_mountain_pass(rng, g, plan);
      break;
    case S::kPark:
    default:
      plan_park(rng, g, plan);
      break;
  }
  return plan;
}

}  // namespace unitscope::analysis::scene_draw
