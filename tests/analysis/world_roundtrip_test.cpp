#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "analysis/data/broden_dataset.h"
#include "analysis/world/broden_writer.h"
#include "analysis/world/scene_world.h"
#include "test_paths.h"

using namespace unitscope::analysis;

namespace {

// Exports `images` scenes and reads them back with BrodenDataset, comparing every label.
void round_trip(const std::string& name, int size, int label_scale, std::size_t images) {
  auto dir = unitscope::test::scratch_dir(name);
  SceneWorldOptions wo;
  wo.seed = 31;
  wo.width = wo.height = size;
  wo.label_scale = label_scale;
  const SceneWorld world(wo);
  BrodenExportOptions eo;
  eo.images = images;
  eo.threads = 2;
  REQUIRE(export_broden(world, dir, eo).complete);

  const auto& taxonomy = WorldTaxonomy::get();
  BrodenOptions ro;
  ro.threads = 2;
  const BrodenDataset data = BrodenDataset::open(dir, ro);
  REQUIRE(data.size() == images);
  REQUIRE(data.categories().size() == std::size_t(kWorldCategoryCount));
  for (int c = 0; c < kWorldCategoryCount; ++c) {
    const auto& cat = data.categories()[std::size_t(c)];
    CHECK(cat.name == category_name(WorldCategory(c)));
    auto numbers = taxonomy.numbers(WorldCategory(c));
    CHECK(cat.labels.size() == numbers.size());
  }
  REQUIRE(data.labels().size() == taxonomy.labels().size());
  for (std::size_t n = 1; n < taxonomy.labels().size(); ++n) {
    CHECK(data.labels()[n].name == taxonomy.labels()[n].name);
    CHECK(data.labels()[n].categories.size() == taxonomy.labels()[n].categories.size());
  }

  std::size_t seen = 0, val = 0;
  bool all_match = true;
  auto report = data.stream(0, data.size(), [&](BrodenSample&& s) {
    const std::size_t i = s.row;
    const Scene scene = world.generate(i);
    CHECK(s.ih == size);
    CHECK(s.sw == world.label_width());
    val += s.split == "val";
    CHECK(s.split == (is_val_image(wo.seed, i, eo.val_fraction) ? "val" : "train"));
    REQUIRE(s.pixels.width == size);
    // JPEG is lossy: compare the mean absolute error only.
    double error = 0;
    for (std::size_t k = 0; k < s.pixels.pixels.size(); ++k) {
      error += std::abs(int(s.pixels.pixels[k]) - int(scene.image.pixels[k]));
    }
    CHECK(error / double(s.pixels.pixels.size()) < 8.0);
    for (int c = 0; c < kWorldCategoryCount; ++c) {
      const auto& got = s.labels[std::size_t(c)];
      if (!is_pixel_category(WorldCategory(c))) {
        all_match &= got.image_labels == std::vector<std::int32_t>{scene.scene_label()};
        all_match &= got.planes.empty();
        continue;
      }
      // The generator's non-empty planes, in order, are exactly what the reader returns.
      std::vector<std::vector<std::int32_t>> expected;
      for (const auto& plane : scene.planes[std::size_t(c)]) {
        bool any = false;
        for (auto v : plane) any |= v != 0;
        if (any) expected.emplace_back(plane.begin(), plane.end());
      }
      all_match &= got.planes == expected;
      all_match &= got.image_labels.empty();
    }
    ++seen;
  });
  CHECK(all_match);
  CHECK(report.read == images);
  CHECK(report.skipped == 0);
  CHECK(seen == images);
  CHECK(val > 0);
}

}  // namespace

TEST_SUITE("sceneworld") {
  TEST_CASE("an exported world reads back with exactly the generated labels") {
    round_trip("world_roundtrip_full", 64, 1, 300);
  }

  TEST_CASE("an exported world with half-resolution labels reads back exactly") {
    round_trip("world_roundtrip_half", 64, 2, 60);
  }
}
