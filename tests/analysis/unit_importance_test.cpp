// Unit importance by ablation: a hand-built net whose class detectors are known, batched ablations
// against one forward per unit, both dataset layouts, and importance against interpretability.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "analysis/world/broden_writer.h"
#include "analysis/model/builtin_models.h"
#include "analysis/dissect/dissection_file.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/data/error.h"
#include "analysis/data/file_write.h"
#include "analysis/intervene/intervention_report.h"
#include "analysis/model/model.h"
#include "analysis/world/scene_world.h"
#include "analysis/intervene/unit_importance.h"
#include "model_fixture.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using namespace unitscope::test;

namespace {

constexpr int kUnits = 32;
const std::vector<std::string>& kColors = color_classes();

ImportanceOptions color_options(const std::filesystem::path& dir) {
  ImportanceOptions o;
  o.model.source = make_color_net(dir, kUnits).string();
  o.layer = "features.1";
  o.dataset = dir / "data";
  write_class_folder(o.dataset, kColors, 30, true, 7);
  o.curve_k = 4;
  o.random_repeats = 20;
  o.threads = 1;
  o.max_rows = 300;
  return o;
}

// What `unitscope dissect` writes for a 4-unit layer over labels sky, grass, tree, house (object)
// and beach (scene); unit 3 is a beach unit whose best object is house.
std::string small_dissection_json() {
  DissectionResult result;
  result.categories = {"object", "scene"};
  result.label_names = {"", "sky", "grass", "tree", "house", "beach"};
  result.label_category = {-1, 0, 0, 0, 0, 1};
  result.dataset = "/data/world";
  LayerResult layer;
  layer.layer = "features.1";
  layer.shape = {4, 8, 8};
  layer.tally = IouTally(4, 6, 2, 0);
  const std::vector<std::vector<double>> ious{{0, 0.01, 0, 0, 0, 0},
                                              {0, 0, 0.03, 0, 0, 0},
                                              {0, 0, 0, 0.10, 0, 0},
                                              {0, 0, 0, 0, 0.20, 0.50}};
  for (int u = 0; u < 4; ++u) {
    UnitResult unit;
    unit.unit = unit.score.unit = u;
    unit.score.iou = ious[std::size_t(u)];
    const int object = u < 3 ? u + 1 : 4;
    unit.score.best = {CategoryBest{object, unit.score.iou[std::size_t(object)], 0, 0, 0},
                       CategoryBest{5, unit.score.iou[5], 0, 0, 0}};
    unit.score.label = u < 3 ? object : 5;
    unit.score.category = u < 3 ? 0 : 1;
    unit.score.score = unit.score.iou[std::size_t(unit.score.label)];
    if (u == 3) unit.top = {{7, 5, "train/house.png", 2.5f}, {2, 1, "val/beach.jpg", 1.25f}};
    layer.units.push_back(unit);
  }
  return dissection_json(result, layer);
}

}  // namespace

