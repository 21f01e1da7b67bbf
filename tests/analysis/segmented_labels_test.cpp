// Concepts from a segmenter: the sidecar's vocabulary, the Segmenter's labels, and a folder labelled
// into a Broden-layout dataset that resumes to the same bytes.
#include <ATen/ATen.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/error.h"
#include "analysis/dissect/segmented_labels.h"
#include "analysis/model/segmenter.h"
#include "analysis/world/broden_writer.h"
#include "analysis/world/demo_eval.h"
#include "analysis/world/world_batches.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using nlohmann::json;
using unitscope::test::read_text;
using unitscope::test::scratch_dir;

namespace {

namespace fs = std::filesystem;

std::string demo_segmenter() {
  return (fs::path(UNITSCOPE_SOURCE_DIR) / "assets" / "models" / "segmenter.pt").string();
}

std::string refusal(const json& j) {
  try {
    vocabulary_from_json(j, "S.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Every file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_text(e.path());
  }
  return files;
}

// A plain folder of SceneWorld images: no index, no labels.
fs::path plain_folder(const std::string& name, std::size_t images) {
  const fs::path dir = scratch_dir(name);
  SceneWorldOptions wo;
  wo.seed = 5;
  wo.width = wo.height = 64;
  BrodenExportOptions eo;
  eo.images = images;
  eo.threads = 2;
  REQUIRE(export_broden(SceneWorld(wo), dir / "broden", eo).complete);
  fs::create_directories(dir / "plain");
  for (const auto& e : fs::directory_iterator(dir / "broden" / "images" / "sceneworld")) {
    if (e.path().extension() == ".jpg") fs::copy_file(e.path(), dir / "plain" / e.path().filename());
  }
  return dir / "plain";
}

}  // namespace

TEST_CASE("a segmenter's sidecar names each head's channels, category, floor and size") {
  const json good = {{"categories", {"color", "shape"}},
                     {"heads",
                      {{{"name", "hue"}, {"category", "color"}, {"channels", {"-", "ruby", "jade", "jade"}},
                        {"min_confidence", 0.4}, {"size", 32}},
                       {{"category", "shape"}, {"channels", {"-", "ridge", "level"}}}}}};
  const SegmenterVocabulary v = vocabulary_from_json(good, "S.json");
  REQUIRE(v.heads.size() == 2);
  CHECK(v.heads[1].name == "shape");
  CHECK(v.heads[1].first_channel == 4);
  CHECK(v.channel_count() == 7);
  // A repeated name is one concept (a group of channels); "-" is none.
  const auto concepts = v.concepts();
  REQUIRE(concepts.size() == 5);
  CHECK(concepts[2].name == "jade");
  CHECK(concepts[3].name == "ridge");
  CHECK(concepts[3].category == "shape");
  CHECK(v.channel_numbers()[0] == std::vector<int>{0, 1, 2, 2});
  CHECK(vocabulary_from_json(vocabulary_to_json(v), "again") == v);

  json unknown = good;
  unknown["heads"][1]["category"] = "scent";
  CHECK(refusal(unknown).find("heads[1] (scent): unknown category \"scent\"; the categories are color, shape") !=
        std::string::npos);
  json overlap = good;
  overlap["heads"][1]["first_channel"] = 2;
  CHECK(refusal(overlap).find("heads hue and shape read the same channels") != std::string::npos);
  json comma = good;
  comma["heads"][0]["channels"][1] = "red,ish";
  CHECK(refusal(comma).find("channel 1 names \"red,ish\"") != std::string::npos);
  json floor = good;
  floor["heads"][0]["min_confidence"] = 1.5;
  CHECK(refusal(floor).find("min_confidence must be within 0..1") != std::string::npos);
  json none = good;
  none["heads"][0]["channels"] = {"-", "-"};
  CHECK(refusal(none).find("names no concept") != std::string::npos);
  CHECK(refusal(json{{"heads", json::array()}}).find("needs \"heads\"") != std::string::npos);
}

TEST_CASE("the demo segmenter is one segmenter among others: its sidecar names SceneWorld's objects") {
  Segmenter s({demo_segmenter(), {}, 1});
  CHECK(s.vocabulary() == demo_segmenter_vocabulary());
  CHECK(s.concepts().size() == segmenter_class_names().size());
  CHECK(s.concept_number("tree") > 0);
  CHECK_THROWS_WITH_AS(s.concept_number("door"), doctest::Contains("knows no concept \"door\"; it knows sky"), Error);
  // Labels at any size: the logits are resized to it.
  SceneWorldOptions wo;
  wo.seed = 3;
  wo.width = wo.height = 64;
  const Scene scene = SceneWorld(wo).generate(0);
  const std::vector<Image> images{scene.image};
  const at::Tensor at_64 = s.label(images, 64, 64);
  const at::Tensor at_32 = s.label(images, 32, 32);
  CHECK(at_64.sizes() == at::IntArrayRef{1, 1, 64, 64});
  CHECK(at_32.sizes() == at::IntArrayRef{1, 1, 32, 32});
  // Most pixels are labelled, and with the objects the scene holds.
  CHECK((at_64 > 0).sum().item<std::int64_t>() > 64 * 64 / 2);
}

TEST_CASE("a sidecar that does not match the segmenter's output is refused before any work") {
  const fs::path dir = scratch_dir("segmenter_mismatch");
  fs::copy_file(demo_segmenter(), dir / "seg.pt");
  json j = json::parse(read_text(demo_segmenter() + ".json"));
  j["segmenter"]["heads"][0]["channels"].push_back("door");
  std::ofstream(dir / "seg.pt.json") << j.dump();
  const std::string expected = "gives 31 channels; its sidecar " + (dir / "seg.pt.json").string() +
                               " names 32: object (object, channels 0..31";
  CHECK_THROWS_WITH_AS(Segmenter({(dir / "seg.pt").string(), {}, 1}), doctest::Contains(expected.c_str()), Error);
  // No vocabulary at all.
  j.erase("segmenter");
  j.erase("classes");
  std::ofstream(dir / "seg.pt.json", std::ios::trunc) << j.dump();
  CHECK_THROWS_WITH_AS(Segmenter({(dir / "seg.pt").string(), {}, 1}), doctest::Contains("names none of its outputs"),
                       Error);
}

TEST_CASE("a folder labelled by a segmenter is a Broden dataset, and a stopped labelling resumes to the same bytes") {
  const fs::path images = plain_folder("segmented_labels", 40);
  const fs::path root = images.parent_path();
  DissectProgress progress;
  LabelImagesOptions o;
  o.images = images;
  o.segmenter = {demo_segmenter(), {}, 1};
  o.threads = 1;
  o.out = root / "whole";
  const auto whole = label_images(o, progress);
  CHECK(whole.images == 40);
  CHECK_FALSE(whole.reused);

  o.out = root / "parts";
  o.stop_after_chunks = 1;
  CHECK_THROWS_AS(label_images(o, progress), DissectCancelled);
  CHECK(fs::exists(o.out / ".chunks" / "000000.json"));
  CHECK_FALSE(fs::exists(o.out / "index.csv"));
  o.stop_after_chunks = 0;
  const auto resumed = label_images(o, progress);
  CHECK(resumed.resumed_from == kLabelChunk);
  CHECK(tree(root / "whole") == tree(root / "parts"));
  CHECK(label_images(o, progress).reused);

  // The images are the originals' bytes; the labels read back as the segmenter's concepts.
  CHECK(read_text(root / "parts" / "images" / "images" / "000003.jpg") == read_text(images / "000003.jpg"));
  BrodenDataset data = BrodenDataset::open(root / "parts");
  REQUIRE(data.size() == 40);
  REQUIRE(data.categories().size() == 1);
  CHECK(data.categories()[0].name == "object");
  CHECK(data.labels().at(std::size_t(Segmenter(o.segmenter).concept_number("sky"))).name == "sky");
  const auto sample = data.read(0);
  REQUIRE(sample.has_value());
  CHECK(sample->iw == 64);
  CHECK(sample->sw == 64);

  // Labels of other images in the same place are refused, not mixed.
  const fs::path other = plain_folder("segmented_labels_other", 20);
  o.images = other;
  CHECK_THROWS_WITH_AS(label_images(o, progress), doctest::Contains("holds labels of other images"), Error);
}
