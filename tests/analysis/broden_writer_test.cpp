#include "analysis/world/broden_writer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/data/error.h"
#include "analysis/data/image.h"
#include "analysis/world/scene_world.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::read_text;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(text);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!text.empty() && text.back() == sep) out.emplace_back();
  return out;
}

std::vector<std::vector<std::string>> read_rows(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_text(p));
  std::string line;
  while (std::getline(in, line)) rows.push_back(split(line, ','));
  return rows;
}

std::vector<std::uint16_t> decode_plane(const fs::path& png) {
  Image image = read_image(png, 3);
  std::vector<std::uint16_t> out(std::size_t(image.width) * image.height);
  bool blue_zero = true;
  for (std::size_t i = 0; i < out.size(); ++i) {
    blue_zero &= image.pixels[i * 3 + 2] == 0;
    out[i] = std::uint16_t(image.pixels[i * 3] + 256 * image.pixels[i * 3 + 1]);
  }
  CHECK(blue_zero);
  return out;
}

SceneWorld world_of(std::uint64_t seed, int size = 48, int label_scale = 1) {
  SceneWorldOptions o;
  o.seed = seed;
  o.width = o.height = size;
  o.label_scale = label_scale;
  return SceneWorld(o);
}

// Every file under dir, relative path -> bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read_text(e.path());
  }
  return out;
}

}  // namespace

