#include <doctest/doctest.h>

#include "render/feature_atlas.h"
#include "render/imgui_renderer.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/renderer.h"
#include "render_gpu_fixture.h"

#include <imgui.h>

using namespace unitscope::render;
using unitscope::test::GpuFixture;
using unitscope::test::pixel;

namespace {

struct ImGuiContextGuard {
  ImGuiContextGuard() {
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
  }
  ~ImGuiContextGuard() { ImGui::DestroyContext(); }
  ImGuiContextGuard(const ImGuiContextGuard&) = delete;
  ImGuiContextGuard& operator=(const ImGuiContextGuard&) = delete;
};

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE_FIXTURE(GpuFixture, "ImGui draw data is drawn with our textures as ImTextureID") {
    ImGuiContextGuard imgui;
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(320, 240);
    Renderer renderer(context());
    OffscreenTarget target(context(), {320, 240});
    ImGuiRenderer ui(context(), OffscreenTarget::kFormat);
    CHECK(io.Fonts->TexID == ImGuiRenderer::texture_id(ui.font_texture()));

    Texture magenta(context(), TextureDesc{8, 8});
    std::vector<std::uint8_t> texels(8 * 8 * 4);
    for (std::size_t i = 0; i < texels.size(); ++i) texels[i] = (i % 4 == 1) ? 0 : 255;
    Texture green(context(), TextureDesc{8, 8});
    std::vector<std::uint8_t> green_texels(8 * 8 * 4);
    for (std::size_t i = 0; i < green_texels.size(); ++i) green_texels[i] = (i % 4 == 1 || i % 4 == 3) ? 255 : 0;

    ImVec2 image_min, green_min, title_min, title_max;
    for (int n = 0; n < 2; ++n) {  // the second frame has settled window sizes
      ImGui::NewFrame();
      ImGui::SetNextWindowPos(ImVec2(10, 10));
      ImGui::SetNextWindowSize(ImVec2(220, 180));
      ImGui::Begin("unit 17");
      title_min = ImGui::GetWindowPos();
      title_max = ImVec2(title_min.x + ImGui::GetWindowWidth(), title_min.y + ImGui::GetFrameHeight());
      ImGui::Image(ImGuiRenderer::texture_id(magenta), ImVec2(64, 48));
      image_min = ImGui::GetItemRectMin();
      ImGui::Image(ImGuiRenderer::texture_id(green), ImVec2(32, 32));
      green_min = ImGui::GetItemRectMin();
      ImGui::End();
      ImGui::Render();

      Frame& frame = renderer.begin_frame();
      frame.upload(magenta, texels.data());
      frame.upload(green, green_texels.data());
      target.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
      ui.draw(frame, target.extent(), ImGui::GetDrawData());
      target.end(frame.cmd());
      CapturedFrame captured;
      target.read_back(frame, [&](CapturedFrame&& f) { captured = std::move(f); });
      renderer.end_frame();
      renderer.wait_idle();
      if (n == 0) continue;

      CHECK(pixel(captured, std::uint32_t(image_min.x + 32), std::uint32_t(image_min.y + 24)) ==
            std::array<int, 4>{255, 0, 255, 255});
      CHECK(pixel(captured, std::uint32_t(green_min.x + 16), std::uint32_t(green_min.y + 16)) ==
            std::array<int, 4>{0, 255, 0, 255});
      // The title text comes from the font atlas: some title-bar pixels differ from the bar colour.
      const auto bar = pixel(captured, std::uint32_t(title_max.x - 3), std::uint32_t(title_min.y + 3));
      int text_pixels = 0;
      for (auto x = std::uint32_t(title_min.x + 20); x < std::uint32_t(title_min.x + 80); ++x)
        for (auto y = std::uint32_t(title_min.y + 2); y < std::uint32_t(title_max.y - 2); ++y)
          text_pixels += pixel(captured, x, y) != bar;
      CHECK(text_pixels > 20);
      // Outside the window the clear colour is untouched.
      CHECK(pixel(captured, 300, 230) == std::array<int, 4>{0, 0, 0, 255});
    }
  }

  TEST_CASE_FIXTURE(GpuFixture, "a view rendered offscreen is shown inside an ImGui window") {
    ImGuiContextGuard imgui;
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(256, 192);
    Renderer renderer(context());
    Painter painter(context(), OffscreenTarget::kFormat);
    OffscreenTarget screen(context(), {256, 192});
    OffscreenTarget view(context(), {64, 64});
    ImGuiRenderer ui(context(), OffscreenTarget::kFormat);
    FeatureAtlas atlas(context(), 4, 2, 2);
    for (std::uint32_t m = 0; m < 4; ++m) atlas.set_map(m, std::vector<float>(4, float(m)));
    for (std::uint32_t m = 0; m < 4; ++m) atlas.set_range(m, 0.0f, 3.0f);
    AtlasStyle style;
    style.gap_px = 0.0f;
    style.border_px = 0.0f;
    style.colormap = Colormap::kGray;

    CapturedFrame captured;
    ImVec2 image_min;
    for (int n = 0; n < 2; ++n) {
      ImGui::NewFrame();
      ImGui::SetNextWindowPos(ImVec2(8, 8));
      ImGui::SetNextWindowSize(ImVec2(200, 170));
      ImGui::Begin("atlas view");
      ImGui::Image(ImGuiRenderer::texture_id(view.texture()), ImVec2(64, 64));
      image_min = ImGui::GetItemRectMin();
      ImGui::End();
      ImGui::Render();
      Frame& frame = renderer.begin_frame();
      atlas.upload(frame);
      view.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
      painter.atlas(frame, view.extent(), atlas, full_rect(view.extent()), style);
      view.end(frame.cmd());
      view.prepare_for_sampling(frame.cmd());
      screen.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
      ui.draw(frame, screen.extent(), ImGui::GetDrawData());
      screen.end(frame.cmd());
      screen.read_back(frame, [&](CapturedFrame&& f) { captured = std::move(f); });
      renderer.end_frame();
    }
    renderer.wait_idle();
    // Map m is a flat grey of m/3, in a 2x2 grid of 32x32 cells inside the 64x64 image.
    const auto x0 = std::uint32_t(image_min.x);
    const auto y0 = std::uint32_t(image_min.y);
    CHECK(unitscope::test::near_rgb(pixel(captured, x0 + 16, y0 + 16), {0.0f, 0.0f, 0.0f}, 2));
    CHECK(unitscope::test::near_rgb(pixel(captured, x0 + 48, y0 + 16), {1 / 3.0f, 1 / 3.0f, 1 / 3.0f}, 2));
    CHECK(unitscope::test::near_rgb(pixel(captured, x0 + 16, y0 + 48), {2 / 3.0f, 2 / 3.0f, 2 / 3.0f}, 2));
    CHECK(unitscope::test::near_rgb(pixel(captured, x0 + 48, y0 + 48), {1.0f, 1.0f, 1.0f}, 2));
  }
}
