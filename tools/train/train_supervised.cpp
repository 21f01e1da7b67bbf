// The classifier and the segmenter: supervised learning on freshly generated SceneWorld scenes.
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "analysis/model/builtin_models.h"
#include "analysis/world/demo_eval.h"
#include "analysis/model/demo_nets.h"
#include "analysis/data/error.h"
#include "analysis/world/world_batches.h"
#include "tools/train/trainers.h"

namespace unitscope::tools {
namespace {

using analysis::Preprocess;
using analysis::SceneWorldOptions;
using analysis::Sidecar;
using analysis::WorldSampler;

SceneWorldOptions training_world(std::uint64_t seed, int size) {
  if (seed == analysis::kHeldOutSeed) {
    throw analysis::Error("--seed " + std::to_string(seed) + " is the held-out world's seed");
  }
  SceneWorldOptions w;
  w.seed = seed;
  w.width = size;
  w.height = size;
  return w;
}

std::string text(const char* format, double a, double b) {
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), format, a, b);
  return buffer;
}

// Inverse square-root frequency, so thin and rare objects are not drowned out by sky and ground.
at::Tensor object_weights(const WorldSampler& sampler, int classes) {
  const analysis::WorldBatch b = sampler.batch(1u << 30, 400, true);
  const at::Tensor counts = at::bincount(b.objects.flatten(), {}, classes).to(at::kDouble) + 1.0;
  const at::Tensor freq = counts / counts.sum();
  const double median = freq.slice(0, 1).median().item<double>();
  at::Tensor w = (median / freq).sqrt().clamp(0.25, 4.0).to(at::kFloat);
  w[0] = 0.0;
  return w;
}

// What both trainers share: the data for step s is scenes s * batch onwards, the seed and the
// learning rate are set per step (so a resumed run repeats an uninterrupted one), and the bar shows
// running averages. `step_fn(batch)` returns the loss and the batch metric.
template <class StepFn>
void supervised_loop(torch::nn::Module& net, torch::optim::Optimizer& optimizer, TrainRun& run,
                     const TrainOptions& o, double lr, const WorldSampler& sampler, bool objects,
                     const char* metric_name, StepFn step_fn) {
  net.train();
  double loss_avg = 0.0, metric_avg = 0.0;
  for (std::int64_t step = run.start_step(); step < o.steps; ++step) {
    torch::manual_seed(o.seed * 7919 + std::uint64_t(step));
    set_lr(optimizer, cosine_lr(lr, step, o.steps, 100));
    const auto b = sampler.batch(std::uint64_t(step) * std::uint64_t(o.batch), o.batch, objects, false,
                                 o.seed * 31 + std::uint64_t(step) + 1);
    const auto [loss, metric] = step_fn(b);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    const double k = step == run.start_step() ? 1.0 : 0.05;
    loss_avg += k * (loss.template item<double>() - loss_avg);
    metric_avg += k * (metric() - metric_avg);
    run.step_done(step, text((std::string("loss %.3f ") + metric_name + " %.3f").c_str(), loss_avg, metric_avg));
  }
  net.eval();
}

Sidecar make_sidecar(const Preprocess& preprocess, int size, std::vector<std::string> classes) {
  Sidecar sidecar;
  sidecar.preprocess = preprocess;
  sidecar.input_size = size;
  sidecar.classes = std::move(classes);
  return sidecar;
}

}  // namespace

void train_classifier(const TrainOptions& o, double lr) {
  analysis::VggConfig c;
  c.stages = {{16}, {32}, {64, 64}, {128, 128}, {128, 128}};
  c.batch_norm = true;
  c.pool_size = 1;
  c.hidden = {};
  c.dropout = 0.0f;
  c.classes = int(analysis::scene_class_names().size());
  auto net = analysis::make_vgg(c, o.seed);
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(lr).weight_decay(5e-4));
  TrainRun run(o, {{{"model", net.get()}}, {{"optimizer", &optimizer}}});
  const Preprocess preprocess;
  const WorldSampler sampler(training_world(o.seed, analysis::kClassifierSize), preprocess);
  supervised_loop(*net, optimizer, run, o, lr, sampler, false, "acc", [&](const analysis::WorldBatch& b) {
    const at::Tensor out = net->forward(b.images);
    const at::Tensor loss = torch::nn::functional::cross_entropy(out, b.classes);
    return std::pair{loss, std::function<double()>([out, &b] {
                       return out.argmax(1).eq(b.classes).to(at::kFloat).mean().item<double>();
                     })};
  });
  analysis::save_builtin(*net, o.out,
                         make_sidecar(preprocess, analysis::kClassifierSize, analysis::scene_class_names()));
  auto model = analysis::open_model({o.out.string(), {}, 1});
  const auto m = analysis::evaluate_classifier(*model, o.eval_images, analysis::kClassifierSize);
  run.log(text("held-out accuracy %.4f on %.0f images", m.accuracy, double(m.images)));
  run.finish(analysis::to_json(m));
}

void train_segmenter(const TrainOptions& o, double lr) {
  analysis::SegmenterConfig c;
  c.classes = int(analysis::segmenter_class_names().size());
  auto net = analysis::make_segmenter(c, o.seed);
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(lr).weight_decay(1e-4));
  TrainRun run(o, {{{"model", net.get()}}, {{"optimizer", &optimizer}}});
  const Preprocess preprocess;
  const WorldSampler sampler(training_world(o.seed, analysis::kSegmenterSize), preprocess);
  const at::Tensor weights = object_weights(sampler, c.classes);
  supervised_loop(*net, optimizer, run, o, lr, sampler, true, "pixel-acc", [&](const analysis::WorldBatch& b) {
    const at::Tensor out = net->forward(b.images);
    const at::Tensor loss = torch::nn::functional::cross_entropy(
        out, b.objects, torch::nn::functional::CrossEntropyFuncOptions().weight(weights).ignore_index(0));
    return std::pair{loss, std::function<double()>([out, &b] {
                       const at::Tensor valid = b.objects > 0;
                       return out.argmax(1).eq(b.objects).logical_and(valid).sum().item<double>() /
                              std::max(1.0, valid.sum().item<double>());
                     })};
  });
  Sidecar sidecar = make_sidecar(preprocess, analysis::kSegmenterSize, analysis::segmenter_class_names());
  sidecar.segmenter = analysis::demo_segmenter_vocabulary();
  analysis::save_builtin(*net, o.out, sidecar);
  auto model = analysis::open_model({o.out.string(), {}, 1});
  const auto m = analysis::evaluate_segmenter(*model, o.eval_images, analysis::kSegmenterSize);
  run.log(text("held-out mean IoU %.4f, pixel accuracy %.4f", m.mean_iou, m.pixel_accuracy));
  run.finish(analysis::to_json(m));
}

}  // namespace unitscope::tools
