// Unit numbers in every file: written from 1 (index 0 is unit 1) with "unit_numbering": 1 in the
// JSON, read back as 0-based indices; files of earlier versions (0-based, no key) read as before.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/data/error.h"
#include "analysis/data/file_write.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/dissect/dissection_file.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/intervene/gan_intervention_report.h"
#include "analysis/intervene/intervention_report.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::read_text;
using unitscope::test::scratch_dir;
using nlohmann::json;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Column `col` (0-based) of every data row of a CSV, as integers.
std::vector<int> column(const std::filesystem::path& csv, std::size_t col) {
  std::istringstream in(read_text(csv));
  std::string line;
  std::getline(in, line);
  std::vector<int> out;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string field;
    for (std::size_t c = 0; c <= col; ++c) std::getline(fields, field, ',');
    out.push_back(std::stoi(field));
  }
  return out;
}

// A 3-unit layer over labels sky, grass, tree: unit index u detects label u + 1.
struct SmallDissection {
  DissectionResult result;
  LayerResult layer;
  SmallDissection() {
    result.categories = {"object"};
    result.label_names = {"", "sky", "grass", "tree"};
    result.label_category = {-1, 0, 0, 0};
    layer.layer = "conv";
    layer.shape = {3, 4, 4};
    layer.tally = IouTally(3, 4, 1, 0);
    for (int u = 0; u < 3; ++u) {
      UnitResult unit;
      unit.unit = unit.score.unit = u;
      unit.score.iou = {0, 0, 0, 0};
      unit.score.iou[std::size_t(u + 1)] = 0.1 * (u + 1);
      unit.score.label = u + 1;
      unit.score.category = 0;
      unit.score.score = 0.1 * (u + 1);
      unit.score.best = {CategoryBest{u + 1, unit.score.score, 0, 0, 0}};
      layer.units.push_back(unit);
    }
  }
};

// dissection.json as versions before "unit_numbering" wrote it: units from 0, no key.
const char* kOldDissection = R"({"layer": "conv", "shape": [3, 4, 4],
  "labels": ["", "sky", "grass", "tree"], "categories": ["object"], "units": [
  {"unit": 0, "threshold": 0.5, "label": "sky", "iou": 0.1, "iou_by_label": [0, 0.1, 0, 0]},
  {"unit": 1, "threshold": 0.6, "label": "grass", "iou": 0.2, "iou_by_label": [0, 0, 0.2, 0]},
  {"unit": 2, "threshold": 0.7, "label": "tree", "iou": 0.3, "iou_by_label": [0, 0, 0, 0.3]}]})";

ImportanceResult small_importance() {
  ImportanceResult r;
  r.model = "m";
  r.layer = "conv";
  r.units = 3;
  r.curve_k = 1;
  ClassImportance c;
  c.name = "a";
  c.ranking = {2, 0, 1};
  c.drop = {0.1, 0.0, 0.3};
  c.margin_drop = {0, 0, 0};
  c.removed = c.kept = c.random = {0.9, 0.5};
  r.classes = {c};
  r.mean_removed = r.mean_kept = r.mean_random = c.removed;
  r.top_n_count = {1, 0, 1};
  r.unit_iou = {0.1, 0.2, 0.3};
  r.unit_label = {"sky", "grass", "tree"};
  return r;
}

}  // namespace

