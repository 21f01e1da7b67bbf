#include "engine/app/studio_frame.h"

#include <imgui.h>

#include <cstdio>
#include <exception>

#include "render/context.h"

namespace unitscope::engine {

namespace {
constexpr std::array<float, 4> kBackground{0.1f, 0.1f, 0.11f, 1.0f};
}  // namespace

ImGuiScope::ImGuiScope() {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::StyleColorsDark();
  ImGui::GetIO().IniFilename = nullptr;
}

ImGuiScope::~ImGuiScope() { ImGui::DestroyContext(); }

StudioGpu::StudioGpu(const render::Context& context, Studio& studio, StudioCapture* capture)
    : renderer(context),
      painter(context, render::OffscreenTarget::kFormat),
      imgui(context, render::OffscreenTarget::kFormat),
      images(context),
      views(context, painter),
      ui(PanelContext{studio, images, &views, capture}) {}

StudioGpu::~StudioGpu() {
  try {
    renderer.wait_idle();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unitscope: %s\n", e.what());
  }
}

void StudioGpu::record(render::Frame& frame, Studio& studio, render::OffscreenTarget& target) {
  images.record_uploads(frame);
  views.record(frame, studio);
  target.begin(frame.cmd(), kBackground);
  imgui.draw(frame, target.extent(), ImGui::GetDrawData());
  target.end(frame.cmd());
}

HeadlessStudio::HeadlessStudio(int width, int height, StudioSettings settings, bool deterministic,
                               float frame_seconds)
    : context_(std::make_unique<render::Context>(render::ContextOptions{})) {
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(float(width), float(height));
  io.DeltaTime = frame_seconds;
  studio_ = std::make_unique<Studio>(std::move(settings), deterministic);
  gpu_ = std::make_unique<StudioGpu>(*context_, *studio_, nullptr);
  target_ = std::make_unique<render::OffscreenTarget>(*context_, VkExtent2D{std::uint32_t(width), std::uint32_t(height)});
}

HeadlessStudio::~HeadlessStudio() {
  // The views and target go before the renderer's frames could still use them.
  gpu_->renderer.wait_idle();
  target_.reset();
  gpu_.reset();
  studio_.reset();
}

void HeadlessStudio::frame(double now, std::function<void(render::CapturedFrame&&)> done) {
  studio_->update(now);
  ImGui::NewFrame();
  gpu_->ui.draw();
  ImGui::Render();
  render::Frame& frame = gpu_->renderer.begin_frame();
  gpu_->record(frame, *studio_, *target_);
  if (done) target_->read_back(frame, std::move(done));
  gpu_->renderer.end_frame();
}

void HeadlessStudio::finish() { gpu_->renderer.wait_idle(); }

}  // namespace unitscope::engine
