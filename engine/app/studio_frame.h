// The drawing half of a studio frame, shared by the window, `unitscope record` and the benchmarks:
// the ImGui context, the renderer and its views, and a headless studio that renders offscreen.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "engine/studio/image_cache.h"
#include "engine/studio/studio.h"
#include "engine/app/studio_ui.h"
#include "engine/studio/studio_views.h"
#include "render/imgui_renderer.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/renderer.h"

namespace unitscope::engine {

class StudioCapture;

// Creates the ImGui context (dark style, no ini file unless the caller sets one).
struct ImGuiScope {
  ImGuiScope();
  ~ImGuiScope();
  ImGuiScope(const ImGuiScope&) = delete;
  ImGuiScope& operator=(const ImGuiScope&) = delete;
};

// Everything that draws the studio, in construction order. Needs a current ImGui context. The
// destructor waits for frames in flight before any of it goes away.
struct StudioGpu {
  StudioGpu(const render::Context& context, Studio& studio, StudioCapture* capture);
  ~StudioGpu();
  StudioGpu(const StudioGpu&) = delete;
  StudioGpu& operator=(const StudioGpu&) = delete;

  // Uploads, the offscreen views, then the UI's draw data into `target`.
  void record(render::Frame& frame, Studio& studio, render::OffscreenTarget& target);

  render::Renderer renderer;
  render::Painter painter;
  render::ImGuiRenderer imgui;
  ImageCache images;
  StudioViews views;
  StudioUi ui;
};

// The studio without a window: each frame() updates the studio, draws the panels and renders them
// into an offscreen target of the given size. Owns its Vulkan context and ImGui context.
class HeadlessStudio {
 public:
  HeadlessStudio(int width, int height, StudioSettings settings, bool deterministic, float frame_seconds);
  ~HeadlessStudio();
  HeadlessStudio(const HeadlessStudio&) = delete;
  HeadlessStudio& operator=(const HeadlessStudio&) = delete;

  Studio& studio() { return *studio_; }
  // One frame at time `now`; `done`, if set, gets the pixels once the GPU finished the frame (at a
  // later frame() or at finish()).
  void frame(double now, std::function<void(render::CapturedFrame&&)> done = {});
  // Waits for every frame in flight (and so runs every `done`).
  void finish();
  render::Renderer& renderer() { return gpu_->renderer; }
  StudioUi& ui() { return gpu_->ui; }
  render::OffscreenTarget& target() { return *target_; }

 private:
  std::unique_ptr<render::Context> context_;
  ImGuiScope imgui_;
  std::unique_ptr<Studio> studio_;
  std::unique_ptr<StudioGpu> gpu_;
  std::unique_ptr<render::OffscreenTarget> target_;
};

}  // namespace unitscope::engine
