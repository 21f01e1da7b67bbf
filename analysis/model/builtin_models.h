// Built-in LibTorch networks (VGG family, ResNet-18) with PyTorch's layer names and hook points.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "analysis/model/model.h"

namespace unitscope::analysis {

// Called with every named layer's output during a built-in forward; returns the value the forward
// continues with (so it can edit). May throw StopForward once nothing more is needed.
class Tap {
 public:
  virtual ~Tap() = default;
  virtual at::Tensor operator()(const std::string& layer, at::Tensor x) = 0;
};
struct StopForward {};

// A module tree whose forward reports to a Tap. Parameter names match torchvision's state dicts.
class BuiltinNet : public torch::nn::Module {
 public:
  // (name, module type) in named_modules() order, root excluded.
  virtual std::vector<std::pair<std::string, std::string>> layers() const = 0;
  virtual bool can_start_at(const std::string& layer) const = 0;
  // `start` empty: from the input; else `x` is the output of `start` (which is tapped again first).
  virtual at::Tensor forward(at::Tensor x, Tap& tap, const std::string& start) = 0;
  at::Tensor forward(at::Tensor x);  // no taps: for training and plain inference
  // The JSON a sidecar's "architecture" holds to rebuild this network.
  virtual std::string architecture() const = 0;
};

// torchvision's VGG: `features` (conv, [bn], relu per conv, maxpool per stage), `avgpool`
// (adaptive, pool_size), `classifier` (Linear/ReLU/Dropout per hidden width, then Linear).
struct VggConfig {
  std::vector<std::vector<int>> stages{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512},
                                       {512, 512, 512}};
  bool batch_norm = false;
  int in_channels = 3;
  int pool_size = 7;
  std::vector<int> hidden{4096, 4096};
  float dropout = 0.5f;
  int classes = 1000;
};

// Weights are drawn as torchvision initialises them, from `seed` (the global RNG is untouched).
std::shared_ptr<BuiltinNet> make_vgg(const VggConfig& config, std::uint64_t seed);
std::shared_ptr<BuiltinNet> make_resnet18(int classes, std::uint64_t seed);
// "vgg16", "resnet18", or an architecture JSON object as BuiltinNet::architecture() writes it.
std::shared_ptr<BuiltinNet> make_builtin_net(const std::string& name_or_json, std::uint64_t seed);

// Puts `net` in eval mode; a trainer sharing it must call train() again before training on.
std::unique_ptr<Model> wrap_builtin(std::shared_ptr<BuiltinNet> net, std::string name,
                                    Preprocess preprocess, std::optional<Sidecar> sidecar);

// Writes the weights as a LibTorch archive at `path` and the architecture into its sidecar, so
// open_model(path) rebuilds it. Other sidecar fields come from `sidecar`.
void save_builtin(BuiltinNet& net, const std::filesystem::path& path, Sidecar sidecar);

}  // namespace unitscope::analysis
