// Dissection with LibTorch, end to end: planted units in a tiny model on a hand-made Broden dataset
// under both conventions, partial results, merging, resuming and bad input. (The kernels and the
// per-unit statistics alone: tally_kernels_test.cpp.)
#include <ATen/ATen.h>
#include <torch/script.h>

#include <doctest/doctest.h>

#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "analysis/data/broden_dataset.h"
#include "analysis/dissect/dissection.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/data/error.h"
#include "analysis/data/image.h"
#include "analysis/stats/tally_kernels.h"
#include "broden_fixture.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::read_text;
using unitscope::test::BrodenFixture;
using unitscope::test::scratch_dir;

namespace {

constexpr int kSize = 8;      // images and segmentations are 8 x 8
constexpr int kImages = 40;   // 2560 pixels per unit

// Net: copy = the R and G input channels as units 0 and 1 (8 x 8); pool = their 2 x 2 average (4 x 4).
std::filesystem::path write_model(const std::filesystem::path& dir) {
  torch::jit::Module copy("Copy");
  copy.define("def forward(self, x):\n    return x[:, 0:2]\n");
  torch::jit::Module pool("Pool");
  pool.define("def forward(self, x):\n    return torch.avg_pool2d(x, [2, 2])\n");
  torch::jit::Module net("Net");
  net.register_module("copy", copy);
  net.register_module("pool", pool);
  net.define("def forward(self, x):\n    return self.pool.forward(self.copy.forward(x))\n");
  const auto path = dir / "planted.pt";
  net.save(path.string());
  return path;
}

// Labels: 1 dot (object, rare), 2 wall (object), 3 street (scene, image-level).
// Unit 0 (R) is 200 exactly on the dot: 3 pixels in images 0 and 1. Unit 1 (G) is 200 on the dot's
// 3 pixels in image 0, on 3 wall pixels of image 5 and on 3 unlabelled pixels of image 12.
// Background values are (x + y) % 5, at most 4. Street labels images 0..9.
std::filesystem::path write_dataset(const std::filesystem::path& dir) {
  BrodenFixture f;
  f.dir = dir;
  f.categories = {"object", "scene"};
  f.labels = {{1, "dot", {{"object", 0.01}}, ""},
              {2, "wall", {{"object", 0.3}}, ""},
              {3, "street", {{"scene", 1.0}}, ""}};
  f.header = {"image", "split", "ih", "iw", "sh", "sw", "object", "scene"};
  const int dot[3][2] = {{1, 1}, {2, 1}, {1, 2}};
  for (int i = 0; i < kImages; ++i) {
    Image image(kSize, kSize, 3);
    std::vector<std::int32_t> seg(kSize * kSize, 0);
    for (int y = 0; y < kSize; ++y) {
      for (int x = 0; x < kSize; ++x) {
        image.at(x, y)[0] = static_cast<std::uint8_t>((x + y) % 5);
        image.at(x, y)[1] = static_cast<std::uint8_t>((x + y) % 5);
      }
    }
    if (i == 0 || i == 1) {
      for (const auto& p : dot) {
        image.at(p[0], p[1])[0] = 200;
        seg[static_cast<std::size_t>(p[1] * kSize + p[0])] = 1;
        if (i == 0) image.at(p[0], p[1])[1] = 200;
      }
    }
    if (i == 5) {
      for (int x = 0; x < 5; ++x) {
        for (int y = 4; y < 8; ++y) seg[static_cast<std::size_t>(y * kSize + x)] = 2;  // 20 wall pixels
      }
      for (int x = 0; x < 3; ++x) image.at(x, 5)[1] = 200;
    }
    if (i == 12) {
      for (int x = 5; x < 8; ++x) image.at(x, 0)[1] = 200;
    }
    const std::string name = "img/" + std::to_string(i) + ".png";
    std::filesystem::create_directories(dir / "images" / "img");
    write_png(dir / "images" / name, image);
    std::string object;
    if (i == 0 || i == 1 || i == 5) {
      object = "seg/" + std::to_string(i) + ".png";
      f.label_png(object, kSize, kSize, seg);
    }
    f.rows.push_back({name, "val", "8", "8", "8", "8", object, i < 10 ? "3" : ""});
  }
  f.write_tables();
  return dir;
}

DissectOptions options_for(const std::filesystem::path& model, const std::filesystem::path& data,
                           const std::filesystem::path& out, Convention convention) {
  DissectOptions o;
  o.model.source = model.string();
  o.model.overrides.mean = std::array<float, 3>{0, 0, 0};
  o.model.overrides.std = std::array<float, 3>{1, 1, 1};
  o.layers = {"copy", "pool"};
  o.dataset = data;
  o.out = out;
  o.convention = convention;
  o.batch = 8;
  o.threads = 1;
  o.topk = 3;
  return o;
}

// CTest runs each test case in its own process, in parallel: each process builds its own fixture
// and removes it when it ends.
struct Fixture {
  std::filesystem::path root = scratch_dir("dissection_planted_" + std::to_string(::getpid()));
  std::filesystem::path model = write_model(root);
  std::filesystem::path data = write_dataset(root / "broden");
  Fixture() = default;
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

}  // namespace

TEST_CASE("planted units: pnas convention") {
  Fixture& f = fixture();
  DissectProgress progress;
  const auto out = f.root / "pnas";
  const DissectionResult r = dissect(options_for(f.model, f.data, out, Convention::kPnas), progress);
  REQUIRE(r.layers.size() == 2);
  const LayerResult& copy = r.layers[0];
  REQUIRE(copy.units.size() == 2);
  // Unit 0 fires exactly on the dot: IoU 1. Its threshold is the background maximum, 4.
  CHECK(copy.units[0].threshold == 4.0);
  CHECK(copy.units[0].score.label == 1);
  CHECK(copy.units[0].score.score == 1.0);
  CHECK(copy.tally.activation[0] == 6);
  // Unit 1: A = 9 over the dataset. dot 3/(9+6-3), wall 3/(9+20-3), street 6/(9+640-6).
  const UnitScore& u1 = copy.units[1].score;
  CHECK(u1.iou[1] == 3.0 / 12.0);
  CHECK(u1.iou[2] == 3.0 / 26.0);
  CHECK(u1.iou[3] == 6.0 / 643.0);
  CHECK(u1.label == 1);
  CHECK(copy.tally.label_pixels[3] == 640);
  CHECK(copy.units[0].top[0].row == 0);
  CHECK(copy.units[0].top[1].row == 1);
  CHECK(copy.units[0].top[0].image == "img/0.png");
  // Files.
  const std::string csv = read_text(out / "copy" / "tally.csv");
  CHECK(csv.rfind("unit,category,label,score,object-label,object-truth,object-activation", 0) == 0);
  CHECK(csv.find("\n1,object,dot,1.0,dot,6,6,6,1.0,street,640,6,") != std::string::npos);
  const std::string json = read_text(out / "pool" / "dissection.json");
  CHECK(json.find("\"convention\": \"pnas\"") != std::string::npos);
  const std::string html = read_text(out / "report.html");
  CHECK(html.find("data:image/png;base64,") != std::string::npos);
  CHECK(html.find("Detectors per category") != std::string::npos);
  CHECK(!std::filesystem::exists(out / ".dissect" / "copy.f32"));
}

TEST_CASE("planted units: netdissect-lite convention") {
  Fixture& f = fixture();
  DissectProgress progress;
  const DissectionResult r =
      dissect(options_for(f.model, f.data, f.root / "lite", Convention::kNetDissectLite), progress);
  const LayerResult& copy = r.layers[0];
  CHECK(copy.units[0].threshold == 4.0);
  CHECK(copy.units[0].score.score == 6.0 / (6.0 + 6.0 - 6.0 + 1e-10));
  CHECK(copy.units[0].score.label == 1);
  // Unit 1: image 12's activated pixels carry no label, so A_object = 6 and A_scene = 6.
  CHECK(copy.tally.act_cat(1, 0) == 6);
  CHECK(copy.tally.act_cat(1, 1) == 6);
  const UnitScore& u1 = copy.units[1].score;
  CHECK(u1.iou[1] == 3.0 / (6 + 6 - 3 + 1e-10));
  CHECK(u1.iou[2] == 3.0 / (6 + 20 - 3 + 1e-10));
  CHECK(u1.iou[3] == 6.0 / (6 + 640 - 6 + 1e-10));
  CHECK(u1.best[0].label == 1);
  CHECK(u1.best[1].label == 3);
  CHECK(u1.category == 0);
}

TEST_CASE("pnas thresholds are the exact 0.99 quantile of the upsampled maps") {
  Fixture& f = fixture();
  DissectProgress progress;
  DissectOptions o = options_for(f.model, f.data, f.root / "exact", Convention::kPnas);
  o.keep_cache = true;
  o.batch = 3;  // many batches: the statistics' cutoff moves while the data streams in
  const DissectionResult r = dissect(o, progress);
  for (const char* name : {"copy", "pool"}) {
    const bool pool = std::string(name) == "pool";
    const int side = pool ? 4 : 8;
    std::ifstream cache(f.root / "exact" / ".dissect" / (std::string(name) + ".f32"), std::ios::binary);
    at::Tensor acts = at::empty({kImages, 2, side, side}, at::kFloat);
    cache.read(static_cast<char*>(acts.data_ptr()), static_cast<std::streamsize>(acts.nbytes()));
    REQUIRE(cache.good());
    // Every upsampled value, sorted per unit: numpy's linear quantile at 0.99, in double.
    const at::Tensor up = at::upsample_bilinear2d(acts, {kSize, kSize}, false).transpose(0, 1).reshape({2, -1});
    const at::Tensor sorted = std::get<0>(up.sort(1)).contiguous();
    const std::int64_t n = sorted.size(1);
    const double position = 0.99 * static_cast<double>(n - 1);
    const auto lo = static_cast<std::int64_t>(std::floor(position));
    const double t = position - static_cast<double>(lo);
    for (int u = 0; u < 2; ++u) {
      INFO(name << " unit " << u);
      const auto a = static_cast<double>(sorted[u][lo].item<float>());
      const auto b = static_cast<double>(sorted[u][lo + 1].item<float>());
      CHECK(r.layers[pool ? 1 : 0].units[static_cast<std::size_t>(u)].threshold == a * (1.0 - t) + b * t);
    }
  }
}

TEST_CASE("partial results arrive during the tally and leave the final result unchanged") {
  Fixture& f = fixture();
  DissectProgress progress;
  const DissectionResult plain =
      dissect(options_for(f.model, f.data, f.root / "partial_plain", Convention::kPnas), progress);
  DissectOptions o = options_for(f.model, f.data, f.root / "partial", Convention::kPnas);
  o.partial_every = 1;
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  std::vector<std::int64_t> copy_activation;
  o.on_partial = [&](const LayerResult& layer) {
    seen.emplace_back(layer.layer, layer.tally.images);
    DOCTEST_CHECK(progress.phase == 2);
    DOCTEST_CHECK(layer.units.size() == 2);
    // Thresholds the tally settles show their histogram's estimate until then: each rank's value at
    // the lower edge of its bin (also where the two ranks lie in bins far apart).
    const std::size_t li = layer.layer == "copy" ? 0 : 1;
    for (std::size_t u = 0; u < 2; ++u) {
      const double final_threshold = plain.layers[li].units[u].threshold;
      DOCTEST_CHECK(layer.units[u].threshold <= final_threshold);
      DOCTEST_CHECK(layer.units[u].threshold >= final_threshold * (1.0 - 1.0 / 256));
    }
    if (layer.layer == "copy") copy_activation.push_back(layer.tally.activation[1]);
  };
  const DissectionResult r = dissect(o, progress);
  // 40 images in batches of 8: after batches 1 to 4, each layer; the last batch is the result.
  using Seen = std::pair<std::string, std::uint64_t>;
  CHECK(seen == std::vector<Seen>{{"copy", 8}, {"pool", 8}, {"copy", 16}, {"pool", 16},
                                  {"copy", 24}, {"pool", 24}, {"copy", 32}, {"pool", 32}});
  // Unit 1 fires in images 0 (3 pixels) and 5 (3), then 12 (3), far above its threshold's bin:
  // counts as they were then.
  CHECK(copy_activation == std::vector<std::int64_t>{6, 9, 9, 9});
  for (std::size_t li = 0; li < 2; ++li) {
    CHECK(r.layers[li].tally == plain.layers[li].tally);
    for (std::size_t u = 0; u < 2; ++u) CHECK(r.layers[li].units[u].threshold == plain.layers[li].units[u].threshold);
  }
}

TEST_CASE("one pass and merged partial passes give exactly equal tallies") {
  Fixture& f = fixture();
  DissectProgress progress;
  DissectOptions o = options_for(f.model, f.data, f.root / "merge_full", Convention::kPnas);
  o.keep_cache = true;
  const DissectionResult full = dissect(o, progress);
  // Tally the cached activations again at the same thresholds, split into two disjoint halves.
  const LayerResult& pool = full.layers[1];
  BrodenOptions bo;
  bo.load_images = false;
  const BrodenDataset data = BrodenDataset::open(f.data, bo);
  std::ifstream cache(f.root / "merge_full" / ".dissect" / "pool.f32", std::ios::binary);
  at::Tensor acts = at::empty({kImages, 2, 4, 4}, at::kFloat);
  cache.read(static_cast<char*>(acts.data_ptr()), static_cast<std::streamsize>(acts.nbytes()));
  REQUIRE(cache.good());
  std::vector<float> thr;
  for (const auto& u : pool.units) thr.push_back(round_down(u.threshold));
  IouTally a(2, 4, 2, 3), b(2, 4, 2, 3);
  for (std::size_t i = 0; i < kImages; ++i) {
    const auto s = data.read(i);
    REQUIRE(s.has_value());
    tally_image(i < 13 ? a : b, acts.data_ptr<float>() + i * 32, 4, 4, thr, arrange_labels(*s, 4), full.label_category, i);
  }
  a.merge(b);
  CHECK(a == pool.tally);
  CHECK(pool.tally.activation[0] > 0);
}

TEST_CASE("an interrupted dissection resumes to byte-identical outputs") {
  Fixture& f = fixture();
  DissectProgress progress;
  const auto whole = f.root / "resume_whole";
  const auto parts = f.root / "resume_parts";
  dissect(options_for(f.model, f.data, whole, Convention::kNetDissectLite), progress);

  DissectOptions o = options_for(f.model, f.data, parts, Convention::kNetDissectLite);
  o.stop_after_batches = 3;  // mid forward pass
  CHECK_THROWS_AS(dissect(o, progress), DissectCancelled);
  // A crash while writing the next batch leaves junk past the checkpoint in the cache.
  {
    std::ofstream junk(parts / ".dissect" / "copy.f32", std::ios::binary | std::ios::app);
    junk << "half a batch";
  }
  o.stop_after_batches = 4;  // the rest of pass 1, then into the tally
  CHECK_THROWS_AS(dissect(o, progress), DissectCancelled);
  CHECK(progress.phase == 2);
  o.stop_after_batches = 0;
  dissect(o, progress);
  for (const char* file : {"copy/tally.csv", "copy/dissection.json", "pool/tally.csv",
                           "pool/dissection.json", "report.html"}) {
    INFO(file);
    CHECK(read_text(whole / file) == read_text(parts / file));
  }
  // Running a finished dissection again rewrites the same files.
  dissect(o, progress);
  CHECK(read_text(whole / "copy" / "tally.csv") == read_text(parts / "copy" / "tally.csv"));
  // Other settings in the same directory are refused.
  o.topk = 5;
  CHECK_THROWS_AS(dissect(o, progress), Error);
}

TEST_CASE("an interrupted pnas dissection resumes its tail histograms and threshold bands to byte-identical outputs") {
  Fixture& f = fixture();
  DissectProgress progress;
  const auto whole = f.root / "resume_pnas_whole";
  const auto parts = f.root / "resume_pnas_parts";
  DissectOptions o = options_for(f.model, f.data, whole, Convention::kPnas);
  o.batch = 3;
  dissect(o, progress);
  o.out = parts;
  for (const std::size_t stop : {2, 9, 5}) {  // mid pass 1 twice, then through the thresholds into the tally
    o.stop_after_batches = stop;
    CHECK_THROWS_AS(dissect(o, progress), DissectCancelled);
  }
  CHECK(progress.phase == 2);
  // The tally keeps its band pixels in a file that grows batch by batch; a crash while writing the
  // next batch leaves junk past the checkpoint in it.
  const auto band = parts / ".dissect" / "band.bin";
  REQUIRE(std::filesystem::exists(band));
  CHECK(std::filesystem::file_size(band) > 0);
  {
    std::ofstream junk(band, std::ios::binary | std::ios::app);
    junk << "half a batch";
  }
  o.stop_after_batches = 0;
  dissect(o, progress);
  CHECK(!std::filesystem::exists(band));
  for (const char* file : {"copy/tally.csv", "copy/dissection.json", "pool/tally.csv", "pool/dissection.json"}) {
    INFO(file);
    CHECK(read_text(whole / file) == read_text(parts / file));
  }
}

TEST_CASE("dissect reports bad input clearly") {
  Fixture& f = fixture();
  DissectProgress progress;
  DissectOptions o = options_for(f.model, f.data, f.root / "bad", Convention::kPnas);
  o.layers = {"copy", "nope"};
  try {
    dissect(o, progress);
    FAIL("no error for an unknown layer");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("nope") != std::string::npos);
    CHECK(what.find("pool") != std::string::npos);
  }
  o.layers = {"copy"};
  o.dataset = f.root / "missing";
  CHECK_THROWS_AS(dissect(o, progress), Error);

