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

}  // namespace

TEST_SUITE("gpu") {
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
