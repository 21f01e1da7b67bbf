// Dissection against bare forward passes over the same images, side by side in one run.
//
// For each model (the demo classifier at 128 x 128; random-weight built-ins at 224 x 224, several
// layers at once; torchvision's resnet50 at layer4 and vit_b_16 at a token layer, scripted with
// random weights by Debian's python3-torchvision on first use, at 224 x 224 after resize 256 and crop
// 224) one benchmark iteration times (1) the bare forward passes over the images,
// already decoded and in memory: the whole network (forward_s), and only as far as the deepest
// dissected layer (forward_taps_s: the model work a dissection needs, which for VGG16 leaves out
// its three large fully connected layers), then (2) a whole dissect() call (opening the model and
// dataset, decoding, forward, activation cache, statistics, tally; no report.html).
// Counters: ratio = dissect_s / forward_s (the goal is <= 1.3), ratio_taps = dissect_s /
// forward_taps_s, and the parts: pass1_s (model + cache + statistics; model_s of it inside the
// model), pass2_s (tally), ratio_passes = (pass1_s + t_thresholds + pass2_s) / forward_s, which
// leaves out opening the model and dataset, ratio_floor = (dissect_s - t_stats - t_thresholds -
// t_tally) / forward_s, the ratio if the unit statistics, thresholds and tally took no time (the
// least that work on them alone can reach), and t_* (DissectTimings: where the time beyond the
// model goes). Each benchmark repeats UNITSCOPE_BENCH_REPEATS times (default 3) and reports the
// median and spread of every counter: these machines are noisy.
// memory_1k_10k runs `unitscope dissect` over 1,000
// and then 10,000 images of one SceneWorld export at 128 x 128, for the demo classifier and
// ResNet-18's layer4, and reports the peaks of RssAnon and RssFile (the memory-mapped cache).
// sharded_resnet18 (MPI builds) runs the unitscope command itself on ResNet-18 (layer3 and layer4 at
// 224 x 224): as one process at 2 threads, one rank at 1 thread and 2 ranks (mpirun) at 1 thread
// each, side by side in one iteration, with ratios to the first; then each layer alone on 2 ranks,
// for the bytes each rank sent and received per layer (what N machines' network would carry), and
// whether the 2-rank tables were byte-identical to one process's.
// UNITSCOPE_BENCH_IMAGES (default 128) sets the image count; UNITSCOPE_BENCH_CONVENTION picks the
// convention (default pnas); the SceneWorld dataset is written once under the temp directory.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/data/broden_dataset.h"
#include "analysis/world/broden_writer.h"
#include "analysis/dissect/dissection.h"
#include "analysis/model/model.h"
#include "analysis/world/scene_world.h"

namespace fs = std::filesystem;
using namespace unitscope::analysis;

