// `train_demo`: trains unitscope's demo models on SceneWorld, resumably, on the CPU.
#include <CLI/CLI.hpp>
#include <torch/utils.h>

#include <cstdio>
#include <exception>

#include "analysis/model/model_spec.h"
#include "tools/train/trainers.h"

namespace {

using unitscope::tools::TrainOptions;

struct Defaults {
  const char* name;
  std::int64_t steps;
  int batch;
};

CLI::App* add_common(CLI::App& app, const Defaults& d, TrainOptions& o, const char* help) {
  CLI::App* cmd = app.add_subcommand(d.name, help);
  o.out = std::string("assets/models/") + d.name + ".pt";
  o.work = std::string("build/train/") + d.name;
  o.steps = d.steps;
  o.batch = d.batch;
  cmd->add_option("--out", o.out, "weights to write (the sidecar and run record go beside them)")
      ->capture_default_str();
  cmd->add_option("--work", o.work, "checkpoints, log and samples; a run resumes from here")
      ->capture_default_str();
  cmd->add_option("--steps", o.steps, "optimisation steps")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--batch", o.batch, "images per step")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o.seed, "training world and initialisation seed")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads (0: one per core)")->capture_default_str();
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "steps between checkpoints")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--eval-images", o.eval_images, "held-out images (or GAN samples) scored at the end")
      ->capture_default_str();
  cmd->add_option("--stop-after", o.stop_after, "checkpoint and stop after this many steps (as Ctrl-C does)");
  return cmd;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"train_demo: trains unitscope's demo models on SceneWorld (resumable)"};
  app.require_subcommand(1);
  std::string command = "build/release/tools/train_demo";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];

  TrainOptions classifier, segmenter, gan;
  double classifier_lr = 2e-3, segmenter_lr = 2e-3;
  std::string gan_segmenter = "assets/models/segmenter.pt";
  auto* c = add_common(app, {"classifier", 1500, 64}, classifier, "the 10-class scene classifier (128x128)");
  c->add_option("--lr", classifier_lr, "peak learning rate")->capture_default_str();
  auto* s = add_common(app, {"segmenter", 1500, 32}, segmenter, "the per-pixel object segmenter (64x64)");
  s->add_option("--lr", segmenter_lr, "peak learning rate")->capture_default_str();
  auto* g = add_common(app, {"gan", 1500, 64}, gan, "the 64x64 village and park GAN");
  g->add_option("--segmenter", gan_segmenter, "segmenter that scores the final samples")
      ->capture_default_str();
  gan.eval_images = 500;
  try {
    app.parse(argc, argv);
    for (TrainOptions* o : {&classifier, &segmenter, &gan}) o->command = command;
    unitscope::tools::stop_on_interrupt();
    auto threads = [](const TrainOptions& o) { unitscope::analysis::set_threads(o.threads); };
    if (c->parsed()) {
      threads(classifier);
      unitscope::tools::train_classifier(classifier, classifier_lr);
    } else if (s->parsed()) {
      threads(segmenter);
      unitscope::tools::train_segmenter(segmenter, segmenter_lr);
    } else if (g->parsed()) {
      threads(gan);
      unitscope::tools::train_gan(gan, gan_segmenter);
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const unitscope::tools::TrainingStopped& e) {
    std::fprintf(stderr, "train_demo: stopped after step %lld with a checkpoint; run again to resume\n",
                 static_cast<long long>(e.steps));
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_demo: %s\n", e.what());
    return 1;
  }
  return 0;
}
