#include <doctest/doctest.h>

#include "render/colormap.h"
#include "render/feature_atlas.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/renderer.h"
#include "render_gpu_fixture.h"

#include <cmath>

using namespace unitscope::render;
using unitscope::test::GpuFixture;
using unitscope::test::near_rgb;
using unitscope::test::pixel;
using unitscope::test::render_frame;

namespace {

std::array<float, 3> lut_rgb(Colormap map, float t) {
  // What the shader returns: the 8-bit LUT entry (t lands on texel centres in these tests).
  const auto rgb = colormap_rgb(map, t);
  return {std::round(rgb[0] * 255.0f) / 255.0f, std::round(rgb[1] * 255.0f) / 255.0f,
          std::round(rgb[2] * 255.0f) / 255.0f};
}

bool near3(const std::array<float, 3>& a, const std::array<float, 3>& b, float tolerance) {
  for (int c = 0; c < 3; ++c)
    if (std::abs(a[c] - b[c]) > tolerance) return false;
  return true;
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("colormaps match matplotlib reference values") {
    // Reference points from matplotlib's tables (t = 0, 0.5, 1).
    CHECK(near3(colormap_rgb(Colormap::kViridis, 0.0f), {0.267f, 0.005f, 0.329f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kViridis, 0.5f), {0.128f, 0.567f, 0.551f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kViridis, 1.0f), {0.993f, 0.906f, 0.144f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kMagma, 0.0f), {0.001f, 0.000f, 0.014f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kMagma, 0.5f), {0.716f, 0.215f, 0.475f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kMagma, 1.0f), {0.987f, 0.991f, 0.750f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kInferno, 0.5f), {0.735f, 0.216f, 0.330f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kInferno, 1.0f), {0.988f, 0.998f, 0.645f}, 0.02f));
    CHECK(near3(colormap_rgb(Colormap::kGray, 0.25f), {0.25f, 0.25f, 0.25f}, 1e-6f));
    // Diverging: blue at 0, neutral grey at 0.5, red at 1.
    const auto lo = colormap_rgb(Colormap::kDiverging, 0.0f);
    const auto mid = colormap_rgb(Colormap::kDiverging, 0.5f);
    const auto hi = colormap_rgb(Colormap::kDiverging, 1.0f);
    CHECK(lo[2] > lo[0]);
    CHECK(hi[0] > hi[2]);
    CHECK(mid[0] == doctest::Approx(mid[1]));
    CHECK(mid[1] == doctest::Approx(mid[2]));
    // Perceptual maps get brighter monotonically.
    for (Colormap map : {Colormap::kViridis, Colormap::kMagma, Colormap::kInferno}) {
      float previous = -1.0f;
      for (int i = 0; i <= 20; ++i) {
        const auto c = colormap_rgb(map, float(i) / 20.0f);
        const float luma = 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2];
        CHECK(luma > previous - 0.005f);
        previous = luma;
      }
    }
    const auto lut = colormap_lut();
    CHECK(lut.size() == std::size_t(kColormapLutSize) * kColormapCount * 4);
  }

  TEST_CASE("float to half conversion") {
    CHECK(float_to_half(0.0f) == 0x0000);
    CHECK(float_to_half(1.0f) == 0x3c00);
    CHECK(float_to_half(-2.0f) == 0xc000);
    CHECK(float_to_half(0.5f) == 0x3800);
    CHECK(float_to_half(65504.0f) == 0x7bff);
    CHECK(float_to_half(1e6f) == 0x7c00);
    CHECK(float_to_half(5.96046448e-8f) == 0x0001);  // smallest subnormal
  }

  TEST_CASE("atlas grid layout and hit testing") {
    AtlasStyle style;
    style.gap_px = 2.0f;
    const AtlasGrid grid = AtlasGrid::make(10, Rect{10, 20, 78, 58}, style);
    CHECK(grid.columns == 4);
    CHECK(grid.rows == 3);
    const Rect c5 = grid.cell(5);  // column 1, row 1; cells 18 wide, 18 high
    CHECK(c5.x == doctest::Approx(30.0f));
    CHECK(c5.y == doctest::Approx(40.0f));
    CHECK(c5.width == doctest::Approx(18.0f));
    CHECK(grid.map_at(c5.x + 1, c5.y + 1) == std::optional<std::uint32_t>(5));
    CHECK_FALSE(grid.map_at(c5.x - 1, c5.y + 1).has_value());  // in the gap
    CHECK_FALSE(grid.map_at(5, 5).has_value());                 // outside
    CHECK_FALSE(grid.map_at(grid.cell(11).x + 1, grid.cell(11).y + 1).has_value());  // past the last map
  }