  // A layer that produces NaN: the error names the unit.
  torch::jit::Module nan("Nan");
  nan.define("def forward(self, x):\n    return torch.cat([x[:, 0:2], x[:, 2:3] * float('nan')], 1)\n");
  torch::jit::Module net("Net");
  net.register_module("nan", nan);
  net.define("def forward(self, x):\n    return self.nan.forward(x)\n");
  const auto path = f.root / "nan.pt";
  net.save(path.string());
  o = options_for(path, f.data, f.root / "bad_nan", Convention::kPnas);
  o.layers = {"nan"};
  try {
    dissect(o, progress);
    FAIL("no error for NaN activations");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("NaN") != std::string::npos);
    CHECK(what.find("units 3 for images") != std::string::npos);  // channel 2, numbered from 1
  }

  // An output directory that holds another run, or damaged or old checkpoints: named, with the way out.
  o = options_for(f.model, f.data, f.root / "bad_state", Convention::kPnas);
  o.stop_after_batches = 1;
  CHECK_THROWS_AS(dissect(o, progress), DissectCancelled);
  o.stop_after_batches = 0;
  o.convention = Convention::kNetDissectLite;
  CHECK_THROWS_WITH_AS(dissect(o, progress), doctest::Contains("other settings"), Error);
  const auto state = f.root / "bad_state" / ".dissect";
  for (const char* slot : {"checkpoint.0", "checkpoint.1"}) {
    if (std::filesystem::exists(state / slot)) std::filesystem::resize_file(state / slot, 40);
  }
  CHECK_THROWS_WITH_AS(dissect(o, progress), doctest::Contains("damaged; delete"), Error);
  std::filesystem::remove_all(state);
  std::filesystem::create_directories(state);
  std::ofstream(state / "checkpoint.bin") << "DSK3";
  CHECK_THROWS_WITH_AS(dissect(o, progress), doctest::Contains("older unitscope"), Error);
}

