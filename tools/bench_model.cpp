// Cost of reading and editing layers, side by side with the bare forward of the same model:
// taps (several layers, one pass), and ablation continued from a layer versus a full forward.
// UNITSCOPE_BENCH_TORCHSCRIPT=file.pt adds that TorchScript model (plain Module::forward as bare).
// Generators (the demo GAN, Progressive-GAN-style 256x256) run bare and with 8 units toggled off.
#include <benchmark/benchmark.h>
#include <torch/script.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

#include "analysis/model/model.h"

namespace {

using namespace unitscope::analysis;

constexpr int kBatch = 2;
constexpr int kSize = 224;

struct Case {
  std::unique_ptr<Model> model;
  std::vector<std::string> taps;
  std::string start;  // where ablations continue from
};

Case& get(const std::string& name) {
  static std::map<std::string, Case> cases;
  auto it = cases.find(name);
  if (it != cases.end()) return it->second;
  Case c;
  c.model = open_model(ModelSpec{name, {}, 1});
  if (name == "builtin:vgg16") {
    c.taps = {"features.22", "features.29", "features.30"};
    c.start = "features.23";
  } else if (name == "builtin:resnet18") {
    c.taps = {"layer3", "layer4.0.conv2", "layer4"};
    c.start = "layer3";
  } else {
    const auto names = c.model->layer_names();
    c.taps = {names.at(names.size() / 2), names.at(names.size() * 3 / 4)};
    c.start = names.at(names.size() / 2);
  }
  return cases.emplace(name, std::move(c)).first->second;
}

void set_up(benchmark::State& state) {
  (void)state;
  set_threads(0);
}

void bare(benchmark::State& state, const std::string& name) {
  set_up(state);
  Case& c = get(name);
  const at::Tensor x = at::randn({kBatch, 3, kSize, kSize});
  c10::InferenceMode guard;
  std::optional<torch::jit::Module> script;
  if (name.rfind("builtin:", 0) != 0) {
    script = torch::jit::load(name);
    script->eval();
  }
  auto run = [&] {
    if (script) benchmark::DoNotOptimize(script->forward({x}).toTensor());
    else benchmark::DoNotOptimize(c.model->forward(x, {}).output);
  };
  for (int i = 0; i < 3; ++i) run();  // the profiling executor specialises on the first runs
  for (auto _ : state) run();
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void taps(benchmark::State& state, const std::string& name) {
  set_up(state);
  Case& c = get(name);
  const at::Tensor x = at::randn({kBatch, 3, kSize, kSize});
  ForwardRequest r;
  r.taps = c.taps;
  r.want_output = true;
  for (int i = 0; i < 3; ++i) c.model->forward(x, r);
  for (auto _ : state) benchmark::DoNotOptimize(c.model->forward(x, r).taps.back());
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// One ablated unit per sample, continued from `start`: what importance ranking runs per batch.
void ablate_from(benchmark::State& state, const std::string& name) {
  set_up(state);
  Case& c = get(name);
  const at::Tensor x = at::randn({kBatch, 3, kSize, kSize});
  ForwardRequest tap;
  tap.taps = {c.start};
  const at::Tensor act = c.model->forward(x, tap).taps[0];
  at::Tensor scale = at::ones({kBatch, act.size(1), 1, 1});
  for (int i = 0; i < kBatch; ++i) scale[i][i] = 0.0f;
  ForwardRequest r;
  r.edits = {LayerEdit{c.start, scale, {}}};
  for (int i = 0; i < 3; ++i) c.model->forward_from(c.start, act, r);
  for (auto _ : state) benchmark::DoNotOptimize(c.model->forward_from(c.start, act, r).output);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// A generator at batch 1, bare and with units of `layer` switched off: the studio's toggle path
// (a toggle must reach new pixels within 50 ms on the CPU for the demo GAN).
void generate(benchmark::State& state, const std::string& name, const std::string& layer, bool edit) {
  set_up(state);
  auto model = open_model(ModelSpec{name, {}, 1});
  const auto shape = model->input_shape(0);
  const at::Tensor z = at::randn({1, shape.at(0)});
  ForwardRequest r;
  if (edit) {
    at::Tensor scale;
    for (const auto& info : model->layers(model->default_size())) {
      if (info.name == layer) scale = at::ones({1, info.shape.at(0), 1, 1});
    }
    scale.slice(1, 0, 8).zero_();
    r.edits = {LayerEdit{layer, scale, {}}};
  }
  c10::InferenceMode guard;
  for (int i = 0; i < 3; ++i) model->forward(z, r);
  for (auto _ : state) benchmark::DoNotOptimize(model->forward(z, r).output);
  state.SetItemsProcessed(state.iterations());
}

void register_generator(const std::string& name, const std::string& layer) {
  benchmark::RegisterBenchmark(("generate/" + name).c_str(), generate, name, layer, false)
      ->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark(("generate_toggled/" + name).c_str(), generate, name, layer, true)
      ->Unit(benchmark::kMillisecond)->UseRealTime();
}

void register_model(const std::string& name) {
  benchmark::RegisterBenchmark(("bare/" + name).c_str(), bare, name)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark(("taps/" + name).c_str(), taps, name)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark(("ablate_from/" + name).c_str(), ablate_from, name)
      ->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_model("builtin:resnet18");
  register_model("builtin:vgg16");
  if (const char* ts = std::getenv("UNITSCOPE_BENCH_TORCHSCRIPT")) register_model(ts);
  const std::string demo_gan = std::string(UNITSCOPE_SOURCE_DIR) + "/assets/models/gan.pt";
  if (std::filesystem::exists(demo_gan)) register_generator(demo_gan, "layer3");
  register_generator("builtin:progan256", "layer4");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