TEST_SUITE("intervention") {

TEST_CASE("ablation ranks the detectors of each class first and removing them hurts far more than random units") {
  const auto dir = scratch_dir("importance_color");
  ImportanceProgress progress;
  const ImportanceResult r = measure_importance(color_options(dir), progress);
  REQUIRE(r.units == kUnits);
  REQUIRE(r.classes.size() == 3);
  DOCTEST_CHECK(r.train_images == 90);
  DOCTEST_CHECK(r.val_images == 90);
  DOCTEST_CHECK(progress.phase == 3);
  for (int k = 0; k < 3; ++k) {
    const ClassImportance& c = r.classes[std::size_t(k)];
    INFO("class " << c.name);
    DOCTEST_CHECK(c.name == kColors[std::size_t(k)]);
    const std::set<int> top{c.ranking[0], c.ranking[1]};
    DOCTEST_CHECK(top == std::set<int>{k, k + 3});
    DOCTEST_CHECK(c.val_accuracy > 0.95);
    // Both detectors gone: the class is never predicted any more (balanced accuracy 0.5).
    DOCTEST_CHECK(c.removed[2] < 0.6);
    DOCTEST_CHECK(c.random[2] > 0.8);
    DOCTEST_CHECK(c.removed.size() == 5);
    // The unit the classifier ignores cannot matter.
    DOCTEST_CHECK(std::abs(c.drop[20]) < 1e-12);
  }
  DOCTEST_CHECK(r.mean_removed[2] < r.mean_random[2] - 0.25);
  DOCTEST_CHECK(r.mean_removed[0] == doctest::Approx(r.mean_random[0]));
  // With every unit removed the classifier is at chance.
  DOCTEST_CHECK(r.mean_kept[0] == doctest::Approx(0.5));
  // Every detector is in the top 2 of exactly one class.
  for (int u = 0; u < 6; ++u) DOCTEST_CHECK(r.top_n_count[std::size_t(u)] >= 1);
  // (units + 1) single ablations on train, 3 classes x 5 k x 2 + 20 x 5 random on val.
  DOCTEST_CHECK(r.ablated_samples == 90 * (kUnits + 1) + 90 * (3 * 5 * 2 + 20 * 5));
}

TEST_CASE("each class's curves are reported as soon as they are final, and the result is unchanged") {
  const auto dir = scratch_dir("importance_on_class");
  ImportanceOptions o = color_options(dir);
  o.random_repeats = 3;
  ImportanceProgress progress;
  const ImportanceResult plain = measure_importance(o, progress);
  std::vector<ClassImportance> seen;
  std::vector<std::size_t> done_at;
  o.on_class = [&](const ClassImportance& c) {
    seen.push_back(c);
    done_at.push_back(progress.done);
    DOCTEST_CHECK(progress.phase == 2);
  };
  const ImportanceResult r = measure_importance(o, progress);
  REQUIRE(seen.size() == 3);
  // Random orders first (one pass over the 90 val images), then one pass per class.
  DOCTEST_CHECK(done_at == std::vector<std::size_t>{180, 270, 360});
  DOCTEST_CHECK(progress.total == 360);
  for (std::size_t c = 0; c < 3; ++c) {
    INFO("class " << c);
    DOCTEST_CHECK(seen[c].name == kColors[c]);
    DOCTEST_CHECK(seen[c].removed.size() == 5);
    DOCTEST_CHECK(seen[c].kept.size() == 5);
    DOCTEST_CHECK(seen[c].random.size() == 5);
    DOCTEST_CHECK(seen[c].removed == r.classes[c].removed);
    DOCTEST_CHECK(seen[c].kept == r.classes[c].kept);
    DOCTEST_CHECK(seen[c].random == r.classes[c].random);
    DOCTEST_CHECK(seen[c].ranking == r.classes[c].ranking);
    DOCTEST_CHECK(r.classes[c].removed == plain.classes[c].removed);
    DOCTEST_CHECK(r.classes[c].kept == plain.classes[c].kept);
    DOCTEST_CHECK(r.classes[c].random == plain.classes[c].random);
  }
  DOCTEST_CHECK(r.mean_removed == plain.mean_removed);
  DOCTEST_CHECK(r.ablated_samples == plain.ablated_samples);
}

TEST_CASE("batched single-unit ablations equal one forward per ablated unit") {
  const auto dir = scratch_dir("importance_manual");
  ImportanceOptions o = color_options(dir);
  o.curve_k = 1;
  o.random_repeats = 1;
  ImportanceProgress progress;
  const ImportanceResult r = measure_importance(o, progress);
  auto model = open_model(o.model);
  const ClassImages train = ClassImages::open(o.dataset, kColors, "train");
  std::vector<Image> images;
  std::vector<int> labels;
  for (std::size_t i = 0; i < train.size(); ++i) {
    images.push_back(train.read(i));
    labels.push_back(train.label(i));
  }
  const at::Tensor x = model->prepare(images);
  for (int unit : {-1, 0, 3, 4, 9}) {
    ForwardRequest request;
    if (unit >= 0) {
      request.edits = {to_layer_edit(UnitEdit{"features.1", {unit}, EditOp::kMultiply, 0.0f, {}, 0, 0},
                                     std::vector<std::int64_t>{kUnits, 16, 16})};
    }
    const at::Tensor out = model->forward(x, request).output;
    const at::Tensor pred = out.argmax(1);
    const at::Tensor lsm = at::log_softmax(out, 1);
    for (int c = 0; c < 3; ++c) {
      double tp = 0, pos = 0, fp = 0, neg = 0, lp = 0;
      for (std::size_t i = 0; i < labels.size(); ++i) {
        const bool is_c = labels[i] == c;
        const bool said_c = pred[std::int64_t(i)].item<std::int64_t>() == c;
        (is_c ? pos : neg) += 1;
        if (is_c && said_c) tp += 1;
        if (!is_c && said_c) fp += 1;
        if (is_c) lp += lsm[std::int64_t(i)][c].item<double>();
      }
      const double ba = 0.5 * (tp / pos + 1.0 - fp / neg);
      const ClassImportance& ci = r.classes[std::size_t(c)];
      INFO("unit " << unit << " class " << c);
      if (unit < 0) {
        DOCTEST_CHECK(ci.train_accuracy == doctest::Approx(ba).epsilon(1e-12));
      } else {
        DOCTEST_CHECK(ci.drop[std::size_t(unit)] == doctest::Approx(ci.train_accuracy - ba).epsilon(1e-12));
      }
      if (unit == 0 && c == 0) {
        // Zeroing unit 0 must lower the red class's log-probability on red images.
        DOCTEST_CHECK(ci.margin_drop[0] > 0.05);
        DOCTEST_CHECK(lp / pos < 0.0);
      }
    }
  }
}

TEST_CASE("class labels come from a Broden scene column and mismatched names are named") {
  const auto dir = scratch_dir("importance_broden");
  SceneWorldOptions world;
  world.seed = 3;
  world.width = world.height = 32;
  BrodenExportOptions ex;
  ex.images = 24;
  ex.val_fraction = 0.4;
  const BrodenExportReport report = export_broden(SceneWorld(world), dir / "world", ex);
  std::vector<std::string> scenes;
  for (auto n : WorldTaxonomy::get().names(WorldCategory::kScene)) scenes.emplace_back(n);
  VggConfig c;
  c.stages = {{6}};
  c.pool_size = 1;
  c.hidden = {};
  c.classes = int(scenes.size());
  Sidecar sidecar;
  sidecar.classes = scenes;
  save_builtin(*make_vgg(c, 2), dir / "scene.pt", sidecar);

  ImportanceOptions o;
  o.model.source = (dir / "scene.pt").string();
  o.layer = "features.1";
  o.dataset = dir / "world";
  o.curve_k = 3;
  o.random_repeats = 2;
  o.threads = 1;
  ImportanceProgress progress;
  const ImportanceResult r = measure_importance(o, progress);
  DOCTEST_CHECK(r.train_images == report.train);
  DOCTEST_CHECK(r.val_images == report.val);
  REQUIRE(r.classes.size() == scenes.size());
  std::size_t labelled = 0;
  for (const auto& ci : r.classes) labelled += ci.train_images;
  DOCTEST_CHECK(labelled == report.train);
  const ClassImages val = ClassImages::open(dir / "world", scenes, "val");
  const SceneWorld w(world);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < val.size(); ++i) {
    // index.csv rows are the world's images in order; the file name is the world index.
    const std::string& name = val.name(i);
    const auto slash = name.rfind('/');
    const auto index = std::stoull(name.substr(slash + 1, 6));
    matches += scenes[std::size_t(val.label(i))] == scenes[std::size_t(w.scene_class_of(index))];
  }
  DOCTEST_CHECK(matches == val.size());

  Sidecar wrong = sidecar;
  wrong.classes[3] = "castle";
  save_builtin(*make_vgg(c, 2), dir / "wrong.pt", wrong);
  o.model.source = (dir / "wrong.pt").string();
  const std::string err = error_of([&] { measure_importance(o, progress); });
  DOCTEST_CHECK(err.find("index.csv row") != std::string::npos);
  DOCTEST_CHECK(err.find("is not one of the model's classes") != std::string::npos);
  DOCTEST_CHECK(err.find(scenes[3]) != std::string::npos);

  const auto folder = dir / "folder";
  std::filesystem::create_directories(folder / "purple");
  const std::string folder_err = error_of([&] { ClassImages::open(folder, kColors, ""); });
  DOCTEST_CHECK(folder_err.find((folder / "purple").string()) != std::string::npos);
  o.model.source = (dir / "scene.pt").string();
  o.layer = "features.9";
  DOCTEST_CHECK(error_of([&] { measure_importance(o, progress); }).find("unknown layer") != std::string::npos);
}