// The papers' knobs on the planted units, each against numbers worked out from the dataset above.
TEST_CASE("--quantile sets the level of the thresholds: unit 0 at the top 0.2% and the top 30%") {
  Fixture& f = fixture();
  // Unit 0 over the 40 images: 2554 background values (x + y) % 5 and 6 of 200 at the dot.
  std::vector<double> values;
  for (int i = 0; i < kImages; ++i) {
    for (int y = 0; y < kSize; ++y) {
      for (int x = 0; x < kSize; ++x) {
        const bool dot = i < 2 && ((x == 1 && y == 1) || (x == 2 && y == 1) || (x == 1 && y == 2));
        values.push_back(dot ? 200.0 : (x + y) % 5);
      }
    }
  }
  std::sort(values.begin(), values.end());
  auto quantile = [&](double level) {
    const double position = level * double(values.size() - 1);
    const auto lo = static_cast<std::size_t>(position);
    return values[lo] + (values[lo + 1] - values[lo]) * (position - double(lo));
  };
  // Top 0.2%: between the last background value (4) and the first 200, 88.2% of the way.
  CHECK(quantile(0.998) == doctest::Approx(4.0 + 196.0 * (0.998 * 2559 - 2553)));
  for (const double top : {0.002, 0.3}) {
    INFO("--quantile " << top);
    DissectOptions o = options_for(f.model, f.data, f.root / ("quantile" + std::to_string(top)), Convention::kPnas);
    o.knobs.quantile = top;
    DissectProgress progress;
    const DissectionResult r = dissect(o, progress);
    CHECK(r.quantile == doctest::Approx(1.0 - top));
    CHECK(r.layers[0].units[0].threshold == doctest::Approx(quantile(1.0 - top)).epsilon(1e-12));
    const std::string json = read_text(f.root / ("quantile" + std::to_string(top)) / "copy" / "dissection.json");
    CHECK(json.find("\"quantile\": " + std::string(top == 0.3 ? "0.7" : "0.998")) != std::string::npos);
  }
}

