// Preprocessing numerics (resize, crop, mean/std, channel order) and the model sidecar file.
#include <doctest/doctest.h>

#include <fstream>

#include "analysis/data/error.h"
#include "analysis/data/preprocess.h"
#include "test_paths.h"

using namespace unitscope::analysis;

namespace {

Preprocess identity() {
  Preprocess p;
  p.mean = {0, 0, 0};
  p.std = {1, 1, 1};
  return p;
}

// Columns alternate 0 and 255 in every channel.
Image stripes(int w, int h) {
  Image img(w, h, 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) img.at(x, y)[c] = (x % 2) ? 255 : 0;
    }
  }
  return img;
}

}  // namespace

TEST_SUITE("preprocess") {

TEST_CASE("mean and std in pixel units then channel order") {
  Image img(2, 1, 3);
  img.pixels = {10, 20, 30, 40, 50, 60};
  Preprocess p;
  p.mean = {124.6901f, 118.6897f, 109.5388f};
  p.std = {57.12f, 57.12f, 57.12f};
  int w = 0, h = 0;
  std::vector<float> rgb = preprocess_image(img, p, w, h);
  REQUIRE(rgb.size() == 6);
  CHECK(w == 2);
  CHECK(h == 1);
  CHECK(rgb[0] == doctest::Approx((10 - 124.6901) / 57.12));  // R plane, x=0
  CHECK(rgb[1] == doctest::Approx((40 - 124.6901) / 57.12));  // R plane, x=1
  CHECK(rgb[5] == doctest::Approx((60 - 109.5388) / 57.12));  // B plane, x=1
  p.order = ChannelOrder::kBgr;
  std::vector<float> bgr = preprocess_image(img, p, w, h);
  CHECK(bgr[0] == doctest::Approx((30 - 109.5388) / 57.12));  // B first, normalised with B's mean
  CHECK(bgr[4] == doctest::Approx(rgb[0]));

  Image gray(1, 1, 1);
  gray.pixels = {100};
  std::vector<float> g = preprocess_image(gray, identity(), w, h);
  CHECK(g == std::vector<float>{100, 100, 100});
}

TEST_CASE("resize has half-pixel centres and averages when shrinking") {
  Preprocess p = identity();
  p.resize = 4;
  Image two(2, 1, 3);
  two.pixels = {0, 0, 0, 255, 255, 255};
  // Upscaling a 2x1 image to 8x4 (shorter side 4): a clamped ramp, like align_corners=False.
  int w = 0, h = 0;
  std::vector<float> up = preprocess_image(two, p, w, h);
  CHECK(w == 8);
  CHECK(h == 4);
  const float expected[] = {0, 0, 31.875f, 95.625f, 159.375f, 223.125f, 255, 255};
  for (int x = 0; x < 8; ++x) CHECK(up[std::size_t(8 + x)] == doctest::Approx(expected[x]));

  // Halving alternating 0/255 columns averages them: every source pixel counts.
  p.resize = 8;
  std::vector<float> down = preprocess_image(stripes(16, 16), p, w, h);
  CHECK(w == 8);
  for (int x = 1; x < 7; ++x) CHECK(down[std::size_t(3 * 8 + x)] == doctest::Approx(127.5f));

  Image flat(7, 5, 3);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 77);
  p.resize = 3;
  p.stretch = true;
  for (float v : preprocess_image(flat, p, w, h)) CHECK(v == doctest::Approx(77.0f));
  CHECK(w == 3);
  CHECK(h == 3);
}