TEST_CASE("importance against interpretability reads a dissection and the files round-trip") {
  const auto dir = scratch_dir("importance_report");
  ImportanceResult r;
  r.model = "m";
  r.layer = "features.1";
  r.units = 4;
  r.curve_k = 1;
  r.many = 2;
  r.top_n_count = {0, 1, 2, 3};
  ClassImportance c;
  c.name = "a,b";  // needs CSV quoting
  c.ranking = {3, 2, 1, 0};
  c.drop = {0.0, 0.1, 0.2, 0.3};
  c.margin_drop = {0.0, 0.0, 0.0, 0.0};
  c.removed = {0.9, 0.6};
  c.kept = {0.5, 0.7};
  c.random = {0.9, 0.85};
  r.classes = {c};
  r.mean_removed = c.removed;
  r.mean_kept = c.kept;
  r.mean_random = c.random;

  const auto dissection = dir / "dissect";
  std::filesystem::create_directories(dissection / "features.1");
  write_file_atomic(dissection / "features.1" / "dissection.json", small_dissection_json());
  const LayerDissection d = read_layer_dissection(dissection, "features.1");
  DOCTEST_CHECK(d.categories == std::vector<std::string>{"object", "scene"});
  DOCTEST_CHECK(d.label_category == std::vector<int>{-1, 0, 0, 0, 0, 1});
  REQUIRE(d.units.size() == 4);
  REQUIRE(d.units[3].best.size() == 2);
  DOCTEST_CHECK(d.units[3].best[0].label == "house");
  DOCTEST_CHECK(d.units[3].best[0].label_number == 4);
  DOCTEST_CHECK(d.units[3].best[1].iou == doctest::Approx(0.5));
  // Top images, best first, resolved under the dataset's images/.
  DOCTEST_CHECK(d.dataset == "/data/world");
  DOCTEST_CHECK(d.units[0].top.empty());
  REQUIRE(d.units[3].top.size() == 2);
  DOCTEST_CHECK(d.units[3].top[0].image == "train/house.png");
  DOCTEST_CHECK(d.units[3].top[0].path == "/data/world/images/train/house.png");
  DOCTEST_CHECK(d.units[3].top[0].row == 5);
  DOCTEST_CHECK(d.units[3].top[0].position == 7);
  DOCTEST_CHECK(d.units[3].top[0].value == doctest::Approx(2.5));
  DOCTEST_CHECK(d.units[3].top[1].path == "/data/world/images/val/beach.jpg");
  DOCTEST_CHECK(d.units[3].top[1].value == doctest::Approx(1.25));
  summarize_interpretability(r, dissection);
  DOCTEST_CHECK(r.unit_iou[3] == doctest::Approx(0.5));
  // Leaving out the category the classes come from: unit 3's best other concept.
  summarize_interpretability(r, dissection, "scene");
  REQUIRE(r.few_many.size() == 2);
  DOCTEST_CHECK(r.few_many[0].units == 2);
  DOCTEST_CHECK(r.few_many[0].mean_iou == doctest::Approx(0.02));
  DOCTEST_CHECK(r.few_many[1].mean_iou == doctest::Approx(0.15));
  DOCTEST_CHECK(r.by_count.size() == 4);
  DOCTEST_CHECK(r.unit_label[3] == "house");

  // tally.csv when there is no dissection.json: units counted from 1.
  std::filesystem::remove(dissection / "features.1" / "dissection.json");
  std::ofstream(dissection / "features.1" / "tally.csv")
      << "unit,category,label,score,object-label,object-iou,scene-label,scene-iou\n"
      << "4,object,house,0.4,house,0.4,beach,0.1\n1,object,sky,0.02,sky,0.02,,0\n2,,,0.0,,0,,0\n"
      << "3,scene,lake,0.3,tree,0.1,lake,0.3\n";
  summarize_interpretability(r, dissection);
  DOCTEST_CHECK(r.unit_iou[3] == doctest::Approx(0.4));
  DOCTEST_CHECK(r.unit_label[2] == "lake");
  summarize_interpretability(r, dissection, "scene");
  DOCTEST_CHECK(r.unit_iou[2] == doctest::Approx(0.1));
  DOCTEST_CHECK(r.unit_label[2] == "tree");
  DOCTEST_CHECK(r.iou_excluded == "scene");
  DOCTEST_CHECK(r.few_many[0].mean_iou == doctest::Approx(0.01));
  r.units = 3;  // tally.csv's unit 4 (its first row) is then out of range, named as the file has it
  DOCTEST_CHECK(error_of([&] { summarize_interpretability(r, dissection); })
                    .find("tally.csv line 2: unit 4 is out of range; layer features.1 of this model has 3 units") !=
                std::string::npos);
  r.units = 4;
  DOCTEST_CHECK(error_of([&] { summarize_interpretability(r, dir / "none"); }).find("has no layer features.1") !=
                std::string::npos);

  write_importance(dir / "out", r);
  const ImportanceSummary s = read_importance(dir / "out");
  DOCTEST_CHECK(s.layer == "features.1");
  DOCTEST_CHECK(s.units == 4);
  DOCTEST_CHECK(s.classes == std::vector<std::string>{"a,b"});
  DOCTEST_CHECK(s.rankings[0] == std::vector<int>{3, 2, 1, 0});  // 0-based again (the file says 4 3 2 1)
  const std::string all = read_text(dir / "out" / "curves.csv");
  DOCTEST_CHECK(all.find("\"a,b\",1,0.6,0.7,0.85") != std::string::npos);
  DOCTEST_CHECK(all.find("mean,0,0.9,0.5,0.9") != std::string::npos);
  const std::string page = read_text(dir / "out" / "report.html");
  DOCTEST_CHECK(page.find("<svg") != std::string::npos);
  DOCTEST_CHECK(error_of([&] { read_importance(dir); }).find("ablation.json") != std::string::npos);
}

}  // TEST_SUITE
