// Renderer benchmarks on whatever device UNITSCOPE_GPU picks (lavapipe by default): frame time at
// 1280x720 for feature-map grids updated every frame, and upload bandwidth. Compare the ratios
// against the clear-only frame, not the absolute numbers (they depend on the CPU).
#include "render/context.h"
#include "render/feature_atlas.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/renderer.h"
#include "render/texture.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <vector>

namespace {

using namespace unitscope::render;

constexpr VkExtent2D kFrame{1280, 720};

struct Gpu {
  Gpu() : context(options()), renderer(context), painter(context, OffscreenTarget::kFormat), target(context, kFrame) {}
  static ContextOptions options() {
    ContextOptions o;
    o.validation = Validation::kOff;
    return o;
  }
  Context context;
  Renderer renderer;
  Painter painter;
  OffscreenTarget target;
};

Gpu& gpu() {
  static Gpu instance;
  return instance;
}

// A clear-only frame: the baseline the other frame times are compared with.
void BM_ClearFrame(benchmark::State& state) {
  Gpu& g = gpu();
  for (auto _ : state) {
    Frame& frame = g.renderer.begin_frame();
    g.target.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
    g.target.end(frame.cmd());
    g.renderer.end_frame();
  }
  g.renderer.wait_idle();
}
BENCHMARK(BM_ClearFrame)->Unit(benchmark::kMillisecond)->UseRealTime();

// Every map changes every frame: CPU writes, per-map normalisation, one upload, one draw call.
void BM_AtlasFrame(benchmark::State& state) {
  Gpu& g = gpu();
  const auto maps = std::uint32_t(state.range(0));
  const auto size = std::uint32_t(state.range(1));
  FeatureAtlas atlas(g.context, maps, size, size);
  std::vector<float> values(std::size_t(size) * size);
  std::uint64_t n = 0;
  for (auto _ : state) {
    for (std::uint32_t m = 0; m < maps; ++m) {
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(float(i + m + n) * 0.05f);
      atlas.set_map(m, values);
    }
    atlas.normalize_each();
    Frame& frame = g.renderer.begin_frame();
    atlas.upload(frame);
    g.target.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
    AtlasStyle style;
    style.hovered = 3;
    style.selected = 5;
    g.painter.atlas(frame, kFrame, atlas, full_rect(kFrame), style);
    g.target.end(frame.cmd());
    g.renderer.end_frame();
    ++n;
  }
  g.renderer.wait_idle();
  state.SetBytesProcessed(std::int64_t(state.iterations()) * maps * size * size * 4);
  state.counters["fps"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AtlasFrame)->Args({256, 14})->Args({64, 56})->Unit(benchmark::kMillisecond)->UseRealTime();

// Upload bandwidth: one RGBA8 texture of the given size replaced every frame and drawn.
void BM_UploadFrame(benchmark::State& state) {
  Gpu& g = gpu();
  const auto w = std::uint32_t(state.range(0));
  const auto h = std::uint32_t(state.range(1));
  Texture live(g.context, TextureDesc{w, h});
  std::vector<std::uint8_t> texels(std::size_t(w) * h * 4, 128);
  for (auto _ : state) {
    Frame& frame = g.renderer.begin_frame();
    frame.upload(live, texels.data());
    g.target.begin(frame.cmd(), std::array<float, 4>{0, 0, 0, 1});
    g.painter.image(frame, kFrame, live, full_rect(kFrame));
    g.target.end(frame.cmd());
    g.renderer.end_frame();
  }
  g.renderer.wait_idle();
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(texels.size()));
}
BENCHMARK(BM_UploadFrame)->Args({256, 256})->Args({1280, 720})->Args({1920, 1080})->Unit(benchmark::kMillisecond)->UseRealTime();

// Upload alone (staging memcpy + copy command + barriers, no draw): the bandwidth figure.
void BM_UploadOnly(benchmark::State& state) {
  Gpu& g = gpu();
  const auto w = std::uint32_t(state.range(0));
  const auto h = std::uint32_t(state.range(1));
  Texture live(g.context, TextureDesc{w, h});
  std::vector<std::uint8_t> texels(std::size_t(w) * h * 4, 128);
  for (auto _ : state) {
    Frame& frame = g.renderer.begin_frame();
    frame.upload(live, texels.data());
    g.renderer.end_frame();
  }
  g.renderer.wait_idle();
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(texels.size()));
}
BENCHMARK(BM_UploadOnly)->Args({256, 256})->Args({1280, 720})->Args({1920, 1080})->Unit(benchmark::kMillisecond)->UseRealTime();

// The read-back a recorder needs on top of a frame: 1280x720 RGBA8 copied back every frame.
void BM_ReadbackFrame(benchmark::State& state) {
  Gpu& g = gpu();
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    Frame& frame = g.renderer.begin_frame();
    g.target.begin(frame.cmd(), std::array<float, 4>{0.2f, 0.3f, 0.4f, 1});
    g.target.end(frame.cmd());
    g.target.read_back(frame, [&bytes](CapturedFrame&& f) { bytes += f.rgba.size(); });
    g.renderer.end_frame();
  }
  g.renderer.wait_idle();
  state.SetBytesProcessed(std::int64_t(bytes));
}
BENCHMARK(BM_ReadbackFrame)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
