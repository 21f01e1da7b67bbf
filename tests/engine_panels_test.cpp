// The studio panels' torch-free pieces: exemplar masks in the paper's style and the ablation plot's geometry.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/upsample.h"
#include "engine/curve_plot.h"
#include "engine/exemplar_mask.h"

namespace us = unitscope;
using us::analysis::Image;

TEST_SUITE("panels") {

TEST_CASE("threshold_cutoff keeps strictly-above exact for double thresholds") {
  CHECK(us::engine::threshold_cutoff(0.5) == 0.5f);
  const double t = 0.1;  // not a float: 0.1f is above it
  const float c = us::engine::threshold_cutoff(t);
  CHECK(double(c) <= t);
  CHECK(double(std::nextafter(c, 1.0f)) > t);
  // 0.1f itself is strictly above 0.1 (double), so it must count as activated.
  CHECK(0.1f > c);
}

TEST_CASE("unit_mask matches the upsampled map above the threshold") {
  const int mh = 3, mw = 4, w = 17, h = 11;
  std::vector<float> map = {0.0f, 0.2f, 0.9f, 0.1f, 0.4f, 1.0f, 0.3f, 0.0f, 0.7f, 0.2f, 0.5f, 0.6f};
  const double threshold = 0.45;
  const auto mask = us::engine::unit_mask(map, mh, mw, threshold, w, h);
  std::vector<float> up(std::size_t(w * h));
  us::analysis::upsample_bilinear(map, us::analysis::BilinearAxis(mh, h), us::analysis::BilinearAxis(mw, w), up);
  REQUIRE(mask.size() == up.size());
  int inside = 0;
  for (std::size_t i = 0; i < up.size(); ++i) {
    CHECK(mask[i] == (double(up[i]) > threshold ? 1 : 0));
    inside += mask[i];
  }
  CHECK(inside > 0);
  CHECK(inside < w * h);
}

TEST_CASE("composite_exemplar keeps colour inside and outlines the edge and dims the rest") {
  const int w = 8, h = 6;
  Image image(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      image.at(x, y)[0] = 200;
      image.at(x, y)[1] = 100;
      image.at(x, y)[2] = 50;
    }
  // A 1x2 map: left column 0, right column 1. Upsampled to 8 wide, pixels 0..3 stay below 0.5
  // and 4..7 are above (the crossing sits between the two input centres).
  const std::vector<float> map = {0.0f, 1.0f};
  us::engine::MaskStyle style;
  style.dim = 0.5f;
  style.desaturate = 1.0f;
  const Image out = us::engine::composite_exemplar(image, map, 1, 2, 0.5, style);
  REQUIRE(out.width == w);
  REQUIRE(out.height == h);
  REQUIRE(out.channels == 3);
  const auto grey = std::lround((0.299 * 200 + 0.587 * 100 + 0.114 * 50) * 0.5);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < 4; ++x) {
      for (int c = 0; c < 3; ++c) CHECK(out.at(x, y)[c] == grey);
    }
    // Column 4 borders the dimmed half, column 7 the image edge: both outline.
    for (int x : {4, 7}) {
      CHECK(out.at(x, y)[0] == style.outline[0]);
      CHECK(out.at(x, y)[1] == style.outline[1]);
      CHECK(out.at(x, y)[2] == style.outline[2]);
    }
  }
  // Interior pixels (not on the top or bottom row) keep their colour.
  for (int y = 1; y < h - 1; ++y) {
    for (int x = 5; x < 7; ++x) {
      CHECK(out.at(x, y)[0] == 200);
      CHECK(out.at(x, y)[1] == 100);
      CHECK(out.at(x, y)[2] == 50);
    }
  }
  CHECK(out.at(5, 0)[0] == style.outline[0]);  // the image's top edge outlines too
}

TEST_CASE("composite_exemplar turns grey images into RGB and handles an empty mask") {
  Image grey(4, 4, 1);
  for (auto& p : grey.pixels) p = 120;
  const std::vector<float> map(4, 0.0f);
  us::engine::MaskStyle style;
  style.dim = 0.25f;
  const Image out = us::engine::composite_exemplar(grey, map, 2, 2, 0.0, style);
  REQUIRE(out.channels == 3);
  for (auto p : out.pixels) CHECK(p == 30);
}

TEST_CASE("nice_ticks picks round steps covering the range") {
  const auto t = us::engine::nice_ticks(0.0, 1.0, 6);
  REQUIRE(t.size() == 6);
  for (std::size_t i = 0; i < t.size(); ++i) CHECK(t[i] == doctest::Approx(0.2 * double(i)));
  const auto k = us::engine::nice_ticks(0.0, 20.0, 6);
  REQUIRE(k.size() == 5);
  CHECK(k.front() == 0.0);
  CHECK(k.back() == 20.0);
  const auto a = us::engine::nice_ticks(0.53, 0.97, 6);
  REQUIRE(!a.empty());
  CHECK(a.front() == doctest::Approx(0.6));
  CHECK(a.back() == doctest::Approx(0.9));
  CHECK(us::engine::nice_ticks(1.0, 1.0, 5).empty());
  CHECK(us::engine::nice_ticks(0.0, std::numeric_limits<double>::infinity(), 5).empty());
}

TEST_CASE("PlotScale maps data corners to the screen rectangle with y up") {
  us::engine::PlotScale s;
  s.x_min = 0;
  s.x_max = 20;
  s.y_min = 0.5;
  s.y_max = 1.0;
  s.left = 10;
  s.right = 210;
  s.top = 5;
  s.bottom = 105;
  CHECK(s.x(0) == doctest::Approx(10));
  CHECK(s.x(20) == doctest::Approx(210));
  CHECK(s.x(5) == doctest::Approx(60));
  CHECK(s.y(1.0) == doctest::Approx(5));
  CHECK(s.y(0.5) == doctest::Approx(105));
  CHECK(s.y(0.75) == doctest::Approx(55));
}

TEST_CASE("curve_polylines splits at missing values and curve_y_range rounds to tenths") {
  us::engine::PlotScale s;
  s.x_max = 4;
  s.right = 4;
  s.bottom = 1;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> v = {1.0, 0.5, nan, 0.25, 0.0};
  const auto runs = us::engine::curve_polylines(s, v);
  REQUIRE(runs.size() == 2);
  REQUIRE(runs[0].size() == 2);
  REQUIRE(runs[1].size() == 2);
  CHECK(runs[0][1].x == doctest::Approx(1));
  CHECK(runs[0][1].y == doctest::Approx(0.5));
  CHECK(runs[1][0].x == doctest::Approx(3));
  CHECK(runs[1][0].y == doctest::Approx(0.75));

  double lo = 0, hi = 0;
  const std::vector<double> a = {0.93, 0.61}, b = {nan, 0.72};
  const std::span<const double> curves[] = {a, b};
  us::engine::curve_y_range(curves, lo, hi);
  CHECK(lo == doctest::Approx(0.6));
  CHECK(hi == doctest::Approx(1.0));
  const std::span<const double> none[] = {std::span<const double>(b.data(), 1)};
  us::engine::curve_y_range(none, lo, hi);
  CHECK(lo == 0.0);
  CHECK(hi == 1.0);
}

}  // TEST_SUITE
