// The committed demo models (assets/models): they load through the model interface, the
// classifier's last conv layer holds object detectors, and the GAN's units are causal: switching
// a concept's units off removes it, switching them on inside a region adds it.
#include <ATen/ATen.h>

#include <doctest/doctest.h>

#include <filesystem>

#include "analysis/dissect/dissection.h"
#include "analysis/dissect/gan_dissection.h"
#include "analysis/intervene/gan_intervention.h"
#include "analysis/model/model.h"
#include "analysis/world/world_batches.h"
#include "analysis/world/broden_writer.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::scratch_dir;

namespace {

std::string asset(const char* file) {
  return (std::filesystem::path(UNITSCOPE_SOURCE_DIR) / "assets" / "models" / file).string();
}

// A GAN dissection per test case: CTest may run the cases as parallel processes, which must not
// write one directory at once.
std::filesystem::path gan_dissection(const std::string& name) {
  const auto d = scratch_dir("demo_gan_dissection_" + name);
  GanDissectOptions o;
  o.dissect.model = {asset("gan.pt"), {}, 1};
  o.dissect.layers = {"layer3"};
  o.dissect.out = d;
  o.dissect.write_report = false;
  o.segmenter = {asset("segmenter.pt"), {}, 1};
  o.samples = 400;
  DissectProgress progress;
  gan_dissect(o, progress);
  return d;
}

GanInterventionOptions intervention(const std::string& concept_name) {
  GanInterventionOptions o;
  o.generator = {asset("gan.pt"), {}, 1};
  o.segmenter = {asset("segmenter.pt"), {}, 1};
  o.layer = "layer3";
  o.dissection = gan_dissection(concept_name);
  o.concept_name = concept_name;
  o.samples = 64;
  o.seed = 2;
  return o;
}

}  // namespace

TEST_SUITE("demo") {
  TEST_CASE("the demo models load through the model interface with their documented layers") {
    auto classifier = open_model({asset("classifier.pt"), {}, 1});
    auto segmenter = open_model({asset("segmenter.pt"), {}, 1});
    auto gan = open_model({asset("gan.pt"), {}, 1});
    DOCTEST_CHECK(classifier->sidecar()->classes == scene_class_names());
    DOCTEST_CHECK(segmenter->sidecar()->classes == segmenter_class_names());
    bool conv5 = false, middle = false;
    for (const auto& l : classifier->layers(classifier->default_size())) {
      if (l.name == "features.27") conv5 = l.shape == std::vector<std::int64_t>{128, 8, 8};
    }
    for (const auto& l : gan->layers(gan->default_size())) {
      if (l.name == "layer3") middle = l.shape == std::vector<std::int64_t>{128, 16, 16};
    }
    DOCTEST_CHECK(conv5);
    DOCTEST_CHECK(middle);
  }

  TEST_CASE("the demo classifier's last conv layer has object detectors") {
    const auto dir = scratch_dir("demo_classifier_dissection");
    SceneWorldOptions world;
    world.seed = 7;
    BrodenExportOptions e;
    e.images = 300;
    e.threads = 2;
    export_broden(SceneWorld(world), dir / "world", e);
    DissectOptions o;
    o.model = {asset("classifier.pt"), {}, 1};
    o.layers = {"features.27"};
    o.dataset = dir / "world";
    o.out = dir / "out";
    o.write_report = false;
    DissectProgress progress;
    const auto result = dissect(o, progress);
    int objects = 0;
    for (const auto& u : result.layers.at(0).units) {
      if (!u.score.detector()) continue;
      const int category = result.label_category.at(std::size_t(u.score.label));
      if (category >= 0 && result.categories.at(std::size_t(category)) == "object") ++objects;
    }
    MESSAGE("object detectors: " << objects);
    DOCTEST_CHECK(objects >= 10);
  }

  TEST_CASE("switching off a concept's top GAN units removes it and leaves the rest") {
    GanEditor editor(intervention("bush"));
    const auto effect = editor.ablate({1, 4, 20});
    REQUIRE(effect.points.size() == 3);
    MESSAGE("bushes removed by 1, 4, 20 units: " << effect.points[0].removed << ", "
            << effect.points[1].removed << ", " << effect.points[2].removed
            << "; other objects kept: " << effect.points[2].others_kept);
    DOCTEST_CHECK(effect.concept_pixels > 1000);
    DOCTEST_CHECK(effect.points[2].removed > 0.5);
    DOCTEST_CHECK(effect.points[2].removed > effect.points[0].removed + 0.3);
    // Removed bush pixels become something else, so other objects gain rather than lose.
    DOCTEST_CHECK(effect.points[2].others_kept > 0.9);
  }

  TEST_CASE("switching a concept's GAN units on in a region adds it there and more in context") {
    GanEditor editor(intervention("house"));
    const auto effect = editor.insert(20, 4, 1.0);
    double ground = 0.0, sky = -1.0;
    std::size_t ground_trials = 0;
    for (const auto& c : effect.contexts) {
      if (c.context == "grass" || c.context == "field") {
        ground += c.added * double(c.trials);
        ground_trials += c.trials;
      }
      if (c.context == "sky") sky = c.added;
    }
    REQUIRE(ground_trials >= 5);
    REQUIRE(sky >= 0.0);
    ground /= double(ground_trials);
    MESSAGE("houses added: " << effect.mean_added << " overall, " << ground << " on grass and fields, "
            << sky << " in the sky");
    DOCTEST_CHECK(effect.mean_added > 0.05);
    DOCTEST_CHECK(ground > 1.3 * sky);
  }
}
