#include <doctest/doctest.h>

#include "render/colormap.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/renderer.h"
#include "render_gpu_fixture.h"
#include "test_paths.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>

using namespace unitscope::render;
using unitscope::test::GpuFixture;
using unitscope::test::near_rgb;
using unitscope::test::pixel;
using unitscope::test::render_frame;

namespace {

std::vector<std::uint8_t> solid(std::uint32_t w, std::uint32_t h, std::array<std::uint8_t, 4> rgba) {
  std::vector<std::uint8_t> out(std::size_t(w) * h * 4);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = rgba[i % 4];
  return out;
}

// Reference for overlay.frag's upsampling: half-texel centres, clamped edges.
float bilinear(const std::vector<float>& map, int mw, int mh, float u, float v) {
  const float px = u * float(mw) - 0.5f;
  const float py = v * float(mh) - 0.5f;
  const int x0 = int(std::floor(px));
  const int y0 = int(std::floor(py));
  const float fx = px - float(x0);
  const float fy = py - float(y0);
  auto at = [&](int x, int y) { return map[std::size_t(std::clamp(y, 0, mh - 1) * mw + std::clamp(x, 0, mw - 1))]; };
  const float top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx;
  const float bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx;
  return top + (bottom - top) * fy;
}

Texture map_texture(const Context& context, std::uint32_t w, std::uint32_t h) {
  return Texture(context, TextureDesc{w, h, VK_FORMAT_R32_SFLOAT});
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE_FIXTURE(GpuFixture, "mask overlay tints inside and dims outside and outlines the threshold contour") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {64, 32});
    Texture image(context(), TextureDesc{64, 32});
    Texture map = map_texture(context(), 4, 2);
    // Left half of the map on, right half off: the bilinear value crosses 0.5 at x = 32.
    const std::vector<float> values = {1, 1, 0, 0, 1, 1, 0, 0};
    const auto pixels = solid(64, 32, {200, 100, 50, 255});
    OverlayStyle style;
    style.threshold = 0.5f;
    style.dim = 0.5f;
    style.desaturate = 1.0f;
    style.tint = {0.0f, 0.0f, 1.0f, 0.25f};
    style.outline_color = {0.0f, 1.0f, 0.0f};
    style.outline_px = 2.0f;
    const CapturedFrame frame = render_frame(
        renderer, target,
        [&](Frame& f) {
          f.upload(image, pixels.data());
          f.upload(map, values.data());
        },
        [&](Frame& f) { painter.overlay(f, target.extent(), image, map, full_rect(target.extent()), style); });

