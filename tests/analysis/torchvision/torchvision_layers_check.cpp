// Checks unitscope's taps of a torchvision model (traced or scripted, made by make_fixture.py)
// against what PyTorch's own forward hooks saw on the same input: the same layer names, the same
// shapes, and the same values to 1e-5 of each layer's scale.
// Usage: torchvision_layers_check STEM   (reads STEM.pt, STEM.json and STEM.input.bin)
// Prints "ARCH MODE: N layers match PyTorch's hooks (largest error E of a layer's RMS)".
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis/data/error.h"
#include "analysis/model/model.h"

namespace {

namespace analysis = unitscope::analysis;

constexpr double kTolerance = 1e-5;
int failures = 0;

void fail(const std::string& what) {
  std::printf("FAIL: %s\n", what.c_str());
  ++failures;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

at::Tensor read_input(const std::string& path, std::int64_t size) {
  std::ifstream in(path, std::ios::binary);
  at::Tensor x = at::empty({1, 3, size, size}, at::kFloat);
  in.read(reinterpret_cast<char*>(x.data_ptr<float>()), std::streamsize(x.numel() * sizeof(float)));
  if (!in) throw analysis::Error("cannot read " + std::to_string(x.numel()) + " floats from " + path);
  return x;
}

// A layer's values against the hook's: sum, sum of squares and the sampled values, each within
// kTolerance of the layer's scale. Returns the largest error in units of that scale.
double compare(const std::string& name, const at::Tensor& tap, const nlohmann::json& want) {
  const at::Tensor flat = tap.to(at::kDouble).flatten();
  const double n = double(flat.numel());
  const double sumsq = want["sumsq"];
  const double rms = std::max(1e-12, std::sqrt(sumsq / n));
  double worst = 0;
  const auto* v = flat.data_ptr<double>();
  for (const auto& s : want["samples"]) {
    const std::int64_t i = s[0];
    const double expected = s[1];
    if (i >= flat.numel()) {
      fail(name + ": sample index " + std::to_string(i) + " outside " + std::to_string(flat.numel()) + " values");
      return worst;
    }
    worst = std::max(worst, std::abs(v[i] - expected) / rms);
  }
  // The sum over n values: its error grows with sqrt(n) of the per-value error.
  worst = std::max(worst, std::abs(flat.sum().item<double>() - double(want["sum"])) / (rms * std::sqrt(n) * n));
  worst = std::max(worst, std::abs(flat.pow(2).sum().item<double>() - sumsq) / (sumsq + 1e-30));
  if (!(worst <= kTolerance)) fail(name + ": values differ from the hook's by " + std::to_string(worst) + " of RMS");
  return worst;
}

int run(const std::string& stem) {
  std::ifstream meta_in(stem + ".json");
  if (!meta_in) throw analysis::Error("cannot read " + stem + ".json");
  const nlohmann::json meta = nlohmann::json::parse(meta_in);
  const std::int64_t size = meta["size"];
  analysis::ModelSpec spec;
  spec.source = stem + ".pt";
  auto model = analysis::open_model(spec);

  // Names: every layer a hook saw return a tensor is tappable, and nothing else is, unless the
  // model says why (a call inside a branch or loop the graph keeps).
  const std::vector<std::string> names = model->layer_names();
  const std::set<std::string> tappable(names.begin(), names.end());
  std::map<std::string, std::string> untappable;
  for (const auto& u : model->untappable_layers()) untappable[u.name] = u.reason;
  std::map<std::string, const nlohmann::json*> hooked;
  for (const auto& l : meta["layers"]) hooked[l["name"]] = &l;
  // Excused: a call the graph keeps inside a branch or loop; a (tensor, None) pair a script keeps as
  // a tuple; a module a trace recorded no operation for (an identity in eval mode).
  const bool traced = meta["mode"] == "traced";
  const auto excusable = [&](const nlohmann::json& l, const std::string& reason) {
    return reason.find("inside") != std::string::npos ||
           (l.value("in_tuple", false) && reason.find("not a tensor") != std::string::npos) ||
           (traced && reason.find("records no operation") != std::string::npos);
  };
  int excused = 0;
  for (const auto& [name, l] : hooked) {
    if (tappable.count(name)) continue;
    auto u = untappable.find(name);
    if (u != untappable.end() && excusable(*l, u->second)) {
      std::printf("not tappable: %s (%s)\n", name.c_str(), u->second.c_str());
      ++excused;
      continue;
    }
    fail("layer " + name + " returned a tensor to PyTorch's hook but is not tappable" +
         (u != untappable.end() ? ": " + u->second : std::string()));
  }
  for (const std::string& name : names)
    if (!hooked.count(name)) fail("layer " + name + " is listed, but PyTorch's hooks saw no tensor from it");

  // Shapes from `layers` (a forward of zeros), values from one forward of the fixture's input.
  for (const analysis::LayerInfo& info : model->layers(int(size))) {
    auto h = hooked.find(info.name);
    if (h == hooked.end()) continue;
    std::vector<std::int64_t> want = (*h->second)["shape"];
    want.erase(want.begin());
    if (info.shape != want) fail(info.name + ": shape " + shape_text(info.shape) + ", the hook's " + shape_text(want));
  }
  analysis::ForwardRequest request;
  for (const std::string& name : names)
    if (hooked.count(name)) request.taps.push_back(name);
  analysis::ForwardResult result;
  {
    c10::InferenceMode guard;
    result = model->forward(read_input(stem + ".input.bin", size), request);
  }
  double worst = 0;
  for (std::size_t i = 0; i < request.taps.size(); ++i)
    worst = std::max(worst, compare(request.taps[i], result.taps[i], *hooked.at(request.taps[i])));
  const std::string arch = meta["arch"], mode = meta["mode"];
  std::printf("%s %s: %zu layers %s PyTorch's hooks (largest error %.2g of a layer's RMS), %d not tappable\n",
              arch.c_str(), mode.c_str(), request.taps.size(), failures ? "checked, with failures, against" : "match",
              worst, excused);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s STEM (reads STEM.pt, STEM.json, STEM.input.bin)\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
}