namespace {

constexpr int kBatch = 16;

std::size_t image_count() {
  const char* env = std::getenv("UNITSCOPE_BENCH_IMAGES");
  return env ? static_cast<std::size_t>(std::stoul(env)) : 128;
}

int repeats() {
  const char* env = std::getenv("UNITSCOPE_BENCH_REPEATS");
  return env ? std::max(1, std::stoi(env)) : 3;
}

Convention convention() {
  const char* env = std::getenv("UNITSCOPE_BENCH_CONVENTION");
  return env ? parse_convention(env) : Convention::kPnas;
}

// SceneWorld at `size` x `size`, written once per size under the temp directory: Broden's half-size
// segmentations at 224 for the ImageNet-shaped models, full-size ones for the 128 x 128 demo.
fs::path dataset(int size) {
  const fs::path d = fs::temp_directory_path() /
                     ("unitscope_bench_dissect_" + std::to_string(size) + "_" + std::to_string(image_count()));
  if (!fs::exists(d / "index.csv")) {
    SceneWorldOptions world;
    world.width = size;
    world.height = size;
    world.label_scale = size >= 224 ? 2 : 1;
    BrodenExportOptions o;
    o.images = image_count();
    o.threads = 2;
    export_broden(SceneWorld(world), d, o);
  }
  return d;
}

// "torchvision:ARCH" -> a TorchScript file of torchvision's ARCH with random weights, scripted once
// under the temp directory; other sources as they are.
std::string model_source(const std::string& source) {
  const std::string prefix = "torchvision:";
  if (source.rfind(prefix, 0) != 0) return source;
  const std::string arch = source.substr(prefix.size());
  const fs::path file = fs::temp_directory_path() / ("unitscope_bench_" + arch + ".pt");
  if (!fs::exists(file)) {
    const std::string command = "/usr/bin/python3 -c 'import torch, torchvision; torch.manual_seed(0); "
                                "torch.jit.script(torchvision.models." + arch + "(weights=None).eval()).save(\"" +
                                file.string() + "\")'";
    if (std::system(command.c_str()) != 0) return file.string() + " (python3-torchvision could not write it)";
  }
  return file.string();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void dissect_vs_forward(benchmark::State& state, const std::string& name, int size,
                        const std::vector<std::string>& layers, int crop = 0) {
  set_threads(0);
  ModelSpec spec;
  spec.source = model_source(name);
  if (crop > 0) {
    // Images of `size` resized to 256 and centre-cropped to `crop`, as torchvision's models expect.
    spec.overrides.resize = 256;
    spec.overrides.crop = crop;
  }
  const std::string& source = spec.source;
  if (!fs::exists(source) && source.rfind("builtin:", 0) != 0) {
    state.SkipWithError(("no model " + source).c_str());
    return;
  }
  BrodenOptions bo;
  const BrodenDataset data = BrodenDataset::open(dataset(size), bo);
  std::vector<Image> images;
  data.stream(0, data.size(), [&](BrodenSample&& s) { images.push_back(std::move(s.pixels)); });
  const fs::path out = fs::temp_directory_path() / ("unitscope_bench_dissect_out_" + std::to_string(size));

  // Bare forward passes: the same model, batches and images, with nothing kept but what the request asks.
  auto bare_forward = [&](const ForwardRequest& request) {
    auto model = open_model(spec);
    c10::InferenceMode guard;
    // First calls at a batch size set up kernels; keep that out of the timing.
    model->forward(model->prepare(std::span(images.data(), std::min<std::size_t>(kBatch, images.size()))), request);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < images.size(); i += kBatch) {
      const std::size_t n = std::min<std::size_t>(kBatch, images.size() - i);
      const at::Tensor input = model->prepare(std::span(images.data() + i, n));
      const ForwardResult result = model->forward(input, request);
      benchmark::DoNotOptimize(request.want_output ? result.output.data_ptr() : result.taps.back().data_ptr());
    }
    return seconds_since(start);
  };
  ForwardRequest to_taps;
  to_taps.taps = layers;
  to_taps.want_output = false;

  for (auto _ : state) {
    const double forward_s = bare_forward(ForwardRequest{});
    const double forward_taps_s = bare_forward(to_taps);
    // The whole dissection, from a fresh directory.
    fs::remove_all(out);
    DissectOptions o;
    o.model = spec;
    o.layers = layers;
    o.dataset = dataset(size);
    o.out = out;
    o.convention = convention();
    o.batch = kBatch;
    o.write_report = false;
    DissectProgress progress;
    const auto start = std::chrono::steady_clock::now();
    const DissectionResult r = dissect(o, progress);
    const double dissect_s = seconds_since(start);
    state.SetIterationTime(dissect_s);
    state.counters["images"] = static_cast<double>(r.images);
    state.counters["forward_s"] = forward_s;
    state.counters["forward_taps_s"] = forward_taps_s;
    state.counters["dissect_s"] = dissect_s;
    state.counters["pass1_s"] = r.forward_seconds;
    state.counters["pass2_s"] = r.tally_seconds;
    state.counters["model_s"] = r.model_seconds;
    state.counters["ratio"] = dissect_s / forward_s;
    state.counters["ratio_taps"] = dissect_s / forward_taps_s;
    state.counters["ratio_passes"] = (r.forward_seconds + r.timings.thresholds + r.tally_seconds) / forward_s;
    state.counters["ratio_floor"] =
        (dissect_s - r.timings.statistics - r.timings.thresholds - r.timings.tally) / forward_s;
    // Where the time beyond the model goes.
    state.counters["t_open"] = r.timings.open;
    state.counters["t_decode_wait"] = r.timings.decode_wait;
    state.counters["t_stats"] = r.timings.statistics;
    state.counters["t_cache"] = r.timings.cache;
    state.counters["t_checkpoint"] = r.timings.checkpoint;
    state.counters["t_thresholds"] = r.timings.thresholds;
    state.counters["t_labels"] = r.timings.labels;
    state.counters["t_tally"] = r.timings.tally;
    state.counters["t_prepare"] = r.timings.prepare;
    state.counters["t_outputs"] = r.timings.outputs;
  }
  fs::remove_all(out);
}

#ifdef UNITSCOPE_BINARY
#ifdef UNITSCOPE_BENCH_MPI
struct CommandRun {
  double seconds = 0.0;
  std::string output;
};

// Runs a shell command, timing it; throws when it fails.
CommandRun run_timed(const std::string& command) {
  CommandRun r;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  r.seconds = seconds_since(start);
  if (status != 0) throw std::runtime_error(command + " failed:\n" + r.output);
  return r;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void sharded_resnet18(benchmark::State& state) {
  const fs::path data = dataset(224);
  const fs::path out = fs::temp_directory_path() / "unitscope_bench_sharded";
  const std::string mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe --bind-to none -n ";
  const std::string base = std::string(UNITSCOPE_BINARY) + " dissect --model builtin:resnet18 --dataset " + data.string() +
                           " --no-report --batch 16 --cache fp32";
  const std::regex traffic("rank ([0-9]+) of [0-9]+ sent ([0-9.]+) MB and received ([0-9.]+) MB");
  for (auto _ : state) {
    fs::remove_all(out);
    const std::string layers = " --layers layer3,layer4";
    const CommandRun one = run_timed(base + layers + " --threads 2 --out " + (out / "one").string());
    const CommandRun rank = run_timed(mpirun + "1 " + base + layers + " --threads 1 --out " + (out / "rank").string());
    const CommandRun ranks = run_timed(mpirun + "2 " + base + layers + " --threads 1 --out " + (out / "ranks").string());
    state.SetIterationTime(one.seconds);
    state.counters["one_process_2_threads_s"] = one.seconds;
    state.counters["one_rank_1_thread_s"] = rank.seconds;
    state.counters["two_ranks_1_thread_s"] = ranks.seconds;
    state.counters["ratio_two_ranks"] = ranks.seconds / one.seconds;
    state.counters["ratio_one_rank"] = rank.seconds / one.seconds;
    bool identical = true;
    for (const char* layer : {"layer3", "layer4"}) {
      for (const char* file : {"tally.csv", "dissection.json"}) {
        identical = identical && read_text(out / "one" / layer / file) == read_text(out / "ranks" / layer / file);
      }
    }
    state.counters["identical"] = identical ? 1.0 : 0.0;
    for (const char* layer : {"layer3", "layer4"}) {
      const CommandRun alone =
          run_timed(mpirun + "2 " + base + " --layers " + layer + " --threads 1 --out " + (out / layer).string());
      for (std::sregex_iterator m(alone.output.begin(), alone.output.end(), traffic), end; m != end; ++m) {
        const std::string prefix = std::string(layer) + "_rank" + (*m)[1].str();
        state.counters[prefix + "_sent_MB"] = std::stod((*m)[2].str());
        state.counters[prefix + "_received_MB"] = std::stod((*m)[3].str());
      }
    }
  }
  fs::remove_all(out);
}
#endif

struct PeakMemory {
  double anon_mb = 0.0, file_mb = 0.0;
};

// Runs a shell command (its last word exec'd, so the pid is the command's), sampling
// /proc/PID/status every 50 ms: the peaks of its anonymous and file-backed resident memory.
PeakMemory peak_memory(const std::string& command) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + command + " >/dev/null 2>&1").c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  PeakMemory peak;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string key;
      double kb = 0.0;
      fields >> key >> kb;
      if (key == "RssAnon:") peak.anon_mb = std::max(peak.anon_mb, kb / 1024.0);
      if (key == "RssFile:") peak.file_mb = std::max(peak.file_mb, kb / 1024.0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(command + " failed");
  return peak;
}

// Peak memory of `unitscope dissect` over the first 1,000 and then all 10,000 images of one
// SceneWorld export at 128 x 128: the anonymous part must stay flat (growth <= 1.10).
void memory_1k_10k(benchmark::State& state, const std::string& model, const std::string& layers) {
  const fs::path data = fs::temp_directory_path() / "unitscope_bench_memory_128_10000";
  if (!fs::exists(data / "index.csv")) {
    SceneWorldOptions world;
    world.width = world.height = 128;
    BrodenExportOptions o;
    o.images = 10000;
    o.threads = 2;
    export_broden(SceneWorld(world), data, o);
  }
  const fs::path out = fs::temp_directory_path() / "unitscope_bench_memory_out";
  const std::string base = std::string(UNITSCOPE_BINARY) + " dissect --model " + model + " --layers " + layers +
                           " --dataset " + data.string() + " --threads 2 --out " + out.string();
  for (auto _ : state) {
    fs::remove_all(out);
    const auto start = std::chrono::steady_clock::now();
    const PeakMemory small = peak_memory(base + " --limit 1000");
    fs::remove_all(out);
    const PeakMemory large = peak_memory(base);
    state.SetIterationTime(seconds_since(start));
    state.counters["anon_1k_MB"] = small.anon_mb;
    state.counters["anon_10k_MB"] = large.anon_mb;
    state.counters["anon_growth"] = large.anon_mb / small.anon_mb;
    state.counters["file_1k_MB"] = small.file_mb;
    state.counters["file_10k_MB"] = large.file_mb;
  }
  fs::remove_all(out);
}
#endif

}  // namespace