TEST_SUITE("files") {

TEST_CASE("dissection.json numbers units from 1, says so, and reads back as 0-based indices") {
  const auto dir = scratch_dir("unit_numbering_dissection");
  const SmallDissection s;
  const json doc = json::parse(dissection_json(s.result, s.layer));
  CHECK(doc.at(kUnitNumberingKey) == 1);
  REQUIRE(doc.at("units").size() == 3);
  CHECK(doc["units"][0]["unit"] == 1);  // index 0
  CHECK(doc["units"][0]["label"] == "sky");
  CHECK(doc["units"][2]["unit"] == 3);
  // tally.csv (best first) and dissection.json agree: the tree unit is unit 3 in both.
  CHECK(tally_csv(s.result, s.layer).find("\n3,object,tree,") != std::string::npos);

  std::filesystem::create_directories(dir / "conv");
  write_file_atomic(dir / "conv" / "dissection.json", dissection_json(s.result, s.layer));
  const LayerDissection d = read_layer_dissection(dir, "conv");
  REQUIRE(d.units.size() == 3);
  CHECK(d.units[0].unit == 0);
  CHECK(d.units[0].label == "sky");
  CHECK(d.units[2].unit == 2);
  CHECK(d.top_units("tree", 1) == std::vector<int>{2});
  const DissectionUnits units = read_dissection_units(dir, "conv", 3);
  CHECK(units.label == std::vector<std::string>{"sky", "grass", "tree"});
}

TEST_CASE("a dissection.json of an earlier version (no unit_numbering) still reads as 0-based") {
  const auto dir = scratch_dir("unit_numbering_old_dissection");
  std::filesystem::create_directories(dir / "conv");
  std::ofstream(dir / "conv" / "dissection.json") << kOldDissection;
  const LayerDissection d = read_layer_dissection(dir, "conv");
  REQUIRE(d.units.size() == 3);
  CHECK(d.units[0].unit == 0);
  CHECK(d.units[0].label == "sky");
  CHECK(d.units[2].label == "tree");
  CHECK(d.top_units("grass", 1) == std::vector<int>{1});
  const DissectionUnits units = read_dissection_units(dir, "conv", 3);
  CHECK(units.iou[2] == doctest::Approx(0.3));
}

TEST_CASE("a dissection.json whose unit numbers disagree with its unit_numbering is named") {
  const auto dir = scratch_dir("unit_numbering_bad_dissection");
  const auto file = dir / "dissection.json";
  json doc = json::parse(kOldDissection);
  doc[kUnitNumberingKey] = 1;  // but the units say 0, 1, 2
  std::ofstream(file) << doc.dump();
  std::string e = error_of([&] { read_layer_dissection(file); });
  CHECK(e.find(file.string()) != std::string::npos);
  CHECK(e.find("unit 0 where unit 1 was expected") != std::string::npos);
  doc[kUnitNumberingKey] = 2;
  std::ofstream(file) << doc.dump();
  e = error_of([&] { read_layer_dissection(file); });
  CHECK(e.find("\"unit_numbering\" must be 0 or 1") != std::string::npos);
  CHECK(e.find(", not 2") != std::string::npos);
}

TEST_CASE("tally.csv's unit out of range is named by the file's own number and line") {
  const auto dir = scratch_dir("unit_numbering_tally");
  std::filesystem::create_directories(dir / "conv");
  std::ofstream(dir / "conv" / "tally.csv") << "unit,category,label,score\n3,object,tree,0.3\n"
                                            << "1,object,sky,0.1\n4,object,sky,0.1\n";
  const std::string e = error_of([&] { read_dissection_units(dir, "conv", 3); });
  CHECK(e.find("tally.csv line 4: unit 4 is out of range") != std::string::npos);
  CHECK(e.find("numbered 1 to 3") != std::string::npos);
  std::ofstream(dir / "conv" / "tally.csv") << "unit,category,label,score\n0,object,tree,0.3\n";
  CHECK(error_of([&] { read_dissection_units(dir, "conv", 3); }).find("unit 0 is out of range") !=
        std::string::npos);
}

TEST_CASE("ablate's files number units from 1 and read_importance gives 0-based rankings back") {
  const auto dir = scratch_dir("unit_numbering_importance");
  const ImportanceResult r = small_importance();
  write_importance(dir, r);
  const json doc = json::parse(read_text(dir / "ablation.json"));
  CHECK(doc.at(kUnitNumberingKey) == 1);
  CHECK(doc["classes"][0]["ranking"] == json::array({3, 1, 2}));
  CHECK(column(dir / "importance.csv", 2) == std::vector<int>{3, 1, 2});
  CHECK(column(dir / "units.csv", 0) == std::vector<int>{1, 2, 3});
  const std::string page = read_text(dir / "report.html");
  CHECK(page.find("top units: 3 (tree) 1 (sky) 2 (grass)") != std::string::npos);

  const ImportanceSummary s = read_importance(dir);
  CHECK(s.units == 3);
  REQUIRE(s.rankings.size() == 1);
  CHECK(s.rankings[0] == std::vector<int>{2, 0, 1});
}

TEST_CASE("an ablation.json of an earlier version reads as 0-based, and bad units are named") {
  const auto dir = scratch_dir("unit_numbering_old_importance");
  json doc = {{"model", "m"}, {"layer", "conv"}, {"units", 3},
              {"classes", {{{"name", "a"}, {"ranking", {2, 0, 1}}}}}};
  std::ofstream(dir / "ablation.json") << doc.dump();
  CHECK(read_importance(dir).rankings[0] == std::vector<int>{2, 0, 1});
  // Unit 3 of 3 is an earlier version's index out of range.
  doc["classes"][0]["ranking"] = {3, 0, 1};
  std::ofstream(dir / "ablation.json") << doc.dump();
  std::string e = error_of([&] { read_importance(dir); });
  CHECK(e.find("ablation.json, class \"a\": unit 3 is out of range; layer conv has 3 units, "
               "numbered 0 to 2") != std::string::npos);
  // And 0 in a file numbered from 1.
  doc[kUnitNumberingKey] = 1;
  doc["classes"][0]["ranking"] = {3, 0, 1};
  std::ofstream(dir / "ablation.json") << doc.dump();
  e = error_of([&] { read_importance(dir); });
  CHECK(e.find("unit 0 is out of range; layer conv has 3 units, numbered 1 to 3") !=
        std::string::npos);
}

TEST_CASE("attack_units.csv and intervention.json number units from 1") {
  const auto dir = scratch_dir("unit_numbering_attack");
  AttackResult a;
  a.model = "m";
  a.layer = "conv";
  a.unit_clean_peak = a.unit_adversarial_peak = a.unit_change = {0.1, 0.2};
  a.unit_important = {1, 0};
  write_attack(dir / "attack", a);
  CHECK(column(dir / "attack" / "attack_units.csv", 0) == std::vector<int>{1, 2});
  CHECK(json::parse(read_text(dir / "attack" / "attack.json")).at(kUnitNumberingKey) == 1);

  GanAblationResult ablation;
  ablation.effect.ranked_units = {5, 0, 2};
  const json ablated = json::parse(gan_ablation_json(ablation));
  CHECK(ablated.at(kUnitNumberingKey) == 1);
  CHECK(ablated.at("ranked_units") == json::array({6, 1, 3}));
  GanInsertionResult insertion;
  insertion.effect.units = {0, 7};
  const json inserted = json::parse(gan_insertion_json(insertion));
  CHECK(inserted.at(kUnitNumberingKey) == 1);
  CHECK(inserted.at("units") == json::array({1, 8}));
}

}  // TEST_SUITE
