// The ablation plot's geometry: ticks, scales and polylines, torch- and ImGui-free.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/panels/curve_plot.h"

namespace us = unitscope;

TEST_SUITE("panels") {

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
