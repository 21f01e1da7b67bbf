// The demo GAN: a hinge-loss generator/critic pair on 64x64 village and park scenes, with an
// exponential moving average of the generator as the published weights.
#include <torch/nn/modules/batchnorm.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <algorithm>
#include <cstdio>

#include "analysis/model/builtin_models.h"
#include "analysis/world/demo_eval.h"
#include "analysis/model/demo_nets.h"
#include "analysis/data/error.h"
#include "analysis/world/scene_taxonomy.h"
#include "analysis/world/world_batches.h"
#include "tools/train/trainers.h"

namespace unitscope::tools {
namespace {

constexpr int kImageSize = 64;
// The average warms up as (1 + step) / (10 + step), so that a short run's average does not keep
// a large share of the untrained initial weights.
constexpr double kEmaDecay = 0.998;

// Batch statistics of the averaged weights differ from the trained generator's, so the EMA
// generator's BatchNorm running stats are re-estimated from its own activations.
void recalibrate_batchnorm(analysis::BuiltinNet& g, int latent, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  std::vector<torch::nn::BatchNorm2dImpl*> norms;
  for (auto& m : g.modules(false)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      bn->reset_running_stats();
      bn->options.momentum(c10::nullopt);
      norms.push_back(bn);
    }
  }
  g.train();
  for (int i = 0; i < 16; ++i) g.forward(analysis::sample_latents(seed, std::uint64_t(i) * 64, 64, latent));
  for (auto* bn : norms) bn->options.momentum(0.1);
  g.eval();
}

void update_ema(analysis::BuiltinNet& ema, analysis::BuiltinNet& g, std::int64_t step) {
  torch::NoGradGuard no_grad;
  const double decay = std::min(kEmaDecay, double(1 + step) / double(10 + step));
  auto target = ema.parameters();
  auto source = g.parameters();
  for (std::size_t i = 0; i < target.size(); ++i) target[i].mul_(decay).add_(source[i], 1.0 - decay);
}

void write_samples(analysis::BuiltinNet& ema, int latent, const std::filesystem::path& path) {
  analysis::Sidecar sidecar;
  sidecar.input_shape = {latent};
  // The sheet goes through the same Model path as every user of the weights.
  auto model = analysis::wrap_builtin(std::shared_ptr<analysis::BuiltinNet>(&ema, [](auto*) {}),
                                      "ema", {}, sidecar);
  analysis::write_png(path, analysis::gan_contact_sheet(*model, 1));
}

}  // namespace

void train_gan(const TrainOptions& o, const std::filesystem::path& segmenter_path) {
  const analysis::GeneratorConfig config;
  auto g = analysis::make_generator(config, o.seed);
  auto ema = analysis::make_generator(config, o.seed);
  analysis::Critic d(kImageSize, std::vector<int>{32, 64, 128, 256}, o.seed + 1);
  torch::optim::Adam opt_g(g->parameters(), torch::optim::AdamOptions(1e-4).betas({0.0, 0.9}));
  torch::optim::Adam opt_d(d->parameters(), torch::optim::AdamOptions(4e-4).betas({0.0, 0.9}));
  TrainRun run(o, {{{"generator", g.get()}, {"generator_ema", ema.get()}, {"critic", d.ptr().get()}},
                   {{"generator_adam", &opt_g}, {"critic_adam", &opt_d}}});
  if (run.start_step() == 0) {
    torch::NoGradGuard no_grad;
    auto target = ema->parameters();
    auto source = g->parameters();
    for (std::size_t i = 0; i < target.size(); ++i) target[i].copy_(source[i]);
  }
  analysis::SceneWorldOptions world;
  world.seed = o.seed;
  world.width = world.height = kImageSize;
  analysis::Preprocess to_unit;  // pixels to [-1, 1], as the generator's tanh
  to_unit.mean = {127.5f, 127.5f, 127.5f};
  to_unit.std = {127.5f, 127.5f, 127.5f};
  const analysis::WorldSampler sampler(
      world, to_unit, {analysis::scene_class::kVillage, analysis::scene_class::kPark});

  g->train();
  d->train();
  ema->train();
  const auto batch = std::uint64_t(o.batch);
  double loss_d_avg = 0.0, loss_g_avg = 0.0;
  for (std::int64_t step = run.start_step(); step < o.steps; ++step) {
    const auto s = std::uint64_t(step);
    torch::manual_seed(o.seed * 7919 + s);
    const at::Tensor real = sampler.batch(s * batch, o.batch, false, false, o.seed * 31 + s + 1).images;
    const at::Tensor z_d = analysis::sample_latents(o.seed * 2 + 1, 2 * s * batch, o.batch, config.latent);
    const at::Tensor z_g = analysis::sample_latents(o.seed * 2 + 1, 2 * s * batch + batch, o.batch, config.latent);

    at::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = g->forward(z_d);
    }
    const at::Tensor loss_d = at::relu(1.0 - d->forward(real)).mean() + at::relu(1.0 + d->forward(fake)).mean();
    opt_d.zero_grad();
    loss_d.backward();
    opt_d.step();

    const at::Tensor loss_g = -d->forward(g->forward(z_g)).mean();
    opt_g.zero_grad();
    loss_g.backward();
    opt_g.step();
    update_ema(*ema, *g, step);

    const double k = step == run.start_step() ? 1.0 : 0.05;
    loss_d_avg += k * (loss_d.item<double>() - loss_d_avg);
    loss_g_avg += k * (loss_g.item<double>() - loss_g_avg);
    char metrics[96];
    std::snprintf(metrics, sizeof(metrics), "loss_d %.3f loss_g %.3f", loss_d_avg, loss_g_avg);
    run.step_done(step, metrics);
    if ((step + 1) % 100 == 0) {
      // A sample sheet now and then: losses alone do not show collapse.
      auto copy = analysis::make_generator(config, 0);
      {
        torch::NoGradGuard no_grad;
        auto dst = copy->parameters();
        auto src = ema->parameters();
        for (std::size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
      }
      recalibrate_batchnorm(*copy, config.latent, 7);
      write_samples(*copy, config.latent, o.work / ("samples_" + std::to_string(step + 1) + ".png"));
    }
  }
  recalibrate_batchnorm(*ema, config.latent, 7);
  analysis::Sidecar sidecar;
  sidecar.input_shape = {config.latent};
  sidecar.input_size = kImageSize;
  analysis::save_builtin(*ema, o.out, sidecar);
  auto generator = analysis::open_model({o.out.string(), {}, 1});
  analysis::write_png(o.out.string() + ".samples.png", analysis::gan_contact_sheet(*generator, 1));
  std::string metrics = "{}";
  if (std::filesystem::exists(segmenter_path)) {
    auto segmenter = analysis::open_model({segmenter_path.string(), {}, 1});
    const auto m = analysis::evaluate_gan(*generator, *segmenter, o.eval_images, analysis::kHeldOutSeed);
    char line[128];
    std::snprintf(line, sizeof(line), "samples passing %.3f, mean objects %.2f", m.pass_fraction,
                  m.mean_objects);
    run.log(line);
    metrics = analysis::to_json(m);
  } else {
    run.log("no segmenter at " + segmenter_path.string() + "; sample statistics skipped");
  }
  run.finish(metrics);
}

}  // namespace unitscope::tools
