#include <doctest/doctest.h>

#include "render/imgui_renderer.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/presenter.h"
#include "render/renderer.h"
#include "render/swapchain.h"
#include "render/window.h"
#include "render_gpu_fixture.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>

#include <chrono>
#include <thread>

#ifdef UNITSCOPE_TEST_X11
namespace unitscope::test {
// render_x11_readback.cpp: the pixel the X server shows at (x, y) of the window.
std::array<int, 3> x11_window_pixel(GLFWwindow* window, int x, int y);
}  // namespace unitscope::test
#endif

using namespace unitscope::render;
using unitscope::test::GpuFixture;

namespace {

ContextOptions window_options() {
  ContextOptions options;
  options.instance_extensions = Window::required_instance_extensions();
  options.swapchain = true;
  return options;
}

struct WindowFixture : GpuFixture {
  WindowFixture() : GpuFixture(window_options()) {}
};

// Polls events until `done` or about two seconds pass (X servers apply requests asynchronously).
template <class Done>
bool poll_until(Done done) {
  for (int i = 0; i < 200; ++i) {
    Window::poll_events();
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

#ifdef UNITSCOPE_TEST_X11
std::array<int, 3> window_pixel(const Window& window, int x, int y) {
  return unitscope::test::x11_window_pixel(window.handle(), x, y);
}
#endif

}  // namespace

// Needs an X server: not discovered by CTest (skip), run by the render_window_xvfb test under
// xvfb-run with --no-skip.
TEST_SUITE("window") {
  TEST_CASE_FIXTURE(WindowFixture, "window opens and resizes and minimises and restores and closes" * doctest::skip()) {
    Window window("unitscope test", 640, 360);
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    REQUIRE(ImGui_ImplGlfw_InitForVulkan(window.handle(), true));
    {
      Renderer renderer(context());
      Painter painter(context(), OffscreenTarget::kFormat);
      Presenter presenter(context(), window);
      ImGuiRenderer ui(context(), OffscreenTarget::kFormat);
      Texture live(context(), TextureDesc{4, 4});
      const Swapchain& swapchain = presenter.swapchain();
      CHECK(swapchain.extent().width == 640);
      CHECK(swapchain.extent().height == 360);

      int presented = 0, skipped = 0, resized = 0;
      int last_value = -1;
      // One frame of the real loop: events, uploads, scene, UI, present. Returns the status.
      auto run_frame = [&](VkExtent2D window_extent) {
        Window::poll_events();
        Frame& frame = renderer.begin_frame();
        const std::optional<SwapchainStatus> status = presenter.acquire(frame, window_extent);
        if (!status) {
          renderer.end_frame();
          ++skipped;
          return SwapchainStatus::kSkip;
        }
        resized += *status == SwapchainStatus::kResized;
        std::vector<std::uint8_t> texels(4 * 4 * 4, std::uint8_t(frame.number() * 40));
        for (std::size_t i = 3; i < texels.size(); i += 4) texels[i] = 255;
        last_value = texels[0];
        frame.upload(live, texels.data());
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        ImGui::Begin("live");
        ImGui::Image(ImGuiRenderer::texture_id(live), ImVec2(64, 64));
        ImGui::End();
        ImGui::Render();
        OffscreenTarget& target = presenter.target();
        target.begin(frame.cmd(), std::array<float, 4>{0.1f, 0.1f, 0.2f, 1.0f});
        painter.image(frame, target.extent(), live, Rect{10, 10, 100, 100});
        ui.draw(frame, target.extent(), ImGui::GetDrawData());
        target.end(frame.cmd());
        presenter.present(renderer, frame);
        ++presented;
        return *status;
      };

      for (int i = 0; i < 5; ++i) run_frame(window.framebuffer_extent());
      CHECK(presented == 5);
      // The live texture fills (10, 10)-(110, 110) of the scene (ImGui windows start at 60, 60): the
      // window must show its last value.
#ifdef UNITSCOPE_TEST_X11
      renderer.wait_idle();
      const std::array<int, 3> expected{last_value, last_value, last_value};
      CHECK(poll_until([&] { return window_pixel(window, 30, 30) == expected; }));
      CHECK(window_pixel(window, 300, 300) == std::array<int, 3>{26, 26, 51});  // clear colour
#else
      MESSAGE("built without libx11-dev: presented pixels are not read back");
#endif

      window.set_size(800, 500);
      CHECK(poll_until([&] { return window.framebuffer_extent().width == 800; }));
      for (int i = 0; i < 3; ++i) run_frame(window.framebuffer_extent());
      CHECK(resized == 1);
      CHECK(swapchain.extent().width == 800);
      CHECK(swapchain.extent().height == 500);
      CHECK(presenter.target().extent().width == 800);

      window.iconify();
      const bool iconified = poll_until([&] { return window.iconified(); });
      if (!iconified) MESSAGE("no window manager honours iconify here; minimised means a zero framebuffer extent");
      const VkExtent2D minimised = iconified ? window.framebuffer_extent() : VkExtent2D{0, 0};
      CHECK(minimised.width == 0);
      const int presented_before = presented;
      for (int i = 0; i < 3; ++i) CHECK(run_frame(minimised) == SwapchainStatus::kSkip);
      CHECK(presented == presented_before);
      CHECK(skipped == 3);

      window.restore();
      CHECK(poll_until([&] { return !window.iconified() && window.framebuffer_extent().width > 0; }));
      for (int i = 0; i < 3; ++i) CHECK(run_frame(window.framebuffer_extent()) != SwapchainStatus::kSkip);
      CHECK(presented == presented_before + 3);

      window.request_close();
      CHECK(window.should_close());
      renderer.wait_idle();
    }
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
}
