// The studio's per-frame inference through LiveSession on the demo models, at 1 and 2 threads:
// the classifier on a new SceneWorld image each frame, the GAN on a new latent each frame, and a
// GAN unit toggle (same latent, other edits), which re-runs only the layers after the edited one,
// against the same toggle one layer earlier (a whole forward). Time is wall; CPU time shows load.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>
#include <numeric>

#include "analysis/model/live_session.h"
#include "analysis/model/model_spec.h"
#include "analysis/world/scene_world.h"

namespace {

using namespace unitscope::analysis;

LiveSession& session(const char* file, int threads) {
  static std::map<std::pair<std::string, int>, std::unique_ptr<LiveSession>> sessions;
  auto& s = sessions[{file, threads}];
  if (!s) {
    LiveOptions o;
    o.model.source =
        (std::filesystem::path(UNITSCOPE_SOURCE_DIR) / "assets" / "models" / file).string();
    o.threads = threads;
    s = std::make_unique<LiveSession>(o);
  }
  set_threads(threads);  // process-wide: another case's session may have changed it
  return *s;
}

void report(benchmark::State& state, double ms_sum, std::int64_t frames) {
  state.counters["ms_per_frame"] = frames ? ms_sum / double(frames) : 0.0;
}

void classifier_new_image(benchmark::State& state) {
  LiveSession& s = session("classifier.pt", int(state.range(0)));
  const SceneWorld world(SceneWorldOptions{3, 128, 128, 1});
  std::vector<Image> images;
  for (std::uint64_t i = 0; i < 16; ++i) images.push_back(world.generate(i).image);
  LiveRequest r;
  double ms = 0.0;
  std::int64_t n = 0;
  for (auto _ : state) {
    r.image = images[std::size_t(n) % images.size()];
    ms += s.run(r).inference_ms;
    ++n;
  }
  report(state, ms, n);
}
BENCHMARK(classifier_new_image)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void gan_new_latent(benchmark::State& state) {
  LiveSession& s = session("gan.pt", int(state.range(0)));
  LiveRequest r;
  double ms = 0.0;
  std::int64_t n = 0;
  for (auto _ : state) {
    r.latent_a = r.latent_b = {1, std::uint64_t(n)};
    ms += s.run(r).inference_ms;
    ++n;
  }
  report(state, ms, n);
}
BENCHMARK(gan_new_latent)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// A unit toggle with the side-by-side view on: the edited image and the (cached) unedited one.
// `layer` 1: at the session's layer (layer3), which re-runs the layers after it; 2: at layer2,
// before it, which needs the whole forward (the baseline).
void gan_toggle(benchmark::State& state) {
  LiveSession& s = session("gan.pt", int(state.range(0)));
  LiveRequest r;
  r.latent_a = r.latent_b = {1, 0};
  r.want_unedited = true;
  UnitEdit off;
  if (state.range(1) == 2) off.layer = "layer2";
  off.units.resize(8);
  double ms = 0.0;
  std::int64_t n = 0;
  for (auto _ : state) {
    std::iota(off.units.begin(), off.units.end(), int(n % 16) * 8);  // other units each frame
    r.edits = {off};
    ms += s.run(r).inference_ms;
    ++n;
  }
  report(state, ms, n);
}
BENCHMARK(gan_toggle)
    ->ArgNames({"threads", "layer"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({2, 1})
    ->Args({2, 2})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
