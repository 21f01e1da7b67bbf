// Internal building blocks of the built-in networks: tapped chains and torchvision-style init.
#pragma once

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

#include "analysis/model/builtin_init.h"
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

inline void check_positive(int v, const std::string& what) {
  if (v <= 0) throw Error("architecture: " + what + " must be positive, got " + std::to_string(v));
}

}  // namespace unitscope::analysis::builtin
