// Exemplar masks in the paper's style: the unit inspector's CPU compositing, torch- and ImGui-free.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/dissect/exemplar_mask.h"
#include "analysis/stats/upsample.h"

namespace us = unitscope;
using us::analysis::Image;

TEST_SUITE("exemplars") {

TEST_CASE("threshold_cutoff keeps strictly-above exact for double thresholds") {
  CHECK(us::analysis::threshold_cutoff(0.5) == 0.5f);
  const double t = 0.1;  // not a float: 0.1f is above it
  const float c = us::analysis::threshold_cutoff(t);
  CHECK(double(c) <= t);
  CHECK(double(std::nextafter(c, 1.0f)) > t);
  // 0.1f itself is strictly above 0.1 (double), so it must count as activated.
  CHECK(0.1f > c);
}

TEST_CASE("unit_mask matches the upsampled map above the threshold") {
  const int mh = 3, mw = 4, w = 17, h = 11;
  std::vector<float> map = {0.0f, 0.2f, 0.9f, 0.1f, 0.4f, 1.0f, 0.3f, 0.0f, 0.7f, 0.2f, 0.5f, 0.6f};
  const double threshold = 0.45;
  const auto mask = us::analysis::unit_mask(map, mh, mw, threshold, w, h);
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
  us::analysis::MaskStyle style;
  style.dim = 0.5f;
  style.desaturate = 1.0f;
  const Image out = us::analysis::composite_exemplar(image, map, 1, 2, 0.5, style);
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
  us::analysis::MaskStyle style;
  style.dim = 0.25f;
  const Image out = us::analysis::composite_exemplar(grey, map, 2, 2, 0.0, style);
  REQUIRE(out.channels == 3);
  for (auto p : out.pixels) CHECK(p == 30);
}

}  // TEST_SUITE