    const std::array<float, 3> c{200 / 255.0f, 100 / 255.0f, 50 / 255.0f};
    const std::array<float, 3> inside{c[0] * 0.75f, c[1] * 0.75f, c[2] * 0.75f + 0.25f};
    const float gray = 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2];
    const std::array<float, 3> outside{gray * 0.5f, gray * 0.5f, gray * 0.5f};
    for (std::uint32_t y : {0u, 15u, 31u}) {
      CAPTURE(y);
      for (std::uint32_t x = 0; x <= 30; ++x) CHECK(near_rgb(pixel(frame, x, y), inside, 2));
      CHECK(near_rgb(pixel(frame, 31, y), style.outline_color, 0));
      CHECK(near_rgb(pixel(frame, 32, y), style.outline_color, 0));
      for (std::uint32_t x = 33; x < 64; ++x) CHECK(near_rgb(pixel(frame, x, y), outside, 2));
    }
  }

  TEST_CASE_FIXTURE(GpuFixture, "heat-map blend upsamples the map bilinearly to the image") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {40, 24});
    Texture image(context(), TextureDesc{40, 24});
    Texture map = map_texture(context(), 5, 3);
    const std::vector<float> values = {0.0f, 0.2f, 0.9f, 0.4f, 1.0f, 0.5f, 0.1f, 0.7f,
                                       0.3f, 0.6f, 0.8f, 0.05f, 0.45f, 1.0f, 0.0f};
    const auto black = solid(40, 24, {0, 0, 0, 255});
    OverlayStyle style;
    style.mode = OverlayStyle::Mode::kHeatmap;
    style.heat_lo = 0.0f;
    style.heat_hi = 1.0f;
    style.heat_alpha = 1.0f;
    style.colormap = Colormap::kGray;
    const CapturedFrame frame = render_frame(
        renderer, target,
        [&](Frame& f) {
          f.upload(image, black.data());
          f.upload(map, values.data());
        },
        [&](Frame& f) { painter.overlay(f, target.extent(), image, map, full_rect(target.extent()), style); });
    std::vector<std::uint8_t> expected(frame.rgba.size());
    for (std::uint32_t y = 0; y < 24; ++y) {
      for (std::uint32_t x = 0; x < 40; ++x) {
        const float v = bilinear(values, 5, 3, (float(x) + 0.5f) / 40.0f, (float(y) + 0.5f) / 24.0f);
        std::uint8_t* p = &expected[(std::size_t(y) * 40 + x) * 4];
        p[0] = p[1] = p[2] = std::uint8_t(std::lround(v * 255.0f));
        p[3] = 255;
      }
    }
    CHECK(unitscope::test::images_match("heatmap_bilinear", frame, expected, 2, 0.6));
  }

  TEST_CASE_FIXTURE(GpuFixture, "mask overlay on a gradient matches its golden image") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {96, 64});
    Texture image(context(), TextureDesc{96, 64});
    Texture map = map_texture(context(), 7, 7);
    std::vector<std::uint8_t> pixels(96 * 64 * 4);
    for (std::uint32_t y = 0; y < 64; ++y)
      for (std::uint32_t x = 0; x < 96; ++x) {
        std::uint8_t* p = &pixels[(std::size_t(y) * 96 + x) * 4];
        p[0] = std::uint8_t(x * 255 / 95);
        p[1] = std::uint8_t(y * 255 / 63);
        p[2] = std::uint8_t(255 - x * 255 / 95);
        p[3] = 255;
      }
    std::vector<float> values(49);
    for (int y = 0; y < 7; ++y)
      for (int x = 0; x < 7; ++x) values[std::size_t(y * 7 + x)] = std::exp(-float((x - 2) * (x - 2) + (y - 3) * (y - 3)) / 3.0f);
    const CapturedFrame frame = render_frame(
        renderer, target,
        [&](Frame& f) {
          f.upload(image, pixels.data());
          f.upload(map, values.data());
        },
        [&](Frame& f) { painter.overlay(f, target.extent(), image, map, full_rect(target.extent()), OverlayStyle{}); });
    CHECK(unitscope::test::matches_golden("overlay_mask", frame, 8, 0.3));
  }

  TEST_CASE_FIXTURE(GpuFixture, "difference view maps b minus a through the diverging colormap") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {32, 32});
    Texture a(context(), TextureDesc{32, 32});
    Texture b(context(), TextureDesc{32, 32});
    const auto pa = solid(32, 32, {128, 128, 128, 255});
    auto pb = pa;
    for (int y = 8; y < 16; ++y)
      for (int x = 8; x < 16; ++x)
        for (int ch = 0; ch < 3; ++ch) pb[std::size_t((y * 32 + x) * 4 + ch)] = 192;   // b brighter
    for (int y = 20; y < 28; ++y)
      for (int x = 20; x < 28; ++x)
        for (int ch = 0; ch < 3; ++ch) pb[std::size_t((y * 32 + x) * 4 + ch)] = 64;    // b darker
    DifferenceStyle style;
    style.gain = 2.0f;
    const CapturedFrame frame = render_frame(
        renderer, target,
        [&](Frame& f) {
          f.upload(a, pa.data());
          f.upload(b, pb.data());
        },
        [&](Frame& f) { painter.difference(f, target.extent(), a, b, full_rect(target.extent()), style); });
    const float d = 64.0f / 255.0f;
    CHECK(near_rgb(pixel(frame, 2, 2), colormap_rgb(Colormap::kDiverging, 0.5f), 2));
    CHECK(near_rgb(pixel(frame, 12, 12), colormap_rgb(Colormap::kDiverging, 0.5f + d), 3));
    CHECK(near_rgb(pixel(frame, 24, 24), colormap_rgb(Colormap::kDiverging, 0.5f - d), 3));
    CHECK(pixel(frame, 12, 12)[0] > pixel(frame, 12, 12)[2]);  // brighter reads red
    CHECK(pixel(frame, 24, 24)[2] > pixel(frame, 24, 24)[0]);  // darker reads blue
  }

  TEST_CASE_FIXTURE(GpuFixture, "side by side letterboxes both images") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {100, 40});
    Texture a(context(), TextureDesc{16, 16});
    Texture b(context(), TextureDesc{32, 16});
    const auto red = solid(16, 16, {255, 0, 0, 255});
    const auto blue = solid(32, 16, {0, 0, 255, 255});
    const CapturedFrame frame = render_frame(
        renderer, target,
        [&](Frame& f) {
          f.upload(a, red.data());
          f.upload(b, blue.data());
        },
        [&](Frame& f) { painter.side_by_side(f, target.extent(), a, b, full_rect(target.extent()), 4.0f); });
    // Left half 48x40: a square 40x40 at x 4..44. Right half at x 52: 48x24 at y 8..32.
    CHECK(pixel(frame, 24, 20) == std::array<int, 4>{255, 0, 0, 255});
    CHECK(pixel(frame, 1, 20) == std::array<int, 4>{0, 0, 0, 255});
    CHECK(pixel(frame, 76, 20) == std::array<int, 4>{0, 0, 255, 255});
    CHECK(pixel(frame, 76, 3) == std::array<int, 4>{0, 0, 0, 255});
    CHECK(pixel(frame, 76, 36) == std::array<int, 4>{0, 0, 0, 255});
    CHECK(pixel(frame, 49, 20) == std::array<int, 4>{0, 0, 0, 255});  // the gap
  }

  TEST_CASE_FIXTURE(GpuFixture, "offscreen capture at 3840x2160 writes a PNG") {
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget target(context(), {3840, 2160});
    Texture ramp(context(), TextureDesc{2, 1});
    const std::vector<std::uint8_t> texels = {0, 0, 0, 255, 255, 255, 255, 255};
    ImageStyle style;
    style.uv_rect = {0.25f, 0.0f, 0.75f, 1.0f};  // texel centres at the edges: a full 0..255 ramp
    const CapturedFrame frame = render_frame(
        renderer, target, [&](Frame& f) { f.upload(ramp, texels.data()); },
        [&](Frame& f) { painter.image(f, target.extent(), ramp, full_rect(target.extent()), style); });
    REQUIRE(frame.rgba.size() == std::size_t(3840) * 2160 * 4);
    const auto dir = unitscope::test::scratch_dir("capture_4k");
    write_png(dir / "still.png", frame);
    int w = 0, h = 0, n = 0;
    stbi_uc* back = stbi_load((dir / "still.png").string().c_str(), &w, &h, &n, 4);
    REQUIRE(back != nullptr);
    CHECK(w == 3840);
    CHECK(h == 2160);
    CHECK(std::equal(frame.rgba.begin(), frame.rgba.end(), back));
    stbi_image_free(back);
    CHECK(pixel(frame, 0, 1000)[0] <= 1);
    CHECK(pixel(frame, 3839, 1000)[0] >= 254);
    CHECK(std::abs(pixel(frame, 1920, 2159)[0] - 128) <= 1);
    int previous = -1;
    bool monotonic = true;
    for (std::uint32_t x = 0; x < 3840; x += 7) {
      monotonic &= pixel(frame, x, 500)[0] >= previous;
      previous = pixel(frame, x, 500)[0];
    }
    CHECK(monotonic);
  }
}
