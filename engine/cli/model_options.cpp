#include "engine/cli/model_options.h"

#include <CLI/CLI.hpp>

#include "analysis/data/preprocess.h"

namespace unitscope::engine {

analysis::ModelSpec ModelOptions::spec() const {
  analysis::ModelSpec s;
  s.source = model;
  s.seed = seed;
  if (!mean.empty()) s.overrides.mean = analysis::parse_triple(mean, "--mean");
  if (!std.empty()) s.overrides.std = analysis::parse_triple(std, "--std");
  if (!channel_order.empty()) s.overrides.order = analysis::parse_channel_order(channel_order);
  if (resize >= 0) s.overrides.resize = resize;
  if (crop >= 0) s.overrides.crop = crop;
  if (stretch) s.overrides.stretch = true;
  return s;
}

void add_model_options(CLI::App& command, ModelOptions& o, const std::string& default_model) {
  auto* model = command.add_option(
      "--model,-m", o.model,
      "TorchScript file or LibTorch archive (preprocessing read from FILE.json if present), or "
      "builtin:vgg16, builtin:resnet18, builtin:progan256 (random weights)");
  if (default_model.empty()) {
    model->required();
  } else {
    o.model = default_model;
    model->capture_default_str();
  }
  command.add_option("--mean", o.mean, "Mean in 0-255 pixel units: R,G,B or one value");
  command.add_option("--std", o.std, "Std in 0-255 pixel units: R,G,B or one value");
  command.add_option("--resize", o.resize, "Resize the shorter side to N pixels (0: no resize)");
  command.add_flag("--stretch", o.stretch, "With --resize: make both sides N, ignoring aspect");
  command.add_option("--crop", o.crop, "Centre crop to NxN after resizing (0: no crop)");
  command.add_option("--channel-order", o.channel_order, "Channel order the model expects: rgb or bgr");
  command.add_option("--seed", o.seed, "Seed for the random weights of built-in models")
      ->capture_default_str();
  command.add_option("--threads", o.threads, "LibTorch threads (0: one per core)")
      ->capture_default_str();
}

}  // namespace unitscope::engine
