// Targeted PGD through the units: a hand-built net whose important units are known, and the pixel
// space (mean, std, channel order, epsilon box) checked on the images the attack produces.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>

#include "analysis/intervene/adversarial.h"
#include "analysis/model/builtin_models.h"
#include "analysis/data/error.h"
#include "analysis/intervene/intervention_report.h"
#include "analysis/intervene/unit_importance.h"
#include "model_fixture.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using namespace unitscope::test;

TEST_SUITE("intervention") {

TEST_CASE("a targeted attack moves the important units of label and target far more than the others") {
  const auto dir = scratch_dir("attack_color");
  write_class_folder(dir / "data", color_classes(), 20, true, 11);
  ImportanceOptions io;
  io.model.source = make_color_net(dir).string();
  io.layer = "features.1";
  io.dataset = dir / "data";
  io.curve_k = 2;
  io.random_repeats = 1;
  io.threads = 1;
  ImportanceProgress ip;
  write_importance(dir / "ablate", measure_importance(io, ip));

  AttackOptions o;
  o.model = io.model;
  o.dataset = io.dataset;
  o.importance = dir / "ablate";
  o.top_units = 2;
  o.epsilon = 16;
  o.step = 4;
  o.steps = 10;
  o.threads = 1;
  AttackProgress progress;
  const AttackResult r = run_attack(o, progress);
  REQUIRE(r.images.size() == 60);
  DOCTEST_CHECK(r.skipped == 0);
  DOCTEST_CHECK(r.layer == "features.1");
  DOCTEST_CHECK(r.succeeded >= 54);
  double most = 0;
  for (const auto& im : r.images) {
    DOCTEST_CHECK(im.target == (im.label + 1) % 3);
    DOCTEST_CHECK(im.linf <= 16.0 + 1e-3);
    most = std::max(most, im.linf);
  }
  DOCTEST_CHECK(most > 15.9);
  INFO("important " << r.important_change << " other " << r.other_change);
  // The other units see the colours at 0.3 of the detectors' weight: about a third of the change.
  DOCTEST_CHECK(r.important_change > 2.0 * r.other_change);
  DOCTEST_CHECK(r.important_relative > 2.0 * r.other_relative);
  DOCTEST_CHECK(r.label_units_signed < 0.0);
  DOCTEST_CHECK(r.target_units_signed > 0.0);
  DOCTEST_CHECK(r.toward_target > 3.0 * std::abs(r.other_units_signed));
  DOCTEST_CHECK(r.unit_important[0] == 40);  // red's units matter to red images and to blue->red

  // A tenth of the budget rarely flips a class.
  o.epsilon = 1.6;
  o.step = 0.4;
  const AttackResult weak = run_attack(o, progress);
  DOCTEST_CHECK(weak.succeeded < r.succeeded / 2);

  write_attack(dir / "attack", r);
  std::ifstream csv(dir / "attack" / "attack_images.csv");
  std::string header;
  std::getline(csv, header);
  DOCTEST_CHECK(header.rfind("image,label,target", 0) == 0);
  // The examples are inline PNGs: base64 of the PNG signature.
  DOCTEST_CHECK(read_text(dir / "attack" / "report.html").find("src=\"data:image/png;base64,iVBORw0KGgo") !=
                std::string::npos);

  o.target = "purple";
  const std::string err = error_of([&] { run_attack(o, progress); });
  DOCTEST_CHECK(err.find("red, green, blue") != std::string::npos);
  o.target = "next";
  o.importance = dir / "nothing";
  DOCTEST_CHECK(error_of([&] { run_attack(o, progress); }).find("ablation.json") != std::string::npos);
}

TEST_CASE("the attack stays in the pixel box whatever the mean and std and channel order of the model") {
  const auto dir = scratch_dir("attack_pixels");
  const std::vector<std::string> classes{"a", "b", "c"};
  write_class_folder(dir / "data", classes, 4, false, 11);
  VggConfig c;
  c.stages = {{4}};
  c.pool_size = 1;
  c.hidden = {};
  c.classes = 3;
  Sidecar sidecar;
  Preprocess pre;
  pre.mean = {100.0f, 120.0f, 140.0f};
  pre.std = {50.0f, 60.0f, 70.0f};
  pre.order = ChannelOrder::kBgr;
  sidecar.preprocess = pre;
  sidecar.classes = classes;
  save_builtin(*make_vgg(c, 4), dir / "bgr.pt", sidecar);
  std::filesystem::create_directories(dir / "ablate");
  std::ofstream(dir / "ablate" / "ablation.json")
      << R"({"model":"bgr","layer":"features.1","units":4,"classes":[{"name":"a","ranking":[0,1,2,3]},)"
      << R"({"name":"b","ranking":[1,2,3,0]},{"name":"c","ranking":[2,3,0,1]}]})";

  AttackOptions o;
  o.model.source = (dir / "bgr.pt").string();
  o.dataset = dir / "data";
  o.importance = dir / "ablate";
  o.all_images = true;
  o.target = "c";
  o.epsilon = 6;
  o.step = 2;
  o.steps = 5;
  o.examples = 100;
  o.threads = 1;
  AttackProgress progress;
  const AttackResult r = run_attack(o, progress);
  DOCTEST_CHECK(r.images.size() == 8);  // class c's own images are skipped
  DOCTEST_CHECK(r.skipped == 4);
  REQUIRE(r.examples.size() == 8);
  const ClassImages val = ClassImages::open(o.dataset, classes, "val");
  std::size_t next = 0;
  std::array<int, 3> largest{0, 0, 0};
  for (std::size_t i = 0; i < val.size(); ++i) {
    if (val.label(i) == 2) continue;
    const Image original = val.read(i);
    const AttackExample& e = r.examples[next++];
    REQUIRE(e.clean.pixels.size() == original.pixels.size());
    DOCTEST_CHECK(e.clean.pixels == original.pixels);
    for (std::size_t p = 0; p < original.pixels.size(); ++p) {
      const int d = std::abs(int(e.adversarial.pixels[p]) - int(original.pixels[p]));
      largest[p % 3] = std::max(largest[p % 3], d);
    }
  }
  // Every channel moves by up to epsilon, and no pixel of any channel by more.
  DOCTEST_CHECK(largest == std::array<int, 3>{6, 6, 6});
}

}  // TEST_SUITE
