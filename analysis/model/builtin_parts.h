// Internal building blocks of the built-in networks: tapped chains and torchvision-style init.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/model/builtin_models.h"
#include "analysis/data/error.h"

namespace unitscope::analysis::builtin {

using Layers = std::vector<std::pair<std::string, std::string>>;

// A module whose forward reports its own children to the Tap. `prefix` ends with '.' (or is empty).
class Node {
 public:
  virtual ~Node() = default;
  virtual at::Tensor run(at::Tensor x, Tap& tap, const std::string& prefix,
                         std::string_view start) = 0;
  virtual void describe(const std::string& prefix, Layers& out) const = 0;
  virtual bool can_start(std::string_view rest) const = 0;
};

inline std::pair<std::string_view, std::string_view> split_first(std::string_view path) {
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) return {path, {}};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

// torch.nn.Sequential's naming ("0", "1", ...) with a tap after each child; also the root of a
// whole network, so that parameter names get no extra prefix. Unnamed items are functional steps
// (flatten) that PyTorch has no module for, so they are neither listed nor tapped.
class Chain : public BuiltinNet, public Node {
 public:
  explicit Chain(std::string architecture = {}) : architecture_(std::move(architecture)) {}

  template <class Holder>
  Holder add(const std::string& name, const std::string& type, Holder holder) {
    register_module(name, holder.ptr());
    items_.push_back({name, type, nullptr, [m = holder.ptr()](const at::Tensor& x) { return m->forward(x); }});
    return holder;
  }
  template <class Holder>
  Holder push(const std::string& type, Holder holder) {
    // Numbered like torch.nn.Sequential: functional steps take no number.
    std::size_t named = 0;
    for (const Item& item : items_) named += item.name.empty() ? 0 : 1;
    return add(std::to_string(named), type, std::move(holder));
  }
  template <class M>
  std::shared_ptr<M> add_node(const std::string& name, const std::string& type,
                              std::shared_ptr<M> module) {
    register_module(name, module);
    items_.push_back({name, type, module.get(), {}});
    return module;
  }
  void add_step(std::function<at::Tensor(const at::Tensor&)> f) {
    items_.push_back({"", "", nullptr, std::move(f)});
  }

  at::Tensor run(at::Tensor x, Tap& tap, const std::string& prefix, std::string_view start) override {
    std::size_t i = 0;
    if (!start.empty()) {
      const auto [head, rest] = split_first(start);
      while (i < items_.size() && items_[i].name != head) ++i;
      const Item& item = items_.at(i);
      if (!rest.empty()) x = item.node->run(x, tap, prefix + item.name + ".", rest);
      x = tap(prefix + item.name, x);
      ++i;
    }
    for (; i < items_.size(); ++i) {
      const Item& item = items_[i];
      x = item.node ? item.node->run(x, tap, prefix + item.name + ".", {}) : item.f(x);
      if (!item.name.empty()) x = tap(prefix + item.name, x);
    }
    return x;
  }
  void describe(const std::string& prefix, Layers& out) const override {
    for (const Item& item : items_) {
      if (item.name.empty()) continue;
      out.emplace_back(prefix + item.name, item.type);
      if (item.node) item.node->describe(prefix + item.name + ".", out);
    }
  }
  bool can_start(std::string_view rest) const override {
    const auto [head, tail] = split_first(rest);
    for (const Item& item : items_) {
      if (!item.name.empty() && item.name == head) {
        return tail.empty() || (item.node && item.node->can_start(tail));
      }
    }
    return false;
  }

  Layers layers() const override {
    Layers out;
    describe("", out);
    return out;
  }
  bool can_start_at(const std::string& layer) const override { return can_start(layer); }
  using BuiltinNet::forward;
  at::Tensor forward(at::Tensor x, Tap& tap, const std::string& start) override {
    return run(std::move(x), tap, "", start);
  }
  std::string architecture() const override { return architecture_; }

 private:
  struct Item {
    std::string name;
    std::string type;
    Node* node;  // owned as a registered submodule
    std::function<at::Tensor(const at::Tensor&)> f;
  };
  std::string architecture_;
  std::vector<Item> items_;
};

inline torch::nn::Conv2d conv(int in, int out, int k, int stride, int pad, bool bias) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(bias));
}

// Tensors of at least this many values are drawn in parallel, kInitChunk values per generator.
constexpr std::int64_t kParallelInit = std::int64_t{1} << 20;
constexpr std::int64_t kInitChunk = std::int64_t{1} << 16;

// Draws a tensor's values from N(a, b) (`normal`) or U(a, b). Small tensors take the next values
// of `gen`, so small networks (the demo models, which tools/ trains from this start) keep their
// weights; a large one is cut into chunks whose generators are seeded from (seed, tensor, chunk),
// so threads may fill them in any order with the same result.
inline void init_values(const at::Tensor& t, bool normal, double a, double b, at::Generator& gen,
                        std::uint64_t seed, std::uint64_t tensor) {
  const at::Tensor flat = t.detach().view(-1);
  const std::int64_t n = flat.numel();
  auto draw = [&](at::Tensor values, at::Generator& g) {
    if (normal) {
      values.normal_(a, b, g);
    } else {
      values.uniform_(a, b, g);
    }
  };
  if (n < kParallelInit) {
    draw(flat, gen);
    return;
  }
  // OpenMP's threads do not inherit this one's inference mode, which in-place writes to tensors
  // made under it need.
  const bool inference = c10::InferenceMode::is_enabled();
  at::parallel_for(0, (n + kInitChunk - 1) / kInitChunk, 1, [&](std::int64_t begin, std::int64_t end) {
    const c10::InferenceMode mode(inference);
    for (std::int64_t c = begin; c < end; ++c) {
      // splitmix64 of the three numbers: well-spread seeds for neighbouring chunks.
      std::uint64_t z = seed ^ (tensor << 40) ^ static_cast<std::uint64_t>(c);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      at::Generator g = at::make_generator<at::CPUGeneratorImpl>(z ^ (z >> 31));
      draw(flat.narrow(0, c * kInitChunk, std::min(kInitChunk, n - c * kInitChunk)), g);
    }
  });
}

// torchvision's initialisation, drawn from a private generator so the global RNG is untouched.
inline void init_like_torchvision(torch::nn::Module& net, std::uint64_t seed, bool normal_linear) {
  torch::NoGradGuard no_grad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::uint64_t tensor = 0;
  for (auto& m : net.modules(/*include_self=*/false)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) {
      const double fan_out = double(c->weight.size(0)) * c->weight.size(2) * c->weight.size(3);
      init_values(c->weight, true, 0.0, std::sqrt(2.0 / fan_out), gen, seed, tensor++);
      if (c->bias.defined()) c->bias.zero_();
    } else if (auto* b = m->as<torch::nn::BatchNorm2d>()) {
      b->weight.fill_(1.0);
      b->bias.zero_();
    } else if (auto* l = m->as<torch::nn::Linear>()) {
      if (normal_linear) {
        init_values(l->weight, true, 0.0, 0.01, gen, seed, tensor++);
        l->bias.zero_();
      } else {
        const double bound = 1.0 / std::sqrt(double(l->weight.size(1)));
        init_values(l->weight, false, -bound, bound, gen, seed, tensor++);
        init_values(l->bias, false, -bound, bound, gen, seed, tensor++);
      }
    }
  }
}

inline void check_positive(int v, const std::string& what) {
  if (v <= 0) throw Error("architecture: " + what + " must be positive, got " + std::to_string(v));
}

}  // namespace unitscope::analysis::builtin
