// The studio's frame rate and edit latency, headless on the Vulkan device (lavapipe here), side by
// side with a bare frame (clear and an empty UI) at the same size:
//   StudioFrame/classifier_live: every panel, the views, and the demo classifier running live on a new
//     SceneWorld image each frame (inference on the worker thread, as in the window). Goal: >= 30 fps
//     at 1280x720. StudioFrame/classifier_still keeps one scene: the panels and views alone.
//   GanToggle: a unit of the demo GAN switched on or off, until the new pixels are uploaded and drawn.
//     Goal: <= 50 ms.
#include <benchmark/benchmark.h>

#include <chrono>

#include "engine/app/studio_frame.h"

namespace {

using namespace unitscope::engine;

constexpr int kWidth = 1280;
constexpr int kHeight = 720;

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void BM_BareFrame(benchmark::State& state) {
  StudioSettings settings;
  settings.model = "demo:classifier";
  HeadlessStudio headless(kWidth, kHeight, settings, false, 1.0f / 30.0f);
  // The bare frame draws no panels: only the clear and ImGui's empty draw data.
  unitscope::render::Renderer& renderer = headless.renderer();
  unitscope::render::OffscreenTarget& target = headless.target();
  for (auto _ : state) {
    ImGui::NewFrame();
    ImGui::Render();
    unitscope::render::Frame& frame = renderer.begin_frame();
    target.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
    target.end(frame.cmd());
    renderer.end_frame();
  }
  renderer.wait_idle();
  state.counters["fps"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

// state.range(0): 1 puts a new scene in front of the classifier every frame, 0 keeps the scene (the
// panels and views alone).
void BM_StudioFrame(benchmark::State& state) {
  StudioSettings settings;
  settings.model = "demo:classifier";
  settings.selected_unit = 3;
  HeadlessStudio headless(kWidth, kHeight, settings, false, 1.0f / 30.0f);
  Studio& studio = headless.studio();
  const auto start = std::chrono::steady_clock::now();
  while (!studio.frame() && seconds(start) < 60) headless.frame(seconds(start));  // model loaded, first answer
  const std::uint64_t answered_before = studio.frame_serial();
  for (auto _ : state) {
    if (state.range(0)) ++studio.settings.world_index;  // a new scene every frame keeps the classifier busy
    headless.frame(seconds(start));
  }
  headless.finish();
  state.counters["fps"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["inferences"] = benchmark::Counter(double(studio.frame_serial() - answered_before), benchmark::Counter::kIsRate);
  state.counters["inference_ms"] = studio.times().inference_ms;
}

void BM_GanToggle(benchmark::State& state) {
  StudioSettings settings;
  settings.model = "demo:gan";
  HeadlessStudio headless(kWidth, kHeight, settings, false, 1.0f / 30.0f);
  Studio& studio = headless.studio();
  const auto start = std::chrono::steady_clock::now();
  while (!studio.frame() && seconds(start) < 60) headless.frame(seconds(start));
  bool on = false;
  for (auto _ : state) {
    const std::uint64_t serial = studio.frame_serial();
    on = !on;
    if (on)
      studio.toggle(7, false);
    else
      studio.untoggle(7);
    // Frames until the answer to the edit has been uploaded and drawn (the frame after it arrives).
    while (studio.frame_serial() == serial) headless.frame(seconds(start));
    headless.frame(seconds(start));
  }
  headless.finish();
  state.counters["toggle_ms"] = benchmark::Counter(double(state.iterations()) * 1e-3,
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_BareFrame)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_StudioFrame)->Name("StudioFrame/classifier_live")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(4.0);
BENCHMARK(BM_StudioFrame)->Name("StudioFrame/classifier_still")->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_GanToggle)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();
