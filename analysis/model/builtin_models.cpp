#include "analysis/model/builtin_models.h"

#include <torch/nn.h>
#include <torch/serialize.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "analysis/model/builtin_parts.h"
#include "analysis/model/demo_nets.h"
#include "analysis/data/error.h"
#include "analysis/model/model_sources.h"

namespace unitscope::analysis {
namespace {

using nlohmann::json;
using namespace builtin;
// torchvision's BasicBlock, relu called twice as there.
class BasicBlock : public torch::nn::Module, public Node {
 public:
  BasicBlock(int in, int out, int stride)
      : conv1_(register_module("conv1", conv(in, out, 3, stride, 1, false))),
        bn1_(register_module("bn1", torch::nn::BatchNorm2d(out))),
        relu_(register_module("relu", torch::nn::ReLU())),
        conv2_(register_module("conv2", conv(out, out, 3, 1, 1, false))),
        bn2_(register_module("bn2", torch::nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      downsample_ = register_module("downsample", std::make_shared<Chain>());
      downsample_->push("Conv2d", conv(in, out, 1, stride, 0, false));
      downsample_->push("BatchNorm2d", torch::nn::BatchNorm2d(out));
    }
  }
  at::Tensor run(at::Tensor x, Tap& tap, const std::string& p, std::string_view) override {
    at::Tensor out = tap(p + "conv1", conv1_->forward(x));
    out = tap(p + "bn1", bn1_->forward(out));
    out = tap(p + "relu", relu_->forward(out));
    out = tap(p + "conv2", conv2_->forward(out));
    out = tap(p + "bn2", bn2_->forward(out));
    at::Tensor identity = x;
    if (downsample_) identity = tap(p + "downsample", downsample_->run(x, tap, p + "downsample.", {}));
    return tap(p + "relu", relu_->forward(out + identity));
  }
  void describe(const std::string& p, Layers& out) const override {
    for (const char* n : {"conv1", "bn1", "relu", "conv2", "bn2"}) {
      out.emplace_back(p + n, n[0] == 'c' ? "Conv2d" : n[0] == 'b' ? "BatchNorm2d" : "ReLU");
    }
    if (downsample_) {
      out.emplace_back(p + "downsample", "Sequential");
      downsample_->describe(p + "downsample.", out);
    }
  }
  bool can_start(std::string_view) const override { return false; }

 private:
  torch::nn::Conv2d conv1_;
  torch::nn::BatchNorm2d bn1_;
  torch::nn::ReLU relu_;
  torch::nn::Conv2d conv2_;
  torch::nn::BatchNorm2d bn2_;
  std::shared_ptr<Chain> downsample_;
};


std::string vgg_architecture(const VggConfig& c) {
  return json{{"type", "vgg"},          {"stages", c.stages},       {"batch_norm", c.batch_norm},
              {"in_channels", c.in_channels}, {"pool_size", c.pool_size}, {"hidden", c.hidden},
              {"dropout", c.dropout},   {"classes", c.classes}}
      .dump();
}

std::string join_names() {
  std::string s;
  for (const auto& n : builtin_model_names()) s += (s.empty() ? "builtin:" : ", builtin:") + n;
  return s;
}

// Runs a built-in network, tapping and editing as a request asks.
class RequestTap : public Tap {
 public:
  explicit RequestTap(const ForwardRequest& request) : request_(request) {
    result_.taps.resize(request.taps.size());
    for (std::size_t i = 0; i < request.taps.size(); ++i) taps_[request.taps[i]].push_back(i);
    for (const auto& e : request.edits) edits_[e.layer].push_back(&e);
    remaining_ = taps_.size();
  }
  at::Tensor operator()(const std::string& layer, at::Tensor x) override {
    if (auto it = edits_.find(layer); it != edits_.end()) {
      for (const LayerEdit* e : it->second) {
        if (e->scale.defined()) x = x * e->scale;
        if (e->shift.defined()) x = x + e->shift;
      }
    }
    if (auto it = taps_.find(layer); it != taps_.end()) {
      if (!result_.taps[it->second.front()].defined()) --remaining_;
      for (std::size_t i : it->second) result_.taps[i] = x;
    }
    // Stop only between top-level layers, so a module called twice (ResNet's relu) reports its
    // last call, as it does in the TorchScript path.
    if (!request_.want_output && remaining_ == 0 && layer.find('.') == std::string::npos) {
      throw StopForward{};
    }
    return x;
  }
  ForwardResult take() { return std::move(result_); }

