// Labels that follow the pixels: the model's resize and centre crop applied to label maps, a planted
// red unit dissected with and without the crop, and the live overlay of a cropping model.
#include "analysis/data/label_view.h"

#include <torch/script.h>

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/error.h"
#include "analysis/dissect/dissection.h"
#include "analysis/dissect/exemplar_mask.h"
#include "analysis/model/live_session.h"
#include "broden_fixture.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::read_text;
using unitscope::test::BrodenFixture;
using unitscope::test::scratch_dir;

namespace {

constexpr int kSide = 384;    // images; labels at half size
constexpr int kImages = 24;  // a multiple of 3
constexpr int kSlot = 24;     // disks sit on a lattice of this period, in image pixels

// Unit 0 is red (R well above G and B), unit 1 green; 2 x 2 average pooling makes the maps coarser
// than the input.
std::filesystem::path write_red_model(const std::filesystem::path& dir) {
  torch::jit::Module units("Units");
  units.define(R"(def forward(self, x):
    r = x[:, 0:1]
    g = x[:, 1:2]
    b = x[:, 2:3]
    red = torch.relu(r - 0.5 * (g + b) - 100.0)
    green = torch.relu(g - 0.5 * (r + b) - 100.0)
    return torch.cat([red, green], 1)
)");
  torch::jit::Module pool("Pool");
  pool.define("def forward(self, x):\n    return torch.avg_pool2d(x, [2, 2])\n");
  torch::jit::Module net("RedNet");
  net.register_module("units", units);
  net.register_module("pool", pool);
  net.define("def forward(self, x):\n    return torch.mean(self.pool.forward(self.units.forward(x)), [2, 3])\n");
  const auto path = dir / "red.pt";
  net.save(path.string());
  return path;
}

// Grey images with red disks (label 1, "red") of radius 3.5 on a lattice of period 24. Resize 256
// and crop 224 keep image pixels [24, 360): the crop holds 14 x 14 of the 16 x 16 lattice slots.
// Every three images have disks in 49 of the crop's slots and 15 of the border's (as 196 to 60), so
// that both views hold the same share of red (below the top 1%), and every disk sits alike on the pixels, maps and labels of both
// views (24 image pixels are 16 input pixels, 8 map cells and 12 label pixels). The red unit's
// IoU then differs between the views only if the labels do not follow the crop.
std::filesystem::path write_red_dataset(const std::filesystem::path& dir) {
  BrodenFixture f;
  f.dir = dir;
  f.categories = {"color"};
  f.labels = {{1, "red", {{"color", 0.01}}, ""}};
  f.header = {"image", "split", "ih", "iw", "sh", "sw", "color"};
  std::mt19937 rng(5);
  std::filesystem::create_directories(dir / "images" / "img");
  constexpr int kSlots = kSide / kSlot;
  constexpr double kRadius = 3.5;
  for (int i = 0; i < kImages; ++i) {
    std::vector<int> inner, outer;
    for (int s = 0; s < kSlots * kSlots; ++s) {
      const int sx = s % kSlots, sy = s / kSlots;
      const bool in_crop = sx > 0 && sx < kSlots - 1 && sy > 0 && sy < kSlots - 1;
      (in_crop ? inner : outer).push_back(s);
    }
    std::shuffle(inner.begin(), inner.end(), rng);
    std::shuffle(outer.begin(), outer.end(), rng);
    inner.resize(i % 3 == 0 ? 17 : 16);
    outer.resize(5);
    inner.insert(inner.end(), outer.begin(), outer.end());
    std::vector<bool> disk(kSlots * kSlots, false);
    for (const int s : inner) disk[std::size_t(s)] = true;
    // Whether the point (x, y), in image pixels, lies in a disk.
    auto red = [&](double x, double y) {
      const int sx = std::clamp(int(x / kSlot), 0, kSlots - 1), sy = std::clamp(int(y / kSlot), 0, kSlots - 1);
      const double dx = x - (sx * kSlot + kSlot / 2), dy = y - (sy * kSlot + kSlot / 2);
      return disk[std::size_t(sy * kSlots + sx)] && dx * dx + dy * dy <= kRadius * kRadius;
    };
    Image image(kSide, kSide, 3);
    for (int y = 0; y < kSide; ++y) {
      for (int x = 0; x < kSide; ++x) {
        const bool on = red(x + 0.5, y + 0.5);
        image.at(x, y)[0] = on ? 230 : 100;
        image.at(x, y)[1] = image.at(x, y)[2] = on ? 20 : 100;
      }
    }
    std::vector<std::int32_t> seg(std::size_t(kSide / 2) * (kSide / 2), 0);
    for (int ly = 0; ly < kSide / 2; ++ly) {
      for (int lx = 0; lx < kSide / 2; ++lx) seg[std::size_t(ly) * (kSide / 2) + std::size_t(lx)] = red(2 * lx + 1.0, 2 * ly + 1.0);
    }
    const std::string name = "img/" + std::to_string(i) + ".png";
    write_png(dir / "images" / name, image);
    const std::string seg_name = "seg/" + std::to_string(i) + ".png";
    f.label_png(seg_name, kSide / 2, kSide / 2, seg);
    const std::string side = std::to_string(kSide), half = std::to_string(kSide / 2);
    f.rows.push_back({name, "val", side, side, half, half, seg_name});
  }
  f.write_tables();
  return dir;
}

struct Fixture {
  std::filesystem::path root = scratch_dir("label_view_" + std::to_string(::getpid()));
  std::filesystem::path model = write_red_model(root);
  std::filesystem::path data = write_red_dataset(root / "broden");
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

ModelSpec red_model(int resize, int crop) {
  ModelSpec spec;
  spec.source = fixture().model.string();
  spec.overrides.mean = std::array<float, 3>{0, 0, 0};
  spec.overrides.std = std::array<float, 3>{1, 1, 1};
  spec.overrides.resize = resize;
  spec.overrides.crop = crop;
  return spec;
}

UnitResult red_unit(int resize, int crop, const std::string& out, int label_size = 0) {
  DissectOptions o;
  o.model = red_model(resize, crop);
  o.layers = {"pool"};
  o.dataset = fixture().data;
  o.out = fixture().root / out;
  o.batch = 8;
  o.threads = 1;
  o.knobs.label_size = label_size;
  DissectProgress progress;
  const DissectionResult r = dissect(o, progress);
  REQUIRE(r.layers.size() == 1);
  REQUIRE(r.layers[0].units.size() == 2);
  return r.layers[0].units[0];
}

}  // namespace

TEST_CASE("the view of resize 256 and crop 224 on a 320 x 240 image, by hand") {
  Preprocess p;
  p.resize = 256;
  p.crop = 224;
  // Resized to 341 x 256 (320 * 256 / 240 = 341.33); the crop starts at (58, 16) there.
  const ViewRect r = view_rect(p, 320, 240);
  CHECK(r.left == doctest::Approx(58.0 * 320 / 341));
  CHECK(r.right == doctest::Approx(282.0 * 320 / 341));
  CHECK(r.top == doctest::Approx(15.0));
  CHECK(r.bottom == doctest::Approx(225.0));
  // Labels at 160 x 120 cover the view with 105 x 105 cells (210.2 and 210 image pixels, halved).
  int w = 0, h = 0;
  label_grid({p, 0}, 320, 240, 160, 120, w, h);
  CHECK(w == 105);
  CHECK(h == 105);
  label_grid({p, 56}, 320, 240, 160, 120, w, h);
  CHECK(w == 56);
  CHECK(h == 56);
  // Nothing cropped: the labels as they are, or the shorter side at --label-size.
  label_grid({Preprocess{}, 0}, 320, 240, 160, 120, w, h);
  CHECK((w == 160 && h == 120));
  label_grid({Preprocess{}, 60}, 320, 240, 160, 120, w, h);
  CHECK((w == 80 && h == 60));
  CHECK(view_rect(Preprocess{}, 320, 240).whole(320, 240));
}

TEST_CASE("label maps are cropped with the image, by nearest neighbour") {
  // A 4 x 4 label map over an 8 x 8 image; a centre crop of 4 (no resize) sees its middle 2 x 2.
  const std::vector<std::int32_t> plane{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  Preprocess p;
  p.crop = 4;
  const ViewRect r = view_rect(p, 8, 8);
  CHECK((r.left == 2.0 && r.right == 6.0 && r.top == 2.0 && r.bottom == 6.0));
  CHECK(resample_labels(plane, 4, 4, 8, 8, r, 2, 2) == std::vector<std::int32_t>{6, 7, 10, 11});
  // At 4 x 4 over the same view, each label cell is read twice: numbers are never blended.
  CHECK(resample_labels(plane, 4, 4, 8, 8, r, 4, 4) ==
        std::vector<std::int32_t>{6, 6, 7, 7, 6, 6, 7, 7, 10, 10, 11, 11, 10, 10, 11, 11});
  // The whole image at its own size is the identity.
  CHECK(resample_labels(plane, 4, 4, 8, 8, view_rect(Preprocess{}, 8, 8), 4, 4) == plane);
  // A crop larger than the image is an error that names both sizes.
  p.crop = 9;
  CHECK_THROWS_WITH_AS(view_rect(p, 8, 8), doctest::Contains("cannot crop 9x9 from a 8x8 image"), Error);
}

TEST_CASE("the planted red unit keeps its IoU under --resize 256 --crop 224, and the result says its geometry") {
  const UnitResult plain = red_unit(256, 0, "plain");
  const UnitResult cropped = red_unit(256, 224, "cropped");
  INFO("uncropped IoU " << plain.score.score << ", cropped " << cropped.score.score);
  MESSAGE("red unit IoU: uncropped " << plain.score.score << ", cropped " << cropped.score.score);
  CHECK(plain.score.label == 1);
  CHECK(cropped.score.label == 1);
  CHECK(plain.score.score > 0.5);
  CHECK(std::abs(cropped.score.score - plain.score.score) <= 0.01);
  const std::string json = read_text(fixture().root / "cropped" / "pool" / "dissection.json");
  CHECK(json.find("\"resize\": 256") != std::string::npos);
  CHECK(json.find("\"crop\": 224") != std::string::npos);
  // 384 -> 256, so the 224 crop covers 336 image pixels: 168 label pixels.
  CHECK(json.find("\"grid\": [\n   168,\n   168\n  ]") != std::string::npos);
  const std::string plain_json = read_text(fixture().root / "plain" / "pool" / "dissection.json");
  CHECK(plain_json.find("\"crop\": 0") != std::string::npos);
  CHECK(plain_json.find("\"grid\": [\n   192,\n   192\n  ]") != std::string::npos);
}

TEST_CASE("--label-size changes the compared grid, and the red unit stays red") {
  const UnitResult coarse = red_unit(256, 224, "coarse", 84);
  CHECK(coarse.score.label == 1);
  const std::string json = read_text(fixture().root / "coarse" / "pool" / "dissection.json");
  CHECK(json.find("\"label_size\": 84") != std::string::npos);
  CHECK(json.find("\"grid\": [\n   84,\n   84\n  ]") != std::string::npos);
}

TEST_CASE("the live overlay of a cropping model sits on the red disk") {
  // One 320 x 240 image with a disk left of the centre; the model sees the 224 crop of its 256
  // resize (341 x 256): image pixels from about (54.4, 15) to (264.6, 225).
  constexpr int kW = 320, kH = 240;
  Image image(kW, kH, 3);
  for (auto& v : image.pixels) v = 100;
  const int cx = 90, cy = 150, radius = 18;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > radius * radius) continue;
      image.at(x, y)[0] = 230;
      image.at(x, y)[1] = image.at(x, y)[2] = 20;
    }
  }
  LiveOptions o;
  o.model = red_model(256, 224);
  o.layer = "pool";
  LiveSession session(o);
  LiveRequest request;
  request.image = image;
  const LiveFrame frame = session.run(request);
  // The frame shows the crop at the image's resolution: 211 x 210 from (54, 15).
  REQUIRE(frame.image.width == 211);
  REQUIRE(frame.image.height == 210);
  CHECK(frame.image.at(cx - 54, cy - 15)[0] == 230);
  REQUIRE(frame.channels == 2);
  const std::size_t plane = std::size_t(frame.height) * std::size_t(frame.width);
  const std::vector<float> map(frame.activations.begin(), frame.activations.begin() + std::ptrdiff_t(plane));
  const std::vector<std::uint8_t> mask = unit_mask(map, frame.height, frame.width, 55.0, frame.image.width, frame.image.height);
  int red = 0, masked = 0, both = 0;
  for (int y = 0; y < frame.image.height; ++y) {
    for (int x = 0; x < frame.image.width; ++x) {
      const bool is_red = frame.image.at(x, y)[0] == 230;
      const bool on = mask[std::size_t(y) * std::size_t(frame.image.width) + std::size_t(x)] != 0;
      red += is_red;
      masked += on;
      both += is_red && on;
    }
  }
  INFO("red " << red << ", masked " << masked << ", both " << both);
  CHECK(double(both) / red > 0.9);
  CHECK(double(both) / masked > 0.9);
}