  TEST_CASE_FIXTURE(GpuFixture, "feature-map atlas draws every map in one call with per-map ranges and highlights") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {100, 76});
    constexpr std::uint32_t kMaps = 7, kW = 4, kH = 3;
    FeatureAtlas atlas(context(), kMaps, kW, kH);
    // Map m, texel (x, y) holds m * 100 + x + 4y: each map needs its own range to span the colormap.
    for (std::uint32_t m = 0; m < kMaps; ++m) {
      std::vector<float> values(kW * kH);
      for (std::uint32_t i = 0; i < kW * kH; ++i) values[i] = float(m * 100 + i);
      atlas.set_map(m, values);
    }
    atlas.normalize_each();
    CHECK(atlas.ranges()[2 * 3] == 300.0f);
    CHECK(atlas.ranges()[2 * 3 + 1] == 311.0f);
    AtlasStyle style;
    style.gap_px = 4.0f;
    style.border_px = 2.0f;
    style.hovered = 2;
    style.selected = 5;
    style.colormap = Colormap::kViridis;
    const Rect area{0, 0, 100, 76};  // 3 columns: cells 30.67 x 22.67
    const CapturedFrame frame = render_frame(
        renderer, target, [&](Frame& f) { atlas.upload(f); },
        [&](Frame& f) { painter.atlas(f, target.extent(), atlas, area, style); },
        {26 / 255.0f, 26 / 255.0f, 26 / 255.0f, 1.0f});  // exactly 26: 0.1 (25.5) rounds either way

    const AtlasGrid grid = AtlasGrid::make(kMaps, area, style);
    for (std::uint32_t m = 0; m < kMaps; ++m) {
      const Rect cell = grid.cell(m);
      for (std::uint32_t ty = 0; ty < kH; ++ty) {
        for (std::uint32_t tx = 0; tx < kW; ++tx) {
          // Centre of texel (tx, ty) of the map inside its cell.
          const auto x = std::uint32_t(cell.x + (float(tx) + 0.5f) * cell.width / kW);
          const auto y = std::uint32_t(cell.y + (float(ty) + 0.5f) * cell.height / kH);
          const float t = float(tx + kW * ty) / float(kW * kH - 1);
          CAPTURE(m);
          CAPTURE(tx);
          CAPTURE(ty);
          CHECK(near_rgb(pixel(frame, x, y), colormap_rgb(Colormap::kViridis, t), 3));
        }
      }
      // One pixel inside the cell's edge: border colour on hovered / selected cells only.
      const auto ex = std::uint32_t(cell.x + 0.5f);
      const auto ey = std::uint32_t(cell.y + cell.height * 0.5f);
      if (m == 5) CHECK(near_rgb(pixel(frame, ex, ey), style.select_color, 1));
      else if (m == 2) CHECK(near_rgb(pixel(frame, ex, ey), style.hover_color, 1));
      else CHECK_FALSE(near_rgb(pixel(frame, ex, ey), style.select_color, 10));
    }
    // Gap between cells 0 and 1, and the empty slots after the last map, keep the clear colour.
    const Rect c0 = grid.cell(0);
    CHECK(pixel(frame, std::uint32_t(c0.x + c0.width + 2), 10) == std::array<int, 4>{26, 26, 26, 255});
    const Rect c8 = grid.cell(8);
    CHECK(pixel(frame, std::uint32_t(c8.x + 5), std::uint32_t(c8.y + 5)) == std::array<int, 4>{26, 26, 26, 255});
    CHECK(unitscope::test::matches_golden("atlas_grid", frame, 3, 0.2));
  }

  TEST_CASE_FIXTURE(GpuFixture, "an R16F atlas renders like the R32F one") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {64, 64});
    FeatureAtlas full(context(), 4, 8, 8, AtlasFormat::kFloat32);
    FeatureAtlas half(context(), 4, 8, 8, AtlasFormat::kFloat16);
    for (std::uint32_t m = 0; m < 4; ++m) {
      std::vector<float> values(64);
      for (std::uint32_t i = 0; i < 64; ++i) values[i] = std::sin(float(i + 7 * m) * 0.3f) * 3.0f;
      full.set_map(m, values);
      half.set_map(m, values);
    }
    full.normalize_each();
    half.normalize_each();
    AtlasStyle style;
    style.colormap = Colormap::kMagma;
    auto draw = [&](FeatureAtlas& atlas) {
      return render_frame(
          renderer, target, [&](Frame& f) { atlas.upload(f); },
          [&](Frame& f) { painter.atlas(f, target.extent(), atlas, full_rect(target.extent()), style); });
    };
    const CapturedFrame a = draw(full);
    const CapturedFrame b = draw(half);
    CHECK(unitscope::test::images_match("atlas_r16f", b, a.rgba, 4, 0.5));
  }

  TEST_CASE_FIXTURE(GpuFixture, "each colormap row of the LUT is what the shader samples") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {kColormapLutSize, kColormapCount});
    // Drawing the LUT texture 1:1 with nearest sampling returns its texels exactly.
    const CapturedFrame frame = render_frame(renderer, target, nullptr, [&](Frame& f) {
      painter.image(f, target.extent(), painter.colormap_texture(), full_rect(target.extent()), {.nearest = true});
    });
    CHECK(frame.rgba == colormap_lut());
    CHECK(near_rgb(pixel(frame, 128, 0), lut_rgb(Colormap::kViridis, 128.0f / 255.0f), 0));
  }
}