#ifdef UNITSCOPE_BINARY
BENCHMARK_CAPTURE(memory_1k_10k, demo_classifier, std::string(UNITSCOPE_SOURCE_DIR) + "/assets/models/classifier.pt",
                  "features.27")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(memory_1k_10k, resnet18_layer4, "builtin:resnet18", "layer4")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
#endif
#ifdef UNITSCOPE_BENCH_MPI
BENCHMARK(sharded_resnet18)
    ->Iterations(1)
    ->Repetitions(repeats())
    ->ReportAggregatesOnly(true)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
#endif

BENCHMARK_CAPTURE(dissect_vs_forward, demo_classifier,
                  std::string(UNITSCOPE_SOURCE_DIR) + "/assets/models/classifier.pt", 128,
                  std::vector<std::string>{"features.13", "features.20", "features.27"})
    ->Iterations(1)
    ->Repetitions(repeats())
    ->ReportAggregatesOnly(true)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(dissect_vs_forward, resnet18, "builtin:resnet18", 224,
                  std::vector<std::string>{"layer2", "layer3", "layer4"})
    ->Iterations(1)
    ->Repetitions(repeats())
    ->ReportAggregatesOnly(true)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(dissect_vs_forward, vgg16, "builtin:vgg16", 224,
                  std::vector<std::string>{"features.15", "features.22", "features.29"})
    ->Iterations(1)
    ->Repetitions(repeats())
    ->ReportAggregatesOnly(true)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

BENCHMARK_CAPTURE(dissect_vs_forward, resnet50_layer4, "torchvision:resnet50", 224,
                  std::vector<std::string>{"layer4"}, 224)
    ->Iterations(1)
    ->Repetitions(repeats())
    ->ReportAggregatesOnly(true)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(dissect_vs_forward, vit_b_16_encoder_layer_6, "torchvision:vit_b_16", 224,
                  std::vector<std::string>{"encoder.layers.encoder_layer_6"}, 224)
    ->Iterations(1)
    ->Repetitions(repeats())
    ->ReportAggregatesOnly(true)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
