// The studio's panel layout: the default for each window size, fitting a layout into another size,
// and when the keeper places the default, keeps the user's layout or fits it again.
#include "engine/app/studio_layout.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>

using namespace unitscope::engine;

namespace {

constexpr float kMenuBar = 19.0f;  // ImGui 1.86's default font: 13 px plus 2 x 3 px padding

LayoutRect area_of(int w, int h) { return work_area(float(w), float(h), kMenuBar); }

std::string describe(const LayoutRect& r) {
  return std::to_string(r.x) + "," + std::to_string(r.y) + " " + std::to_string(r.w) + "x" +
         std::to_string(r.h);
}

// Every panel inside `area`, and no two overlapping.
void check_fits(const PanelRects& rects, const LayoutRect& area) {
  for (std::size_t i = 0; i < kPanelCount; ++i) {
    INFO(panel_titles()[i], " at ", describe(rects[i]), " in ", describe(area));
    CHECK(contains(area, rects[i], 0.0f));
    for (std::size_t j = i + 1; j < kPanelCount; ++j) {
      INFO("and ", panel_titles()[j], " at ", describe(rects[j]));
      CHECK_FALSE(overlaps(rects[i], rects[j], 0.0f));
    }
  }
}

const LayoutRect& at(const PanelRects& r, PanelId id) { return r[std::size_t(id)]; }

KnownRects known(const PanelRects& rects) {
  KnownRects k;
  for (std::size_t i = 0; i < kPanelCount; ++i) k[i] = rects[i];
  return k;
}

// A user's layout: the default with the viewport and feature maps swapped.
PanelRects swapped_views(const LayoutRect& area) {
  PanelRects r = default_layout(area);
  LayoutRect& v = r[std::size_t(PanelId::kViewport)];
  LayoutRect& f = r[std::size_t(PanelId::kFeatureMaps)];
  f.x = v.x;
  v.x = f.right();
  return r;
}

}  // namespace