TEST_CASE("--iou-threshold decides which units are detectors") {
  Fixture& f = fixture();
  DissectOptions o = options_for(f.model, f.data, f.root / "iou_threshold", Convention::kPnas);
  o.knobs.iou_threshold = 0.3;
  DissectProgress progress;
  const DissectionResult r = dissect(o, progress);
  // Unit 0: IoU 1 with dot; unit 1: 3/12 with dot, a detector at the papers' 0.04 but not at 0.3.
  CHECK(r.iou_threshold == 0.3);
  CHECK(r.layers[0].units[0].score.detector(r.iou_threshold));
  CHECK(r.layers[0].units[1].score.score == 0.25);
  CHECK_FALSE(r.layers[0].units[1].score.detector(r.iou_threshold));
  CHECK(r.layers[0].units[1].score.detector());
  const std::string json = read_text(f.root / "iou_threshold" / "copy" / "dissection.json");
  CHECK(json.find("\"detector_iou\": 0.3") != std::string::npos);
  const auto second = json.find("\"unit\": 2");
  REQUIRE(second != std::string::npos);
  CHECK(json.find("\"detector\": false", second) < json.find("\"activated_pixels\"", second));
}

TEST_CASE("--categories scores only the categories asked for") {
  Fixture& f = fixture();
  DissectOptions o = options_for(f.model, f.data, f.root / "categories", Convention::kPnas);
  o.knobs.categories = {"scene"};
  DissectProgress progress;
  const DissectionResult r = dissect(o, progress);
  REQUIRE(r.categories == std::vector<std::string>{"scene"});
  // Without object labels, unit 0's 6 pixels (images 0 and 1) lie in street's 640: IoU 6 / 640.
  const UnitScore& u0 = r.layers[0].units[0].score;
  CHECK(u0.label == 3);
  CHECK(u0.score == 6.0 / 640.0);
  CHECK(r.layers[0].tally.label_pixels[1] == 0);  // dot is not counted at all
  o.knobs.categories = {"material"};
  o.out = f.root / "categories_unknown";
  CHECK_THROWS_WITH_AS(dissect(o, progress), doctest::Contains("unknown category 'material'"), Error);
}

