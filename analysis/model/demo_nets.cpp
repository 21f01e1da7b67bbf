#include "analysis/model/demo_nets.h"

#include <torch/nn.h>

#include <nlohmann/json.hpp>

#include "analysis/model/builtin_parts.h"
#include "analysis/data/error.h"

namespace unitscope::analysis {
namespace {

using nlohmann::json;
using namespace builtin;

std::shared_ptr<Chain> conv_bn_relu(std::shared_ptr<Chain> seq, int in, int out) {
  seq->push("Conv2d", conv(in, out, 3, 1, 1, false));
  seq->push("BatchNorm2d", torch::nn::BatchNorm2d(out));
  seq->push("ReLU", torch::nn::ReLU());
  return seq;
}

// U-Net-like: the skips make it a graph, so it is its own Node rather than a Chain.
class Segmenter : public BuiltinNet, public Node {
 public:
  explicit Segmenter(const SegmenterConfig& c) : config_(c) {
    if (c.encoder.size() != 4 || c.decoder.size() != 3) {
      throw Error("architecture: a segmenter has 4 encoder and 3 decoder widths");
    }
    for (int w : c.encoder) check_positive(w, "encoder width");
    for (int w : c.decoder) check_positive(w, "decoder width");
    check_positive(c.classes, "classes");
    int in = 3;
    for (int i = 0; i < 4; ++i) {
      auto seq = std::make_shared<Chain>();
      if (i > 0) seq->push("MaxPool2d", torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
      conv_bn_relu(seq, in, c.encoder[std::size_t(i)]);
      conv_bn_relu(seq, c.encoder[std::size_t(i)], c.encoder[std::size_t(i)]);
      in = c.encoder[std::size_t(i)];
      enc_.push_back(register_module("enc" + std::to_string(i + 1), seq));
    }
    for (int i = 0; i < 3; ++i) {
      const int skip = c.encoder[std::size_t(2 - i)];
      const int out = c.decoder[std::size_t(i)];
      auto seq = conv_bn_relu(std::make_shared<Chain>(), in + skip, out);
      in = out;
      dec_.push_back(register_module("dec" + std::to_string(3 - i), seq));
    }
    head_ = register_module("head", conv(in, c.classes, 1, 1, 0, true));
  }

  at::Tensor run(at::Tensor x, Tap& tap, const std::string& p, std::string_view) override {
    if (x.dim() != 4 || x.size(2) % 8 != 0 || x.size(3) % 8 != 0) {
      throw Error("the segmenter needs an [N, 3, H, W] input with H and W divisible by 8");
    }
    std::vector<at::Tensor> skips;
    for (std::size_t i = 0; i < enc_.size(); ++i) {
      const std::string name = "enc" + std::to_string(i + 1);
      x = tap(p + name, enc_[i]->run(x, tap, p + name + ".", {}));
      skips.push_back(x);
    }
    for (std::size_t i = 0; i < dec_.size(); ++i) {
      const std::string name = "dec" + std::to_string(3 - i);
      const at::Tensor up = at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2});
      x = at::cat({up, skips[2 - i]}, 1);
      x = tap(p + name, dec_[i]->run(x, tap, p + name + ".", {}));
    }
    return tap(p + "head", head_->forward(x));
  }
  void describe(const std::string& p, Layers& out) const override {
    for (std::size_t i = 0; i < enc_.size(); ++i) {
      const std::string name = "enc" + std::to_string(i + 1);
      out.emplace_back(p + name, "Sequential");
      enc_[i]->describe(p + name + ".", out);
    }
    for (std::size_t i = 0; i < dec_.size(); ++i) {
      const std::string name = "dec" + std::to_string(3 - i);
      out.emplace_back(p + name, "Sequential");
      dec_[i]->describe(p + name + ".", out);
    }
    out.emplace_back(p + "head", "Conv2d");
  }
  bool can_start(std::string_view) const override { return false; }

  Layers layers() const override {
    Layers out;
    describe("", out);
    return out;
  }
  bool can_start_at(const std::string&) const override { return false; }
  using BuiltinNet::forward;
  at::Tensor forward(at::Tensor x, Tap& tap, const std::string& start) override {
    if (!start.empty()) throw Error("the segmenter cannot start a forward at " + start);
    return run(std::move(x), tap, "", {});
  }
  std::string architecture() const override {
    return json{{"type", "segmenter"},
                {"encoder", config_.encoder},
                {"decoder", config_.decoder},
                {"classes", config_.classes}}
        .dump();
  }

 private:
  SegmenterConfig config_;
  std::vector<std::shared_ptr<Chain>> enc_;
  std::vector<std::shared_ptr<Chain>> dec_;
  torch::nn::Conv2d head_{nullptr};
};

std::string generator_architecture(const GeneratorConfig& c) {
  return json{{"type", "generator"},
              {"style", c.style},
              {"latent", c.latent},
              {"start_size", c.start_size},
              {"widths", c.widths}}
      .dump();
}

at::Tensor pixel_norm(const at::Tensor& x) {
  return x * at::rsqrt(x.pow(2).mean(1, /*keepdim=*/true) + 1e-8);
}

}  // namespace

std::shared_ptr<BuiltinNet> make_segmenter(const SegmenterConfig& config, std::uint64_t seed) {
  auto net = std::make_shared<Segmenter>(config);
  init_like_torchvision(*net, seed, /*normal_linear=*/false);
  return net;
}

GeneratorConfig progan256_config() {
  GeneratorConfig c;
  c.style = "progan";
  c.latent = 512;
  c.start_size = 4;
  c.widths = {512, 512, 512, 512, 256, 128, 64};
  return c;
}