 private:
  const ForwardRequest& request_;
  std::unordered_map<std::string, std::vector<std::size_t>> taps_;
  std::unordered_map<std::string, std::vector<const LayerEdit*>> edits_;
  std::size_t remaining_ = 0;
  ForwardResult result_;
};

class NoTap : public Tap {
 public:
  at::Tensor operator()(const std::string&, at::Tensor x) override { return x; }
};

class BuiltinModel : public Model {
 public:
  BuiltinModel(std::shared_ptr<BuiltinNet> net, std::string name, Preprocess preprocess,
               std::optional<Sidecar> sidecar)
      : Model(std::move(name), preprocess, std::move(sidecar)), net_(std::move(net)) {
    net_->eval();
    for (auto& [layer, type] : net_->layers()) {
      names_.push_back(layer);
      types_[layer] = type;
    }
  }
  std::vector<std::string> layer_names() const override { return names_; }
  bool can_start_at(const std::string& layer) override { return net_->can_start_at(layer); }

 protected:
  ForwardResult run(const std::string& start, const at::Tensor& input,
                    const ForwardRequest& request) override {
    RequestTap tap(request);
    at::Tensor out;
    try {
      out = net_->forward(input, tap, start);
    } catch (const StopForward&) {
    }
    ForwardResult result = tap.take();
    for (std::size_t i = 0; i < result.taps.size(); ++i) {
      if (!result.taps[i].defined()) {
        throw Error("layer " + request.taps[i] + " of " + name() + " was not reached" +
                    (start.empty() ? "" : " when starting after " + start));
      }
    }
    if (request.want_output) result.output = out;
    return result;
  }
  std::string layer_type(const std::string& layer) const override { return types_.at(layer); }