TEST_CASE("sizes after resize and centre crop") {
  Preprocess p;
  int w = 0, h = 0;
  p.resize = 256;
  output_size(p, 640, 480, w, h);
  CHECK(w == 341);
  CHECK(h == 256);
  p.crop = 224;
  output_size(p, 640, 480, w, h);
  CHECK(w == 224);
  CHECK(h == 224);
  p.resize = 0;
  p.crop = 500;
  CHECK_THROWS_WITH_AS(output_size(p, 640, 480, w, h), "cannot crop 500x500 from a 640x480 image",
                       Error);

  // The crop is centred: columns 1..2 of a 4-wide stripe image are 255, 0.
  Preprocess c = identity();
  c.crop = 2;
  std::vector<float> out = preprocess_image(stripes(4, 4), c, w, h);
  CHECK(out[0] == 255.0f);
  CHECK(out[1] == 0.0f);
}

TEST_CASE("mean and std options parse as three values or one") {
  CHECK(parse_triple("124.6901,118.6897,109.5388", "--mean") ==
        std::array<float, 3>{124.6901f, 118.6897f, 109.5388f});
  CHECK(parse_triple("57.12", "--std") == std::array<float, 3>{57.12f, 57.12f, 57.12f});
  for (const char* bad : {"", "1,2", "1,2,3,4", "a", "1,,2", "1,2,", "3x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_triple(bad, "--std"), Error);
  }
  CHECK_THROWS_WITH_AS(parse_triple("1,2", "--std"),
                       "--std: \"1,2\" must be one number or three (R,G,B)", Error);
  CHECK(parse_channel_order("bgr") == ChannelOrder::kBgr);
  CHECK_THROWS_AS(parse_channel_order("grb"), Error);
}

TEST_CASE("the sidecar stores preprocessing once and the command line overrides it") {
  const auto dir = unitscope::test::scratch_dir("preprocess_sidecar");
  const auto model = dir / "net.pt";
  CHECK(!read_sidecar(model));
  CHECK(sidecar_path(model) == dir / "net.pt.json");

  Sidecar s;
  Preprocess p;
  p.resize = 256;
  p.crop = 224;
  p.order = ChannelOrder::kBgr;
  p.mean = {1.5f, 2.5f, 3.5f};
  p.std = {4, 5, 6};
  s.preprocess = p;
  s.input_size = 224;
  s.classes = {"cat", "dog"};
  write_sidecar(model, s);
  const auto back = read_sidecar(model);
  REQUIRE(back);
  CHECK(*back->preprocess == p);
  CHECK(back->input_size == 224);
  CHECK(back->classes == s.classes);

  PreprocessOverrides cli;
  cli.std = std::array<float, 3>{57.12f, 57.12f, 57.12f};
  cli.crop = 0;
  const Preprocess resolved = resolve_preprocess(back, cli);
  CHECK(resolved.std == *cli.std);
  CHECK(resolved.crop == 0);
  CHECK(resolved.mean == p.mean);
  CHECK(resolved.order == ChannelOrder::kBgr);
  CHECK(resolve_preprocess(std::nullopt, {}) == Preprocess{});

  // A partial sidecar keeps the defaults for what it does not say; a bare std is one value.
  std::ofstream(sidecar_path(model)) << R"({"preprocess": {"std": 57.12, "channel_order": "bgr"}})";
  const Preprocess partial = *read_sidecar(model)->preprocess;
  CHECK(partial.std == std::array<float, 3>{57.12f, 57.12f, 57.12f});
  CHECK(partial.mean == Preprocess{}.mean);

  std::ofstream(sidecar_path(model)) << "{not json";
  CHECK_THROWS_WITH_AS(read_sidecar(model), doctest::Contains(sidecar_path(model).string().c_str()), Error);
  std::ofstream(sidecar_path(model)) << R"({"preprocess": {"men": [1, 2, 3]}})";
  CHECK_THROWS_WITH_AS(read_sidecar(model), doctest::Contains("unknown key \"preprocess.men\""), Error);
  std::ofstream(sidecar_path(model)) << R"({"preprocess": {"mean": [1, 2]}})";
  CHECK_THROWS_WITH_AS(read_sidecar(model), doctest::Contains("\"mean\" must be a number or an array of 3"), Error);
}

}  // TEST_SUITE
