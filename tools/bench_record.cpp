// Recording throughput at 1280x720: RGBA → yuv420p → libx264 → MP4, per x264 preset, with and
// without a simulated render load on the pushing thread. Compare the rows, not absolute numbers.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "render/video_recorder.h"

namespace {

using unitscope::render::VideoOptions;
using unitscope::render::VideoRecorder;

constexpr int kWidth = 1280;
constexpr int kHeight = 720;
constexpr int kFramesPerRun = 60;
constexpr int kDistinctFrames = 30;
const char* const kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "medium"};

// What the studio records: a smooth background and a grid of feature-map tiles whose values change
// every frame, which is harder for the encoder than a static picture and easier than noise.
const std::vector<std::vector<std::uint8_t>>& test_frames() {
  static const auto frames = [] {
    std::vector<std::vector<std::uint8_t>> out(kDistinctFrames);
    std::uint32_t state = 1;
    for (int f = 0; f < kDistinctFrames; ++f) {
      auto& rgba = out[std::size_t(f)];
      rgba.resize(std::size_t(kWidth) * kHeight * 4);
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth; ++x) {
          std::uint8_t* p = &rgba[(std::size_t(y) * kWidth + x) * 4];
          p[0] = std::uint8_t(x * 255 / kWidth);
          p[1] = std::uint8_t(y * 255 / kHeight);
          p[2] = std::uint8_t(96 + f);
          p[3] = 255;
        }
      }
      // 16x8 tiles of 56x56, each filled with 7x7 cells of a value that drifts per frame.
      for (int tile = 0; tile < 128; ++tile) {
        const int tx = 40 + (tile % 16) * 76;
        const int ty = 60 + (tile / 16) * 76;
        for (int cy = 0; cy < 8; ++cy) {
          for (int cx = 0; cx < 8; ++cx) {
            state = state * 1664525u + 1013904223u;
            const std::uint8_t v = std::uint8_t((state >> 24) / 2 + f * 3);
            for (int y = ty + cy * 7; y < ty + cy * 7 + 7; ++y) {
              for (int x = tx + cx * 7; x < tx + cx * 7 + 7; ++x) {
                std::uint8_t* p = &rgba[(std::size_t(y) * kWidth + x) * 4];
                p[0] = v;
                p[1] = std::uint8_t(255 - v);
                p[2] = std::uint8_t(v / 2);
              }
            }
          }
        }
      }
    }
    return out;
  }();
  return frames;
}

std::filesystem::path output_path() {
  return std::filesystem::temp_directory_path() / "unitscope_bench_record.mp4";
}

// Stands in for rendering a frame on the pushing thread (lavapipe takes about 6 ms at 1280x720).
void busy_for(std::chrono::microseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  volatile std::uint64_t sink = 0;
  while (std::chrono::steady_clock::now() < end) sink = sink + 1;
}

// Args: preset index, x264 threads (0 = auto), simulated render time per frame in ms.
void BM_Record720p(benchmark::State& state) {
  VideoOptions options;
  options.width = kWidth;
  options.height = kHeight;
  options.fps = 30;
  options.preset = kPresets[state.range(0)];
  options.threads = int(state.range(1));
  const auto render_time = std::chrono::milliseconds(state.range(2));
  const auto& frames = test_frames();
  std::int64_t bytes = 0;
  for (auto _ : state) {
    VideoRecorder recorder(output_path(), options);
    for (int i = 0; i < kFramesPerRun; ++i) {
      if (render_time.count() > 0) busy_for(render_time);
      recorder.push(frames[std::size_t(i % kDistinctFrames)]);
    }
    recorder.finish();
    bytes = std::int64_t(std::filesystem::file_size(output_path()));
  }
  state.SetLabel(options.preset + " threads=" + std::to_string(options.threads) +
                 " render=" + std::to_string(render_time.count()) + "ms");
  state.counters["fps"] =
      benchmark::Counter(double(kFramesPerRun), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["KiB_per_frame"] = double(bytes) / 1024.0 / kFramesPerRun;
  std::filesystem::remove(output_path());
}

void preset_rows(benchmark::internal::Benchmark* bench) {
  for (int preset = 0; preset < 5; ++preset) bench->Args({preset, 0, 0});
  // A single encoder thread leaves the other core to the renderer.
  for (int preset = 0; preset < 3; ++preset) bench->Args({preset, 1, 0});
  // Recording while rendering: 6 ms of work per frame on the pushing thread.
  for (int preset = 0; preset < 3; ++preset) bench->Args({preset, 0, 6});
}

BENCHMARK(BM_Record720p)
    ->Apply(preset_rows)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