TEST_SUITE("layout") {
  TEST_CASE("the default layout tiles the window from 1024x640 to 2560x1440 with usable panels") {
    for (auto [w, h] : {std::pair{1024, 640},
                        {1280, 720},
                        {1366, 768},
                        {1600, 900},
                        {1920, 1080},
                        {2560, 1440},
                        {1024, 1440},
                        {2560, 640}}) {
      INFO(w, "x", h);
      const LayoutRect area = area_of(w, h);
      const PanelRects r = default_layout(area);
      check_fits(r, area);
      float covered = 0;
      for (const LayoutRect& p : r) {
        CHECK(p.x == float(int(p.x)));  // whole pixels: ImGui floors positions and sizes
        CHECK(p.w == float(int(p.w)));
        CHECK(p.w >= 170.0f);
        CHECK(p.h >= 140.0f);
        covered += p.w * p.h;
      }
      CHECK(covered == doctest::Approx(area.w * area.h));  // no gaps: the 1600x900 complaint
      CHECK(at(r, PanelId::kRecord).w >= 180.0f);
      CHECK(at(r, PanelId::kRecord).right() == float(w));
      CHECK(at(r, PanelId::kToggles).bottom() == float(h));
      CHECK(at(r, PanelId::kViewport).w >= 320.0f);
    }
  }

  TEST_CASE("the default keeps its 1280x720 proportions, and caps the side panels on big screens") {
    const PanelRects r = default_layout(area_of(1280, 720));
    CHECK(at(r, PanelId::kSource).w == 301.0f);
    CHECK(at(r, PanelId::kViewport).h == 421.0f);
    const PanelRects big = default_layout(area_of(2560, 1440));
    CHECK(at(big, PanelId::kSource).w == 420.0f);
    CHECK(at(big, PanelId::kInspector).h == 480.0f);
  }

  TEST_CASE("a window smaller than the minimums still gets a layout that fits") {
    const LayoutRect area = area_of(640, 400);
    check_fits(default_layout(area), area);
  }

  TEST_CASE("fitting into the same area leaves a layout inside it exactly as it was") {
    const LayoutRect area = area_of(1280, 720);
    const PanelRects user = swapped_views(area);
    CHECK(fit_layout(user, area, area) == user);
  }

  TEST_CASE("a layout from a bigger window fits a smaller one, arrangement and all") {
    const LayoutRect from = area_of(2560, 1440), to = area_of(1024, 640);
    const PanelRects fitted = fit_layout(swapped_views(from), from, to);
    check_fits(fitted, to);
    CHECK(at(fitted, PanelId::kFeatureMaps).right() <= at(fitted, PanelId::kViewport).x);
    CHECK(at(fitted, PanelId::kRecord).right() == 1024.0f);
  }

  TEST_CASE("panels hanging out of the window are brought back in without new overlaps") {
    const LayoutRect area = area_of(1280, 720);
    PanelRects r = default_layout(area);
    for (LayoutRect& p : r) p.x += 300.0f;  // all shifted right: the last column is off-screen
    r[std::size_t(PanelId::kSource)].y -= 50.0f;
    const PanelRects fitted = fit_layout(r, area, area);
    check_fits(fitted, area);
  }

  TEST_CASE("the keeper places the default and follows the window while the user changed nothing") {
    LayoutKeeper k;
    k.start({}, {});
    const auto first = k.arrange(area_of(1280, 720));
    REQUIRE(first);
    CHECK(*first == default_layout(area_of(1280, 720)));
    k.observe(known(*first));
    CHECK_FALSE(k.arrange(area_of(1280, 720)));  // same size: nothing to place
    const auto grown = k.arrange(area_of(1600, 900));
    REQUIRE(grown);
    CHECK(*grown == default_layout(area_of(1600, 900)));
    CHECK_FALSE(k.customised());
    CHECK(k.saved().display_width == 1600);
    CHECK(k.saved().display_height == 900);
  }

  TEST_CASE("a panel the user moved makes the layout theirs: kept, and fitted on every resize") {
    LayoutKeeper k;
    k.start({}, {});
    const LayoutRect big = area_of(1280, 720);
    PanelRects drawn = *k.arrange(big);
    drawn[std::size_t(PanelId::kRecord)].x -= 40.0f;
    drawn[std::size_t(PanelId::kRecord)].w += 40.0f;  // resized over the ablation curves
    k.observe(known(drawn));
    CHECK(k.customised());
    CHECK_FALSE(k.arrange(big));  // their layout stays as it is
    const auto shrunk = k.arrange(area_of(1024, 640));
    REQUIRE(shrunk);
    for (const LayoutRect& p : *shrunk) CHECK(contains(area_of(1024, 640), p, 0.0f));
    k.observe(known(*shrunk));
    CHECK(k.customised());
    const auto back = k.arrange(big);  // growing back restores their layout exactly
    REQUIRE(back);
    CHECK(*back == drawn);
  }

  TEST_CASE(
      "a layout saved without the user's mark, as older studios saved it, is replaced by the "
      "default") {
    PanelRects broken = default_layout(area_of(1280, 720));
    broken[std::size_t(PanelId::kRecord)] = {800, 439, 300, 280};  // over the ablation curves
    LayoutKeeper k;
    k.start(known(broken), {false, 1280, 720});
    CHECK(*k.arrange(area_of(1024, 640)) == default_layout(area_of(1024, 640)));
    CHECK_FALSE(k.customised());
  }

  TEST_CASE("the user's saved layout is restored as it was, or fitted from a bigger window") {
    const PanelRects user = swapped_views(area_of(1280, 720));
    LayoutKeeper same;
    same.start(known(user), {true, 1280, 720});
    CHECK(*same.arrange(area_of(1280, 720)) == user);
    CHECK(same.customised());

    LayoutKeeper smaller;
    smaller.start(known(swapped_views(area_of(2560, 1440))), {true, 2560, 1440});
    const PanelRects fitted = *smaller.arrange(area_of(1280, 720));
    check_fits(fitted, area_of(1280, 720));
    CHECK(at(fitted, PanelId::kViewport).x > at(fitted, PanelId::kFeatureMaps).x);
  }

  TEST_CASE("a saved mark without any saved window, imgui.ini deleted, means the default") {
    LayoutKeeper k;
    k.start({}, {true, 1280, 720});
    CHECK(*k.arrange(area_of(1280, 720)) == default_layout(area_of(1280, 720)));
    CHECK_FALSE(k.customised());
  }

  TEST_CASE(
      "reset places the default for the current size, and the default follows the window again") {
    LayoutKeeper k;
    k.start(known(swapped_views(area_of(1280, 720))), {true, 1280, 720});
    k.arrange(area_of(1280, 720));
    k.reset();
    CHECK(*k.arrange(area_of(1280, 720)) == default_layout(area_of(1280, 720)));
    CHECK_FALSE(k.customised());
    CHECK(*k.arrange(area_of(1920, 1080)) == default_layout(area_of(1920, 1080)));
  }

  TEST_CASE("a minimised window changes nothing") {
    LayoutKeeper k;
    k.start({}, {});
    k.arrange(area_of(1280, 720));
    CHECK_FALSE(k.arrange(area_of(0, 0)));
    CHECK_FALSE(k.arrange(area_of(1280, 720)));
    CHECK(k.saved().display_width == 1280);
  }
}
