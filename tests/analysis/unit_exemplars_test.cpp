// The unit inspector's exemplars on the demo models: each top image of a classifier's dissection,
// or each latent sample of a GAN dissection, composited with the unit's own map at its threshold.
#include "analysis/dissect/unit_exemplars.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <span>
#include <stop_token>
#include <vector>

#include "analysis/world/broden_writer.h"
#include "analysis/data/error.h"
#include "analysis/model/live_session.h"
#include "analysis/world/scene_world.h"
#include "analysis/dissect/exemplar_mask.h"
#include "test_paths.h"

using namespace unitscope;
using namespace unitscope::analysis;

namespace {

analysis::LiveOptions demo(const char* file, const char* layer) {
  analysis::LiveOptions o;
  o.model.source = (test::source_dir() / "assets" / "models" / file).string();
  o.layer = layer;
  return o;
}

std::vector<float> unit_map(const analysis::LiveFrame& frame, int unit) {
  const std::size_t plane = std::size_t(frame.height) * std::size_t(frame.width);
  const auto first = frame.activations.begin() + std::ptrdiff_t(std::size_t(unit) * plane);
  return {first, first + std::ptrdiff_t(plane)};
}

struct Collected {
  std::vector<std::size_t> indices;
  std::vector<analysis::Image> images;
  std::vector<std::string> skipped;
};

Collected run(analysis::LiveSession& session, const ExemplarRequest& request, std::stop_token stop = {}) {
  Collected c;
  composite_unit_exemplars(
      session, request, stop,
      [&](std::size_t i, analysis::Image image) {
        c.indices.push_back(i);
        c.images.push_back(std::move(image));
      },
      [&](std::size_t, const std::string& why) { c.skipped.push_back(why); });
  return c;
}

}  // namespace

TEST_SUITE("live") {

TEST_CASE("classifier exemplars: each top image masked by the unit's own map at its threshold") {
  const auto dir = test::scratch_dir("unit_exemplars_classifier");
  analysis::SceneWorldOptions world;
  world.seed = 3;
  world.width = world.height = 64;
  analysis::BrodenExportOptions options;
  options.images = 3;
  REQUIRE(analysis::export_broden(analysis::SceneWorld(world), dir, options).complete);
  analysis::LiveSession session(demo("classifier.pt", "features.27"));

  ExemplarRequest request;
  request.dataset = dir;
  request.unit = 5;
  for (std::size_t row : {2u, 0u, 7u, 1u}) {  // row 7 has no image: it is skipped, the rest still come
    analysis::UnitTopImage t;
    char name[32];
    std::snprintf(name, sizeof(name), "sceneworld/%06zu.jpg", row);
    t.image = name;
    t.path = dir / "images" / name;
    t.row = row;
    request.top.push_back(t);
  }
  // A threshold inside the unit's range on the first exemplar, so the mask is neither empty nor full.
  const analysis::Image first = analysis::read_image(request.top[0].path, 3);
  std::vector<float> values = unit_map(session.run_images({first}).at(0), request.unit);
  std::sort(values.begin(), values.end());
  REQUIRE(values.back() > values.front());
  request.threshold = 0.5 * (double(values.front()) + double(values.back()));

  const Collected c = run(session, request);
  CHECK(c.indices == std::vector<std::size_t>{0, 1, 3});
  REQUIRE(c.skipped.size() == 1);
  CHECK(c.skipped[0].find("sceneworld/000007.jpg") != std::string::npos);
  for (std::size_t k = 0; k < c.indices.size(); ++k) {
    const analysis::Image image = analysis::read_image(request.top[c.indices[k]].path, 3);
    const analysis::LiveFrame frame = session.run_images({image}).at(0);
    const analysis::Image expected =
        composite_exemplar(image, unit_map(frame, request.unit), frame.height, frame.width, request.threshold);
    REQUIRE(c.images[k].width == image.width);
    REQUIRE(c.images[k].height == image.height);
    CHECK(c.images[k].pixels == expected.pixels);
  }
  // The first exemplar is partly masked: some pixels keep their colour, others are dimmed.
  std::size_t kept = 0;
  for (std::size_t p = 0; p < first.pixels.size(); ++p) kept += c.images[0].pixels[p] == first.pixels[p];
  CHECK(kept > 0);
  CHECK(kept < first.pixels.size());

  std::stop_source stop;
  stop.request_stop();
  CHECK(run(session, request, stop.get_token()).indices.empty());
  request.unit = 100000;
  CHECK_THROWS_AS(run(session, request), analysis::Error);
}

TEST_CASE("GAN exemplars are the latent samples of gan-dissect's seed") {
  const auto dir = test::scratch_dir("unit_exemplars_gan");
  analysis::LiveSession session(demo("gan.pt", "layer3"));
  ExemplarRequest request;
  request.dataset = dir;
  request.unit = 7;
  for (std::size_t row : {4u, 0u}) {
    analysis::UnitTopImage t;
    t.row = row;  // no image file: the generated sample is used
    request.top.push_back(t);
  }
  CHECK_THROWS_AS(run(session, request), analysis::Error);  // no gan_samples.json yet

  std::ofstream(dir / "gan_samples.json") << "{\"seed\": 5, \"samples\": 10}\n";
  analysis::LiveRequest r;
  r.latent_a = analysis::LatentPoint{5, 4};
  r.latent_b = r.latent_a;
  const analysis::LiveFrame frame = session.run(r);
  std::vector<float> values = unit_map(frame, request.unit);
  std::sort(values.begin(), values.end());
  request.threshold = 0.5 * (double(values.front()) + double(values.back()));

  const Collected c = run(session, request);
  REQUIRE(c.indices == std::vector<std::size_t>{0, 1});
  CHECK(c.skipped.empty());
  const analysis::Image expected =
      composite_exemplar(frame.image, unit_map(frame, request.unit), frame.height, frame.width, request.threshold);
  CHECK(c.images[0].pixels == expected.pixels);
  CHECK(c.images[1].pixels != c.images[0].pixels);  // another latent, another image
}

}  // TEST_SUITE