TEST_CASE("--label-size compares maps and labels on a coarser grid") {
  Fixture& f = fixture();
  DissectOptions o = options_for(f.model, f.data, f.root / "label_size", Convention::kPnas);
  o.knobs.label_size = 4;
  DissectProgress progress;
  const DissectionResult r = dissect(o, progress);
  // On 4 x 4 the labels are read at odd pixels: the dot keeps 1 cell per image, (0, 0). Unit 0's map
  // averages 2 x 2 blocks: 50.5 at (0, 0) and 52.25 at (1, 0) and (0, 1) of images 0 and 1; every
  // background block is at most 3, the threshold. IoU = 2 / (6 + 2 - 2).
  const LayerResult& copy = r.layers[0];
  CHECK(copy.units[0].threshold == 3.0);
  CHECK(copy.tally.activation[0] == 6);
  CHECK(copy.tally.label_pixels[1] == 2);
  CHECK(copy.units[0].score.iou[1] == 2.0 / 6.0);
  CHECK(r.geometry.label_size == 4);
  CHECK((r.geometry.grid_width == 4 && r.geometry.grid_height == 4));
}

TEST_CASE("a model's sidecar sets its knobs, and the options win over it") {
  Fixture& f = fixture();
  const auto model = f.root / "planted_knobs.pt";
  std::filesystem::copy_file(f.model, model, std::filesystem::copy_options::overwrite_existing);
  std::ofstream(sidecar_path(model)) << R"({"dissect": {"iou_threshold": 0.3, "categories": ["scene"], "label_size": 4}})";
  DissectOptions o = options_for(model, f.data, f.root / "sidecar_knobs", Convention::kPnas);
  DissectProgress progress;
  const DissectionResult r = dissect(o, progress);
  CHECK(r.iou_threshold == 0.3);
  CHECK(r.categories == std::vector<std::string>{"scene"});
  CHECK(r.geometry.label_size == 4);
  o.knobs.iou_threshold = 0.1;
  o.knobs.categories = std::vector<std::string>{"object", "scene"};
  o.out = f.root / "sidecar_knobs_overridden";
  const DissectionResult over = dissect(o, progress);
  CHECK(over.iou_threshold == 0.1);
  CHECK(over.categories.size() == 2);
  CHECK(over.geometry.label_size == 4);  // still the sidecar's
  std::ofstream(sidecar_path(model)) << R"({"dissect": {"quantile": 0.7}})";
  o.out = f.root / "sidecar_knobs_bad";
  o.knobs = {};
  const std::string expected = "the quantile is 0.700000 (from " + sidecar_path(model).string() + ")";
  CHECK_THROWS_WITH_AS(dissect(o, progress), doctest::Contains(expected.c_str()), Error);
}
