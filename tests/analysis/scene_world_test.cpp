#include "analysis/world/scene_world.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "analysis/world/color_names.h"
#include "analysis/data/error.h"
#include "analysis/world/scene_contact_sheet.h"

using namespace unitscope::analysis;

namespace {

const WorldTaxonomy& tax() { return WorldTaxonomy::get(); }

SceneWorld small_world(std::uint64_t seed = 7, int size = 64, int label_scale = 1) {
  SceneWorldOptions o;
  o.seed = seed;
  o.width = o.height = size;
  o.label_scale = label_scale;
  return SceneWorld(o);
}

bool same_scene(const Scene& a, const Scene& b) {
  return a.scene_class == b.scene_class && a.image.pixels == b.image.pixels && a.planes == b.planes;
}

// Local ids of a category's concepts present anywhere in the scene's planes of that category.
std::set<int> present(const Scene& s, WorldCategory c) {
  auto numbers = tax().numbers(c);
  std::set<int> out;
  for (const auto& plane : s.planes_of(c)) {
    std::set<std::uint16_t> values(plane.begin(), plane.end());
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      if (values.count(numbers[i])) out.insert(int(i));
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("sceneworld") {
  TEST_CASE("the taxonomy has every required concept under dense global numbers") {
    CHECK(tax().numbers(WorldCategory::kScene).size() >= 10);
    CHECK(tax().numbers(WorldCategory::kObject).size() >= 24);
    CHECK(tax().numbers(WorldCategory::kPart).size() >= 10);
    CHECK(tax().numbers(WorldCategory::kMaterial).size() >= 6);
    CHECK(tax().numbers(WorldCategory::kTexture).size() >= 6);
    const std::vector<std::string_view> broden_colors = {"black", "blue",   "brown", "green",
                                                         "grey",  "orange", "pink",  "purple",
                                                         "red",   "white",  "yellow"};
    auto colors = tax().names(WorldCategory::kColor);
    CHECK(std::vector<std::string_view>(colors.begin(), colors.end()) == broden_colors);

    const auto& labels = tax().labels();
    CHECK(labels[0].name == "-");
    std::set<std::string> names;
    for (std::size_t n = 0; n < labels.size(); ++n) {
      CHECK(labels[n].number == int(n));
      CHECK(names.insert(labels[n].name).second);
    }
    // One name, one number: water is an object and a material.
    auto water_object = tax().number(WorldCategory::kObject, world_object::kWater);
    CHECK(water_object == tax().number(WorldCategory::kMaterial, world_material::kWater));
    CHECK(labels[water_object].categories.size() == 2);
  }

  TEST_CASE("a scene depends only on seed and index and not on call order or thread") {
    const SceneWorld world = small_world(3);
    const Scene a5 = world.generate(5), a3 = world.generate(3);
    Scene b3, b5;
    std::thread t([&] { b5 = world.generate(5); });
    b3 = world.generate(3);
    t.join();
    CHECK(same_scene(a5, b5));
    CHECK(same_scene(a3, b3));
    CHECK_FALSE(same_scene(a3, a5));
    CHECK(world.scene_class_of(5) == a5.scene_class);
    CHECK_FALSE(same_scene(small_world(4).generate(5), a5));
    Scene reused = world.generate(3);
    world.generate(5, reused);
    CHECK(same_scene(reused, a5));
  }

  TEST_CASE("every concept of every category appears in a moderate sample") {
    const SceneWorld world = small_world(11, 96);
    std::array<std::set<int>, kWorldCategoryCount> seen;
    Scene s;
    for (std::uint64_t i = 0; i < 400; ++i) {
      world.generate(i, s);
      seen[int(WorldCategory::kScene)].insert(s.scene_class);
      for (int c = 0; c < kWorldCategoryCount; ++c) {
        if (WorldCategory(c) == WorldCategory::kScene) continue;
        auto p = present(s, WorldCategory(c));
        seen[c].insert(p.begin(), p.end());
      }
    }
    for (int c = 0; c < kWorldCategoryCount; ++c) {
      auto names = tax().names(WorldCategory(c));
      for (std::size_t i = 0; i < names.size(); ++i) {
        CAPTURE(category_name(WorldCategory(c)));
        CAPTURE(names[i]);
        CHECK(seen[c].count(int(i)) == 1);
      }
    }
  }

  TEST_CASE("colour names come from the final pixel colours") {
    // The prototypes name clear colours the way people do.
    CHECK(color_name_exact(220, 25, 25) == world_color::kRed);
    CHECK(color_name_exact(30, 60, 200) == world_color::kBlue);
    CHECK(color_name_exact(150, 190, 235) == world_color::kBlue);
    CHECK(color_name_exact(40, 150, 40) == world_color::kGreen);
    CHECK(color_name_exact(245, 220, 40) == world_color::kYellow);
    CHECK(color_name_exact(240, 130, 20) == world_color::kOrange);
    CHECK(color_name_exact(250, 250, 250) == world_color::kWhite);
    CHECK(color_name_exact(5, 5, 5) == world_color::kBlack);
    CHECK(color_name_exact(128, 128, 128) == world_color::kGrey);
    CHECK(color_name_exact(110, 65, 30) == world_color::kBrown);
    CHECK(color_name_exact(240, 150, 185) == world_color::kPink);
    CHECK(color_name_exact(120, 50, 150) == world_color::kPurple);

    const SceneWorld world = small_world(5);
    auto numbers = tax().numbers(WorldCategory::kColor);
    std::size_t agree = 0, total = 0;
    for (std::uint64_t i = 0; i < 20; ++i) {
      const Scene s = world.generate(i);
      const auto& plane = s.planes_of(WorldCategory::kColor).at(0);
      for (std::size_t p = 0; p < plane.size(); ++p) {
        const std::uint8_t* px = s.image.pixels.data() + p * 3;
        agree += plane[p] == numbers[std::size_t(color_name_exact(px[0], px[1], px[2]))];
        ++total;
      }
    }
    // The per-pixel table differs from the exact rule only within a quantisation step of a
    // boundary.
    CHECK(double(agree) / double(total) > 0.97);
  }

  TEST_CASE("objects higher in the image are farther and smaller") {
    const SceneWorld world = small_world(13, 128);
    std::map<int, std::vector<std::pair<float, float>>> by_object;  // object -> (base, height)
    for (std::uint64_t i = 0; i < 300; ++i) {
      const Scene s = world.generate(i);
      for (const auto& inst : s.instances) {
        if (inst.base > float(s.image.height) || inst.y0 <= 0) continue;  // cut off by the frame
        by_object[inst.object].push_back({inst.base, inst.y1 - inst.y0});
      }
    }
    for (int object : {world_object::kPerson, world_object::kTree, world_object::kHouse,
                       world_object::kCar, world_object::kRock, world_object::kBush}) {
      auto& v = by_object[object];
      CAPTURE(tax().names(WorldCategory::kObject)[std::size_t(object)]);
      REQUIRE(v.size() >= 20);
      std::sort(v.begin(), v.end());
      double upper = 0, lower = 0;
      const std::size_t half = v.size() / 2;
      for (std::size_t k = 0; k < v.size(); ++k) (k < half ? upper : lower) += v[k].second;
      upper /= double(half);
      lower /= double(v.size() - half);
      CHECK(upper < 0.75 * lower);
    }
  }

  TEST_CASE("no single object decides the scene class") {
    const SceneWorld world = small_world(17, 64);
    constexpr int kScenes = 1500;
    std::array<std::array<int, scene_class::kCount>, world_object::kCount> counts{};
    std::array<int, scene_class::kCount> per_class{};
    Scene s;
    for (std::uint64_t i = 0; i < kScenes; ++i) {
      world.generate(i, s);
      ++per_class[std::size_t(s.scene_class)];
      for (int o : present(s, WorldCategory::kObject))
        ++counts[std::size_t(o)][std::size_t(s.scene_class)];
    }
    for (int n : per_class) CHECK(n > kScenes / scene_class::kCount / 2);
    for (int o = 0; o < world_object::kCount; ++o) {
      int total = 0, best = 0;
      for (int c = 0; c < scene_class::kCount; ++c) {
        total += counts[std::size_t(o)][std::size_t(c)];
        best = std::max(best, counts[std::size_t(o)][std::size_t(c)]);
      }
      CAPTURE(tax().names(WorldCategory::kObject)[std::size_t(o)]);
      REQUIRE(total >= 20);
      // P(class | object visible) stays well below 1 for every object.
      CHECK(double(best) / double(total) < 0.85);
    }
    // And every class is made of several objects that other classes use too.
    for (int c = 0; c < scene_class::kCount; ++c) {
      int common = 0;
      for (int o = 0; o < world_object::kCount; ++o) {
        common += counts[std::size_t(o)][std::size_t(c)] > per_class[std::size_t(c)] / 4;
      }
      CHECK(common >= 4);
    }
  }

  TEST_CASE("sky colour alone does not tell the class") {
    // Nearest class centroid of the mean colour of the top rows, trained and tested on disjoint
    // sets.
    const SceneWorld world = small_world(19, 64);
    auto sky = [&](const Scene& s) {
      std::array<double, 3> m{};
      const int rows = 6;
      for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < s.image.width; ++x) {
          for (int ch = 0; ch < 3; ++ch) m[std::size_t(ch)] += s.image.at(x, y)[ch];
        }
      }
      for (auto& v : m) v /= rows * s.image.width;
      return m;
    };
    std::array<std::array<double, 3>, scene_class::kCount> centroid{};
    std::array<int, scene_class::kCount> n{};
    Scene s;
    for (std::uint64_t i = 0; i < 600; ++i) {
      world.generate(i, s);
      auto m = sky(s);
      for (int ch = 0; ch < 3; ++ch)
        centroid[std::size_t(s.scene_class)][std::size_t(ch)] += m[std::size_t(ch)];
      ++n[std::size_t(s.scene_class)];
    }
    for (int c = 0; c < scene_class::kCount; ++c) {
      for (auto& v : centroid[std::size_t(c)]) v /= std::max(1, n[std::size_t(c)]);
    }
    int correct = 0, tested = 0;
    for (std::uint64_t i = 600; i < 1200; ++i, ++tested) {
      world.generate(i, s);
      auto m = sky(s);
      int best = 0;
      double best_d = 1e30;
      for (int c = 0; c < scene_class::kCount; ++c) {
        double d = 0;
        for (int ch = 0; ch < 3; ++ch)
          d += std::pow(m[std::size_t(ch)] - centroid[std::size_t(c)][std::size_t(ch)], 2);
        if (d < best_d) {
          best_d = d;
          best = c;
        }
      }
      correct += best == s.scene_class;
    }
    CHECK(double(correct) / tested < 0.2);  // chance is 0.1
  }

  TEST_CASE("overlapping labels go to several planes: a window on a wall on a house") {
    const SceneWorld world = small_world(23, 128);
    const auto house = tax().number(WorldCategory::kObject, world_object::kHouse);
    const auto wall = tax().number(WorldCategory::kPart, world_part::kWall);
    const auto window = tax().number(WorldCategory::kPart, world_part::kWindow);
    const auto glass = tax().number(WorldCategory::kMaterial, world_material::kGlass);
    bool found = false;
    for (std::uint64_t i = 0; i < 100 && !found; ++i) {
      const Scene s = world.generate(i);
      const auto& object = s.planes_of(WorldCategory::kObject).at(0);
      const auto& parts = s.planes_of(WorldCategory::kPart);
      REQUIRE(parts.size() == 2);
      const auto& material = s.planes_of(WorldCategory::kMaterial).at(0);
      for (std::size_t p = 0; p < object.size(); ++p) {
        if (parts[1][p] != window) continue;
        found = true;
        CHECK(object[p] == house);
        CHECK(parts[0][p] == wall);
        CHECK(material[p] == glass);
      }
    }
    CHECK(found);
  }

  TEST_CASE("labels at half resolution subsample the full-resolution ones") {
    const SceneWorld full = small_world(29, 65, 1), half = small_world(29, 65, 2);
    CHECK(half.label_width() == 33);
    CHECK(half.label_height() == 33);
    for (std::uint64_t i = 0; i < 5; ++i) {
      const Scene a = full.generate(i), b = half.generate(i);
      CHECK(a.image.pixels == b.image.pixels);
      CHECK(b.label_width == 33);
      for (int c = 0; c < kWorldCategoryCount; ++c) {
        const auto& pa = a.planes[std::size_t(c)];
        const auto& pb = b.planes[std::size_t(c)];
        REQUIRE(pa.size() == pb.size());
        for (std::size_t k = 0; k < pa.size(); ++k) {
          REQUIRE(pb[k].size() == 33u * 33u);
          bool match = true;
          for (int y = 0; y < 33; ++y) {
            for (int x = 0; x < 33; ++x)
              match &= pb[k][std::size_t(y * 33 + x)] == pa[k][std::size_t(2 * y * 65 + 2 * x)];
          }
          CHECK(match);
        }
      }
    }
  }

  TEST_CASE("any resolution works and bad options are refused") {
    SceneWorldOptions o;
    o.width = 200;
    o.height = 120;
    const Scene s = SceneWorld(o).generate(1);
    CHECK(s.image.width == 200);
    CHECK(s.image.height == 120);
    CHECK(s.planes_of(WorldCategory::kObject).at(0).size() == 200u * 120u);
    o.label_scale = 3;
    CHECK_THROWS_AS(SceneWorld{o}, Error);
    o.label_scale = 1;
    o.width = 8;
    CHECK_THROWS_AS(SceneWorld{o}, Error);
  }

  TEST_CASE("the contact sheet shows images beside their object masks") {
    const SceneWorld world = small_world(1, 32);
    const Image sheet = render_contact_sheet(world, 0, 4, 2);
    CHECK(sheet.width == 6 + 2 * (2 * 32 + 2 + 6));
    CHECK(sheet.height > 2 * (32 + 12 + 6));
    const Scene s = world.generate(0);
    const Image mask = colorize_objects(s);
    // The first mask sits right of the first image, below its caption.
    bool same = true;
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 32; ++x) {
        for (int ch = 0; ch < 3; ++ch) {
          same &= sheet.at(6 + x, 6 + 12 + y)[ch] == s.image.at(x, y)[ch];
          same &= sheet.at(6 + 32 + 2 + x, 6 + 12 + y)[ch] == mask.at(x, y)[ch];
        }
      }
    }
    CHECK(same);
    const auto objects = tax().numbers(WorldCategory::kObject);
    const auto top_left = s.planes_of(WorldCategory::kObject).at(0)[0];
    const auto it = std::find(objects.begin(), objects.end(), top_left);
    REQUIRE(it != objects.end());
    auto color = object_display_color(int(it - objects.begin()));
    CHECK(std::equal(color.begin(), color.end(), mask.at(0, 0)));
  }
}
