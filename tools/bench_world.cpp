// SceneWorld throughput: generating scenes (one thread, several sizes), exporting them in Broden's
// layout, and streaming the export back with BrodenDataset. Compare rows; the generator's goal is
// 300 images/s at 128x128 on one core, shown as the vs_goal counter.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "analysis/data/broden_dataset.h"
#include "analysis/world/broden_writer.h"
#include "analysis/world/scene_world.h"

namespace {

using namespace unitscope::analysis;

constexpr double kGoalImagesPerSecond = 300.0;

SceneWorld make_world(int size, int label_scale = 1) {
  SceneWorldOptions o;
  o.seed = 1;
  o.width = o.height = size;
  o.label_scale = label_scale;
  return SceneWorld(o);
}

std::filesystem::path scratch(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "unitscope_bench_world" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void BM_Generate(benchmark::State& state) {
  const SceneWorld world = make_world(int(state.range(0)), int(state.range(1)));
  Scene scene;
  std::uint64_t index = 0;
  for (auto _ : state) {
    world.generate(index++, scene);
    benchmark::DoNotOptimize(scene.image.pixels.data());
  }
  state.counters["images/s"] = benchmark::Counter(double(index), benchmark::Counter::kIsRate);
  if (state.range(0) == 128) {
    state.counters["vs_goal"] =
        benchmark::Counter(double(index) / kGoalImagesPerSecond, benchmark::Counter::kIsRate);
  }
}
BENCHMARK(BM_Generate)
    ->ArgNames({"size", "label_scale"})
    ->Args({64, 1})
    ->Args({128, 1})
    ->Args({128, 2})
    ->Args({256, 1})
    ->Unit(benchmark::kMicrosecond);

// Generation plus JPEG and PNG encoding and the files, per image.
void BM_Export(benchmark::State& state) {
  const SceneWorld world = make_world(128);
  const auto dir = scratch("export");
  BrodenExportOptions o;
  o.images = 128;
  o.threads = int(state.range(0));
  std::size_t images = 0;
  for (auto _ : state) {
    images += export_broden(world, dir, o).images;
  }
  state.counters["images/s"] = benchmark::Counter(double(images), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Export)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Reading the export back: JPEG and PNG decoding on the reader's thread pool.
void BM_BrodenStream(benchmark::State& state) {
  static const std::filesystem::path dir = [] {
    auto d = scratch("stream");
    BrodenExportOptions o;
    o.images = 256;
    o.threads = 2;
    export_broden(make_world(128), d, o);
    return d;
  }();
  BrodenOptions ro;
  ro.threads = int(state.range(0));
  ro.load_images = state.range(1) != 0;
  const BrodenDataset data = BrodenDataset::open(dir, ro);
  std::size_t images = 0;
  for (auto _ : state) {
    data.stream(0, data.size(), [&](BrodenSample&& s) {
      benchmark::DoNotOptimize(s.labels.data());
      ++images;
    });
  }
  state.counters["images/s"] = benchmark::Counter(double(images), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BrodenStream)
    ->ArgNames({"threads", "images"})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