 private:
  std::shared_ptr<BuiltinNet> net_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::string> types_;
};

}  // namespace

at::Tensor BuiltinNet::forward(at::Tensor x) {
  NoTap tap;
  return forward(std::move(x), tap, "");
}

std::shared_ptr<BuiltinNet> make_vgg(const VggConfig& c, std::uint64_t seed) {
  if (c.stages.empty()) throw Error("architecture: a VGG needs at least one stage");
  check_positive(c.in_channels, "in_channels");
  check_positive(c.pool_size, "pool_size");
  check_positive(c.classes, "classes");
  auto net = std::make_shared<Chain>(vgg_architecture(c));
  auto features = net->add_node("features", "Sequential", std::make_shared<Chain>());
  int in = c.in_channels;
  for (const auto& stage : c.stages) {
    for (int out : stage) {
      check_positive(out, "stage width");
      features->push("Conv2d", conv(in, out, 3, 1, 1, true));
      if (c.batch_norm) features->push("BatchNorm2d", torch::nn::BatchNorm2d(out));
      features->push("ReLU", torch::nn::ReLU());
      in = out;
    }
    features->push("MaxPool2d", torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
  }
  net->add("avgpool", "AdaptiveAvgPool2d",
           torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(c.pool_size)));
  net->add_step([](const at::Tensor& x) { return x.flatten(1); });
  auto classifier = net->add_node("classifier", "Sequential", std::make_shared<Chain>());
  int width = in * c.pool_size * c.pool_size;
  for (int hidden : c.hidden) {
    check_positive(hidden, "hidden width");
    classifier->push("Linear", torch::nn::Linear(width, hidden));
    classifier->push("ReLU", torch::nn::ReLU());
    classifier->push("Dropout", torch::nn::Dropout(c.dropout));
    width = hidden;
  }
  classifier->push("Linear", torch::nn::Linear(width, c.classes));
  init_like_torchvision(*net, seed, /*normal_linear=*/true);
  return net;
}

std::shared_ptr<BuiltinNet> make_resnet18(int classes, std::uint64_t seed) {
  check_positive(classes, "classes");
  auto net = std::make_shared<Chain>(json{{"type", "resnet18"}, {"classes", classes}}.dump());
  net->add("conv1", "Conv2d", conv(3, 64, 7, 2, 3, false));
  net->add("bn1", "BatchNorm2d", torch::nn::BatchNorm2d(64));
  net->add("relu", "ReLU", torch::nn::ReLU());
  net->add("maxpool", "MaxPool2d",
           torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int in = 64;
  const int widths[] = {64, 128, 256, 512};
  for (int i = 0; i < 4; ++i) {
    auto layer = net->add_node("layer" + std::to_string(i + 1), "Sequential", std::make_shared<Chain>());
    for (int b = 0; b < 2; ++b) {
      const int stride = (i > 0 && b == 0) ? 2 : 1;
      layer->add_node(std::to_string(b), "BasicBlock", std::make_shared<BasicBlock>(in, widths[i], stride));
      in = widths[i];
    }
  }
  net->add("avgpool", "AdaptiveAvgPool2d",
           torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(1)));
  net->add_step([](const at::Tensor& x) { return x.flatten(1); });
  net->add("fc", "Linear", torch::nn::Linear(512, classes));
  init_like_torchvision(*net, seed, /*normal_linear=*/false);
  return net;
}

std::shared_ptr<BuiltinNet> make_builtin_net(const std::string& name_or_json, std::uint64_t seed) {
  if (name_or_json == "vgg16") return make_vgg(VggConfig{}, seed);
  if (name_or_json == "resnet18") return make_resnet18(1000, seed);
  if (name_or_json == "progan256") return make_generator(progan256_config(), seed);
  if (name_or_json.empty() || name_or_json.front() != '{') {
    throw Error("unknown built-in model \"builtin:" + name_or_json + "\"; built-in models are " +
                join_names());
  }
  try {
    const json j = json::parse(name_or_json);
    const std::string type = j.at("type").get<std::string>();
    if (type == "resnet18") return make_resnet18(j.value("classes", 1000), seed);
    if (auto net = make_demo_net(type, name_or_json, seed)) return net;
    if (type == "vgg") {
      VggConfig c;
      c.stages = j.at("stages").get<std::vector<std::vector<int>>>();
      c.batch_norm = j.value("batch_norm", c.batch_norm);
      c.in_channels = j.value("in_channels", c.in_channels);
      c.pool_size = j.value("pool_size", c.pool_size);
      c.hidden = j.value("hidden", c.hidden);
      c.dropout = j.value("dropout", c.dropout);
      c.classes = j.value("classes", c.classes);
      return make_vgg(c, seed);
    }
    throw Error("architecture type \"" + type + "\" is not built in (known: vgg, resnet18, segmenter, generator)");
  } catch (const json::exception& e) {
    throw Error(std::string("architecture: ") + e.what());
  }
}

std::unique_ptr<Model> wrap_builtin(std::shared_ptr<BuiltinNet> net, std::string name,
                                    Preprocess preprocess, std::optional<Sidecar> sidecar) {
  return std::make_unique<BuiltinModel>(std::move(net), std::move(name), preprocess,
                                        std::move(sidecar));
}

void save_builtin(BuiltinNet& net, const std::filesystem::path& path, Sidecar sidecar) {
  try {
    torch::serialize::OutputArchive archive;
    net.save(archive);
    archive.save_to(path.string());
  } catch (const c10::Error& e) {
    throw Error("cannot write model " + path.string() + ": " + e.what_without_backtrace());
  }
  sidecar.architecture = net.architecture();
  write_sidecar(path, sidecar);
}

std::unique_ptr<Model> open_builtin(const std::string& name, Preprocess preprocess,
                                    std::uint64_t seed) {
  std::optional<Sidecar> sidecar;
  if (name == "progan256") {
    sidecar.emplace();
    sidecar->input_shape = {progan256_config().latent};
  }
  return wrap_builtin(make_builtin_net(name, seed), "builtin:" + name, preprocess, std::move(sidecar));
}

std::unique_ptr<Model> open_builtin_archive(const std::filesystem::path& path, Preprocess preprocess,
                                            Sidecar sidecar) {
  auto net = make_builtin_net(sidecar.architecture, 0);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    net->load(archive);
  } catch (const c10::Error& e) {
    throw Error("cannot load weights for the architecture in " + sidecar_path(path).string() +
                " from " + path.string() + ": " + e.what_without_backtrace());
  }
  return wrap_builtin(std::move(net), path.string(), preprocess, std::move(sidecar));
}

}  // namespace unitscope::analysis