TEST_SUITE("broden_writer") {
  TEST_CASE("label PNGs carry global numbers as R + 256 * G including numbers above 255") {
    auto dir = unitscope::test::scratch_dir("broden_writer_png");
    const std::vector<std::uint16_t> plane = {0, 1, 255, 256, 300, 4097, 65535, 89};
    write_png(dir / "p.png", encode_label_png_pixels(plane, 4, 2));
    Image back = read_image(dir / "p.png", 3);
    CHECK(back.width == 4);
    CHECK(back.height == 2);
    CHECK(back.at(3, 0)[0] == 0);  // 256: R = 0, G = 1
    CHECK(back.at(3, 0)[1] == 1);
    CHECK(decode_plane(dir / "p.png") == plane);
  }

  TEST_CASE("the export has Broden's tables and files") {
    auto dir = unitscope::test::scratch_dir("broden_writer_layout");
    const SceneWorld world = world_of(2);
    BrodenExportOptions o;
    o.images = 40;
    o.threads = 2;
    std::size_t last_progress = 0;
    auto report = export_broden(world, dir, o, [&](std::size_t done, std::size_t total) {
      CHECK(total == 40);
      CHECK(done >= last_progress);
      last_progress = done;
    });
    CHECK(report.complete);
    CHECK(report.images == 40);
    CHECK(report.train + report.val == 40);
    CHECK(last_progress == 40);

    const auto& taxonomy = WorldTaxonomy::get();
    auto index = read_rows(dir / "index.csv");
    REQUIRE(index.size() == 41);
    CHECK(index[0] == std::vector<std::string>{"image", "split", "ih", "iw", "sh", "sw", "color",
                                               "object", "part", "material", "scene", "texture"});
    bool two_part_planes = false;
    for (std::size_t r = 1; r < index.size(); ++r) {
      const auto& row = index[r];
      REQUIRE(row.size() == 12);
      CHECK(row[0].rfind("sceneworld/", 0) == 0);
      CHECK((row[1] == "train" || row[1] == "val"));
      CHECK(row[2] == "48");
      CHECK(row[5] == "48");
      std::string jpeg = read_text(dir / "images" / row[0]);
      REQUIRE(jpeg.size() > 2);
      CHECK(static_cast<unsigned char>(jpeg[0]) == 0xFF);
      CHECK(static_cast<unsigned char>(jpeg[1]) == 0xD8);
      const Scene s = world.generate(r - 1);
      CHECK(row[10] == std::to_string(s.scene_label()));
      // Pixel cells list the non-empty planes, which decode to exactly the generated labels.
      for (int c : {0, 1, 2, 3, 5}) {
        std::vector<std::vector<std::uint16_t>> expected;
        for (const auto& plane : s.planes[std::size_t(c)]) {
          if (std::any_of(plane.begin(), plane.end(), [](auto v) { return v != 0; }))
            expected.push_back(plane);
        }
        const std::string& cell = row[std::size_t(6 + c)];
        auto files = cell.empty() ? std::vector<std::string>{} : split(cell, ';');
        REQUIRE(files.size() == expected.size());
        for (std::size_t k = 0; k < files.size(); ++k) {
          CHECK(decode_plane(dir / "images" / files[k]) == expected[k]);
          // Broden's names: _object.png; _part_1.png, _part_2.png (numbered even when alone).
          const std::string category(category_name(WorldCategory(c)));
          const std::string suffix =
              c == 2 ? "_part_" + std::to_string(k + 1) + ".png" : "_" + category + ".png";
          CHECK(files[k].ends_with(suffix));
        }
        two_part_planes |= c == 2 && files.size() == 2;
      }
    }
    CHECK(two_part_planes);

    auto labels = read_rows(dir / "label.csv");
    CHECK(labels[0] ==
          std::vector<std::string>{"number", "name", "category", "frequency", "coverage", "syns"});
    REQUIRE(labels.size() == taxonomy.labels().size());
    for (std::size_t n = 1; n < labels.size(); ++n) {
      CHECK(labels[n][0] == std::to_string(n));
      CHECK(labels[n][1] == taxonomy.labels()[n].name);
    }
    const auto water = taxonomy.number(WorldCategory::kObject, world_object::kWater);
    const auto& water_row = labels[water];
    CHECK(water_row[2].find("object(") != std::string::npos);
    CHECK(water_row[2].find(";material(") != std::string::npos);

    auto categories = read_rows(dir / "category.csv");
    REQUIRE(categories.size() == 7);
    CHECK(categories[0] == std::vector<std::string>{"name", "first", "last", "count", "frequency"});
    CHECK(categories[1] == std::vector<std::string>{"color", "1", "11", "11", categories[1][4]});
    CHECK(categories[5][0] == "scene");
    CHECK(categories[5][4] == "40");  // one scene label per image
    for (const char* c : {"color", "object", "part", "material", "scene", "texture"}) {
      auto codes = read_rows(dir / (std::string("c_") + c + ".csv"));
      CHECK(codes[0] ==
            std::vector<std::string>{"code", "number", "name", "frequency", "coverage"});
      for (std::size_t k = 1; k < codes.size(); ++k) {
        CHECK(codes[k][0] == std::to_string(k));
        if (k > 1) CHECK(std::stoi(codes[k][3]) <= std::stoi(codes[k - 1][3]));
      }
    }
  }

  TEST_CASE("frequencies in label.csv count the images that have each label") {
    auto dir = unitscope::test::scratch_dir("broden_writer_stats");
    const SceneWorld world = world_of(9, 32);
    BrodenExportOptions o;
    o.images = 30;
    export_broden(world, dir, o);
    const auto objects = WorldTaxonomy::get().numbers(WorldCategory::kObject);
    std::map<int, int> frequency;
    for (std::size_t i = 0; i < 30; ++i) {
      const Scene s = world.generate(i);
      std::set<int> seen(s.planes_of(WorldCategory::kObject)[0].begin(),
                         s.planes_of(WorldCategory::kObject)[0].end());
      for (int n : seen) ++frequency[n];
    }
    auto codes = read_rows(dir / "c_object.csv");
    REQUIRE(codes.size() == objects.size() + 1);
    for (std::size_t k = 1; k < codes.size(); ++k) {
      CHECK(codes[k][3] == std::to_string(frequency[std::stoi(codes[k][1])]));
    }
  }

  TEST_CASE("the same seed gives byte-identical files for any thread count") {
    auto one = unitscope::test::scratch_dir("broden_writer_det1");
    auto three = unitscope::test::scratch_dir("broden_writer_det3");
    auto other = unitscope::test::scratch_dir("broden_writer_det_other");
    BrodenExportOptions o;
    o.images = 24;
    o.threads = 1;
    export_broden(world_of(5, 40, 2), one, o);
    o.threads = 3;
    export_broden(world_of(5, 40, 2), three, o);
    export_broden(world_of(6, 40, 2), other, o);
    const auto a = snapshot(one), b = snapshot(three), c = snapshot(other);
    CHECK(a.size() > 24 * 4);
    CHECK(a == b);
    CHECK(a.at("index.csv") != c.at("index.csv"));
    CHECK(a.at("images/sceneworld/000000.jpg") != c.at("images/sceneworld/000000.jpg"));
    CHECK(a.at("index.csv").find(",40,40,20,20,") != std::string::npos);
  }

  TEST_CASE("the split follows the validation fraction") {
    std::size_t val = 0;
    for (std::uint64_t i = 0; i < 1000; ++i) val += is_val_image(1, i, 0.25);
    CHECK(val > 200);
    CHECK(val < 300);
    for (std::uint64_t i = 0; i < 100; ++i) {
      CHECK_FALSE(is_val_image(1, i, 0.0));
      CHECK(is_val_image(1, i, 1.0));
    }
  }

  TEST_CASE("bad options and unwritable places are reported") {
    auto dir = unitscope::test::scratch_dir("broden_writer_bad");
    BrodenExportOptions o;
    o.images = 2;
    o.val_fraction = 1.5;
    CHECK_THROWS_AS(export_broden(world_of(1), dir, o), Error);
    o.val_fraction = 0.2;
    o.folder = "a/b";
    CHECK_THROWS_AS(export_broden(world_of(1), dir, o), Error);
    o.folder = "sceneworld";
    std::ofstream(dir / "file") << "x";
    CHECK_THROWS_AS(export_broden(world_of(1), dir / "file" / "sub", o), Error);
  }
}
