// render/'s CPU-side pieces, which need no Vulkan device: result checks, retire ordering,
// colormaps, half floats and the atlas grid. Suite "render_cpu", so `ctest -L gpu` is device work only.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <string>

#include "render/colormap.h"
#include "render/feature_atlas.h"
#include "render/retire_list.h"
#include "render/vulkan_error.h"

using namespace unitscope::render;

namespace {

bool near3(const std::array<float, 3>& a, const std::array<float, 3>& b, float tolerance) {
  for (int c = 0; c < 3; ++c)
    if (std::abs(a[c] - b[c]) > tolerance) return false;
  return true;
}

}  // namespace

TEST_SUITE("render_cpu") {
  TEST_CASE("result checks throw VulkanError naming the result and the call site") {
    try {
      UNITSCOPE_VK_CHECK(VK_ERROR_DEVICE_LOST);
      FAIL("no throw");
    } catch (const VulkanError& e) {
      const std::string what = e.what();
      CHECK(e.device_lost());
      CHECK(what.find("VK_ERROR_DEVICE_LOST") != std::string::npos);
      CHECK(what.find("render_cpu_test.cpp:") != std::string::npos);
      CHECK(what.find("device was lost") != std::string::npos);
    }
    CHECK_NOTHROW(UNITSCOPE_VK_CHECK(VK_SUBOPTIMAL_KHR));  // positive codes are not errors
    CHECK(result_name(VK_ERROR_OUT_OF_DATE_KHR) == "VK_ERROR_OUT_OF_DATE_KHR");
    CHECK(result_name(VkResult(-12345)) == "VkResult(-12345)");
  }

  TEST_CASE("retire list destroys in reverse order") {
    RetireList list;
    std::string order;
    list.retire_fn([&] { order += "a"; });
    list.retire_fn([&] { order += "b"; });
    CHECK(list.size() == 2);
    list.clear();
    CHECK(order == "ba");
    CHECK(list.size() == 0);
  }

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
}