std::shared_ptr<BuiltinNet> make_generator(const GeneratorConfig& c, std::uint64_t seed) {
  if (c.style != "dcgan" && c.style != "progan") {
    throw Error("architecture: generator style must be dcgan or progan, got " + c.style);
  }
  if (c.widths.empty()) throw Error("architecture: a generator needs at least one layer width");
  check_positive(c.latent, "latent");
  check_positive(c.start_size, "start_size");
  const bool progan = c.style == "progan";
  auto net = std::make_shared<Chain>(generator_architecture(c));
  const int latent = c.latent;
  net->add_step([latent](const at::Tensor& z) {
    if (z.dim() == 2 && z.size(1) == latent) return z.view({z.size(0), latent, 1, 1});
    if (z.dim() == 4 && z.size(1) == latent && z.size(2) == 1 && z.size(3) == 1) return z;
    throw Error("the generator takes [N, " + std::to_string(latent) + "] latent vectors");
  });
  int in = c.latent;
  for (std::size_t i = 0; i < c.widths.size(); ++i) {
    const int out = c.widths[i];
    check_positive(out, "layer width");
    auto seq = std::make_shared<Chain>();
    if (i == 0) {
      if (progan) seq->add_step(pixel_norm);
      seq->push("ConvTranspose2d",
                torch::nn::ConvTranspose2d(
                    torch::nn::ConvTranspose2dOptions(in, out, c.start_size).bias(progan)));
    } else {
      seq->push("Upsample", torch::nn::Upsample(torch::nn::UpsampleOptions()
                                                    .scale_factor(std::vector<double>{2.0, 2.0})
                                                    .mode(torch::kNearest)));
      seq->push("Conv2d", conv(in, out, 3, 1, 1, progan));
    }
    if (progan) {
      seq->push("LeakyReLU", torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)));
      seq->add_step(pixel_norm);
    } else {
      seq->push("BatchNorm2d", torch::nn::BatchNorm2d(out));
      seq->push("ReLU", torch::nn::ReLU());
    }
    net->add_node("layer" + std::to_string(i + 1), "Sequential", seq);
    in = out;
  }
  auto output = net->add_node("output", "Sequential", std::make_shared<Chain>());
  output->push("Conv2d", conv(in, 3, 3, 1, 1, true));
  output->push("Tanh", torch::nn::Tanh());
  init_like_torchvision(*net, seed, /*normal_linear=*/false);
  {
    // A small output conv starts the generator near mid-grey instead of saturated tanh.
    torch::NoGradGuard no_grad;
    for (auto& m : net->modules(false)) {
      if (auto* t = m->as<torch::nn::ConvTranspose2d>())
        init_values(t->weight, true, 0.0, 0.02 * std::sqrt(512.0 / double(t->weight.size(0))), seed + 1, 0);
    }
  }
  return net;
}

CriticImpl::CriticImpl(int image_size, std::vector<int> widths, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  int in = 3;
  int size = image_size;
  auto add = [&](int out, int k, int stride, int pad, int fan_in) {
    Layer l;
    const std::string i = std::to_string(layers_.size());
    const double bound = 1.0 / std::sqrt(double(fan_in));
    const std::uint64_t tensor = 2 * layers_.size();
    l.weight = register_parameter("weight" + i, at::empty({out, in, k, k}));
    init_values(l.weight, false, -bound, bound, seed, tensor);
    l.bias = register_parameter("bias" + i, at::zeros({out}));
    l.u = register_buffer("u" + i, at::empty({out}));
    init_values(l.u, true, 0.0, 1.0, seed, tensor + 1);
    l.u /= l.u.norm() + 1e-12;
    l.stride = stride;
    l.pad = pad;
    layers_.push_back(l);
  };
  for (int w : widths) {
    add(w, 4, 2, 1, in * 16);
    in = w;
    size /= 2;
  }
  // The score is a conv over the whole remaining map, i.e. a linear layer on it.
  add(1, size, 1, 0, in * size * size);
}

at::Tensor CriticImpl::normalized(Layer& l) {
  const at::Tensor w = l.weight.view({l.weight.size(0), -1});
  {
    torch::NoGradGuard no_grad;
    at::Tensor v = at::mv(w.t(), l.u);
    v /= v.norm() + 1e-12;
    at::Tensor u = at::mv(w, v);
    u /= u.norm() + 1e-12;
    l.u.copy_(u);
  }
  // A copy: the next forward updates l.u in place while this graph still needs this value.
  const at::Tensor u = l.u.clone();
  at::Tensor v = at::mv(w.t(), u).detach();
  v /= v.norm() + 1e-12;
  const at::Tensor sigma = at::dot(u, at::mv(w, v));
  return l.weight / sigma;
}

at::Tensor CriticImpl::forward(const at::Tensor& images) {
  at::Tensor x = images;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = layers_[i];
    x = at::conv2d(x, normalized(l), l.bias, {l.stride, l.stride}, {l.pad, l.pad});
    if (i + 1 < layers_.size()) x = at::leaky_relu(x, 0.2);
  }
  return x.flatten();
}

std::shared_ptr<BuiltinNet> make_demo_net(const std::string& type, const std::string& json_text,
                                          std::uint64_t seed) {
  const json j = json::parse(json_text);
  if (type == "segmenter") {
    SegmenterConfig c;
    c.encoder = j.value("encoder", c.encoder);
    c.decoder = j.value("decoder", c.decoder);
    c.classes = j.value("classes", c.classes);
    return make_segmenter(c, seed);
  }
  if (type == "generator") {
    GeneratorConfig c;
    c.style = j.value("style", c.style);
    c.latent = j.value("latent", c.latent);
    c.start_size = j.value("start_size", c.start_size);
    c.widths = j.value("widths", c.widths);
    return make_generator(c, seed);
  }
  return nullptr;
}

}  // namespace unitscope::analysis
