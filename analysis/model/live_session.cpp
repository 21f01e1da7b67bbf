#include "analysis/model/live_session.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>

#include "analysis/data/error.h"
#include "analysis/data/label_view.h"
#include "analysis/model/layer_maps.h"
#include "analysis/model/model.h"
#include "analysis/model/generator_io.h"

namespace unitscope::analysis {
namespace {

constexpr int kTopK = 5;
constexpr std::size_t kImageBatch = 16;

bool is_pooling(const std::string& type) { return type.find("Pool") != std::string::npos; }

// Maps on a grid larger than 1 x 1, in any layout layer_layout.h reads ([C, H, W], channels last, tokens).
bool has_maps(const LayerInfo& l) {
  const LayerLayout layout = guess_layout(l.shape);
  if (layout == LayerLayout::kAuto || l.shape.size() < 2) return false;
  const UnitGrid grid = unit_grid(l.shape, layout, l.name);
  return grid.height * grid.width > 1;
}

std::string parent_of(const std::string& name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(0, dot);
}

std::string choose_default_layer(const std::vector<LayerInfo>& layers, LiveKind kind) {
  if (kind == LiveKind::kGenerator) {
    std::vector<const LayerInfo*> top, all;
    for (const auto& l : layers) {
      if (!has_maps(l)) continue;
      all.push_back(&l);
      if (l.name.find('.') == std::string::npos) top.push_back(&l);
    }
    const auto& pool = top.empty() ? all : top;
    return pool.empty() ? std::string() : pool[(pool.size() - 1) / 2]->name;
  }
  const LayerInfo* last = nullptr;
  for (const auto& l : layers) {
    if (has_maps(l) && !is_pooling(l.type)) last = &l;
  }
  if (!last) return {};
  // A block's output is the unit of choice where the last map sits inside it (ResNet's layer4).
  std::string best = last->name;
  for (std::string p = parent_of(best); !p.empty(); p = parent_of(p)) {
    const auto it =
        std::find_if(layers.begin(), layers.end(), [&](const LayerInfo& l) { return l.name == p; });
    if (it != layers.end() && it->shape == last->shape) best = p;
  }
  return best;
}

std::string shape_text(at::IntArrayRef shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

// [1, C, ...] -> C, H, W with the maps' values and per-unit maxima.
void fill_maps(const at::Tensor& tap, const std::string& layer, LiveFrame& f) {
  at::Tensor t = tap.to(at::kFloat);
  // Channels-last maps and tokens show as [C, H, W] maps too (their layout guessed from the shape).
  const std::vector<std::int64_t> shape(t.sizes().begin() + 1, t.sizes().end());
  const LayerLayout layout = guess_layout(shape);
  if (layout != LayerLayout::kAuto && layout != LayerLayout::kChannels) t = to_unit_maps(t, unit_grid(shape, layout, layer));
  t = t.contiguous();  // no copy when it already is
  if (t.dim() < 2 || t.dim() > 4) {
    throw Error("layer " + layer + " gives maps of shape " + shape_text(t.sizes()) +
                "; the live view needs [C], [C, W] or [C, H, W] per sample");
  }
  f.layer = layer;
  f.channels = int(t.size(1));
  f.height = t.dim() == 4 ? int(t.size(2)) : 1;
  f.width = t.dim() >= 3 ? int(t.size(t.dim() - 1)) : 1;
  const std::size_t plane = std::size_t(f.height) * std::size_t(f.width);
  const float* src = t.data_ptr<float>();
  f.activations.assign(src, src + plane * std::size_t(f.channels));
  f.unit_max.resize(std::size_t(f.channels));
  for (std::size_t c = 0; c < f.unit_max.size(); ++c) {
    const float* p = src + c * plane;
    f.unit_max[c] = plane ? *std::max_element(p, p + plane) : 0.0f;
  }
}

// Spherical interpolation, exact at the ends; a and b nearly parallel fall back to a straight line.
std::vector<float> slerp(const std::vector<float>& a, const std::vector<float>& b, float mix) {
  const double t = std::clamp(double(mix), 0.0, 1.0);
  if (t == 0.0) return a;
  if (t == 1.0) return b;
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  const double cosine = na > 0 && nb > 0 ? std::clamp(dot / std::sqrt(na * nb), -1.0, 1.0) : 1.0;
  const double omega = std::acos(cosine);
  const double so = std::sin(omega);
  double wa = 1.0 - t, wb = t;
  if (so > 1e-6) {
    wa = std::sin((1.0 - t) * omega) / so;
    wb = std::sin(t * omega) / so;
  }
  std::vector<float> z(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) z[i] = float(wa * a[i] + wb * b[i]);
  return z;
}

}  // namespace

struct LiveSession::Impl {
  std::unique_ptr<Model> model;
  LiveModelInfo info;
  std::string layer;
  bool can_start = false;  // edits at `layer` can re-run only the network after it

  // The last input and what is known about it without edits.
  struct Input {
    bool valid = false;
    LatentPoint a, b;
    float mix = 0.0f;
    Image image;
    at::Tensor tensor;
    at::Tensor activation;  // [1, ...] at `layer`
    at::Tensor output;      // undefined until needed
  } input;
  std::vector<std::int64_t> latent_shape;  // a generator's per-sample latent ([512], [512, 1, 1], ...)
  // Shapes of edited layers other than `layer`, by layer and input size.
  std::map<std::pair<std::string, std::vector<std::int64_t>>, std::vector<std::int64_t>> shapes;

  explicit Impl(const LiveOptions& o) {
    if (o.threads > 0) set_threads(o.threads);
    model = open_model(o.model);
    info.name = model->name();
    info.kind = model->is_generator() ? LiveKind::kGenerator : LiveKind::kClassifier;
    const int size = model->default_size();
    info.layers = model->layers(size);
    info.default_layer = choose_default_layer(info.layers, info.kind);
    c10::InferenceMode guard;
    // One forward at the model's size: output shape, and the first (slow) TorchScript run.
    at::Tensor probe;
    if (info.kind == LiveKind::kGenerator) {
      latent_shape = model->latent_shape();
      std::vector<std::int64_t> sizes{1};
      sizes.insert(sizes.end(), latent_shape.begin(), latent_shape.end());
      probe = at::zeros(sizes);
      info.latent_size = int(probe.numel());
    } else {
      info.input_size = size;
      probe = at::zeros({1, 3, size, size});
    }
    ForwardRequest request;
    const at::Tensor out = model->forward(probe, request).output;
    if (info.kind == LiveKind::kGenerator) {
      if (out.dim() != 4 || out.size(1) != 3) {
        throw Error("model " + info.name + " is not an image generator: it gives output of shape " +
                    shape_text(out.sizes()) + ", not [N, 3, H, W]");
      }
      info.output_height = int(out.size(2));
      info.output_width = int(out.size(3));
    } else if (out.dim() == 2) {
      const auto& named = model->sidecar() ? model->sidecar()->classes : std::vector<std::string>{};
      for (std::int64_t k = 0; k < out.size(1); ++k) {
        info.classes.push_back(std::size_t(k) < named.size() ? named[std::size_t(k)]
                                                             : "class " + std::to_string(k));
      }
    }
    const std::string& chosen = o.layer.empty() ? info.default_layer : o.layer;
    if (chosen.empty())
      throw Error("model " + info.name + " has no layer with spatial maps; name one");
    set_layer(chosen);
  }

  void set_layer(const std::string& name) {
    model->check_layer(name);
    layer = name;
    can_start = model->can_start_at(name);
    input.activation = at::Tensor();
    input.output = at::Tensor();
  }

  std::vector<float> latent(const LatentPoint& p) const {
    const at::Tensor t = sample_latents(p.seed, p.index, 1, info.latent_size).contiguous();
    return {t.data_ptr<float>(), t.data_ptr<float>() + t.numel()};
  }

  // Points `input` at the request's input, keeping what is known when it is the same as last time.
  void set_input(const LiveRequest& r) {
    if (info.kind == LiveKind::kGenerator) {
      const float mix = std::clamp(r.mix, 0.0f, 1.0f);
      if (input.valid && input.a.seed == r.latent_a.seed && input.a.index == r.latent_a.index &&
          input.b.seed == r.latent_b.seed && input.b.index == r.latent_b.index &&
          input.mix == mix) {
        return;
      }
      const std::vector<float> z = slerp(latent(r.latent_a), latent(r.latent_b), mix);
      std::vector<std::int64_t> sizes{1};
      sizes.insert(sizes.end(), latent_shape.begin(), latent_shape.end());
      input.tensor = at::empty(sizes, at::kFloat);
      std::memcpy(input.tensor.data_ptr<float>(), z.data(), z.size() * sizeof(float));
      input.a = r.latent_a;
      input.b = r.latent_b;
      input.mix = mix;
    } else {
      const Image& im = r.image;
      if (im.empty()) throw Error("no image given to the live classifier " + info.name);
      if (input.valid && input.image.width == im.width && input.image.height == im.height &&
          input.image.channels == im.channels && input.image.pixels == im.pixels) {
        return;
      }
      input.tensor = model->prepare(std::span<const Image>(&im, 1));
      input.image = im;
    }
    input.valid = true;
    input.activation = at::Tensor();
    input.output = at::Tensor();
  }

  at::Tensor tap(const at::Tensor& x, const std::string& name) {
    ForwardRequest request;
    request.taps = {name};
    request.want_output = false;
    return model->forward(x, request).taps.at(0);
  }

  const at::Tensor& activation() {
    if (!input.activation.defined()) input.activation = tap(input.tensor, layer);
    return input.activation;
  }

  const at::Tensor& unedited_output() {
    if (!input.output.defined()) {
      ForwardRequest request;
      input.output = can_start ? model->forward_from(layer, activation(), request).output
                               : model->forward(input.tensor, request).output;
    }
    return input.output;
  }

  std::vector<std::int64_t> shape_of(const std::string& name) {
    if (name == layer) {
      const auto s = activation().sizes();
      return {s.begin() + 1, s.end()};
    }
    const auto sizes = input.tensor.sizes();
    auto& shape = shapes[{name, {sizes.begin(), sizes.end()}}];
    if (shape.empty()) {
      const auto s = tap(input.tensor, name).sizes();
      shape.assign(s.begin() + 1, s.end());
    }
    return shape;
  }

  std::vector<Prediction> top(const at::Tensor& logits) const {
    std::vector<Prediction> out;
    if (logits.dim() != 2 || logits.size(1) == 0) return out;
    const at::Tensor p = logits[0].to(at::kFloat).softmax(0);
    const auto [values, indices] = p.topk(std::min<std::int64_t>(kTopK, p.size(0)));
    for (std::int64_t i = 0; i < values.size(0); ++i) {
      Prediction pr;
      pr.index = int(indices[i].item<std::int64_t>());
      pr.probability = values[i].item<float>();
      pr.label = std::size_t(pr.index) < info.classes.size() ? info.classes[std::size_t(pr.index)]
                                                             : "class " + std::to_string(pr.index);
      out.push_back(std::move(pr));
    }
    return out;
  }

  Image first_image(const at::Tensor& output) const {
    return std::move(tensor_to_images(output).at(0));
  }

  LiveFrame run(const LiveRequest& r) {
    const auto start = std::chrono::steady_clock::now();
    c10::InferenceMode guard;
    set_input(r);
    std::vector<LayerEdit> edits;
    bool only_here = true;
    for (const UnitEdit& e : r.edits) {
      UnitEdit at_layer = e;
      if (at_layer.layer.empty()) at_layer.layer = layer;
      model->check_layer(at_layer.layer);
      only_here = only_here && at_layer.layer == layer;
      edits.push_back(to_layer_edit(at_layer, shape_of(at_layer.layer)));
    }
    at::Tensor maps, output;
    if (edits.empty()) {
      maps = activation();
      output = unedited_output();
    } else {
      ForwardRequest request;
      request.taps = {layer};
      request.edits = std::move(edits);
      ForwardResult result = can_start && only_here
                                 ? model->forward_from(layer, activation(), request)
                                 : model->forward(input.tensor, request);
      maps = std::move(result.taps.at(0));
      output = std::move(result.output);
    }
    LiveFrame f;
    fill_maps(maps, layer, f);
    if (info.kind == LiveKind::kGenerator) {
      f.image = first_image(output);
      if (r.want_unedited) f.unedited = r.edits.empty() ? f.image : first_image(unedited_output());
    } else {
      f.image = crop_to_view(r.image, model->preprocess());
      f.top = top(output);
      if (r.want_unedited) f.top_unedited = r.edits.empty() ? f.top : top(unedited_output());
    }
    f.inference_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return f;
  }

  std::vector<LiveFrame> run_images(const std::vector<Image>& images) {
    if (info.kind != LiveKind::kClassifier) {
      throw Error("model " + info.name + " is a generator: it has no maps of given images");
    }
    c10::InferenceMode guard;
    std::vector<LiveFrame> frames(images.size());
    // Batches of images of one size, so they preprocess to one tensor.
    for (std::size_t first = 0; first < images.size();) {
      std::size_t end = first + 1;
      while (end < images.size() && end - first < kImageBatch &&
             images[end].width == images[first].width &&
             images[end].height == images[first].height) {
        ++end;
      }
      const at::Tensor maps =
          tap(model->prepare(std::span<const Image>(images.data() + first, end - first)), layer);
      for (std::size_t i = first; i < end; ++i) {
        fill_maps(maps.narrow(0, std::int64_t(i - first), 1), layer, frames[i]);
        frames[i].image = crop_to_view(images[i], model->preprocess());
      }
      first = end;
    }
    return frames;
  }
};

LiveSession::LiveSession(const LiveOptions& options) : impl_(std::make_unique<Impl>(options)) {}
LiveSession::~LiveSession() = default;

const LiveModelInfo& LiveSession::info() const { return impl_->info; }
const std::string& LiveSession::layer() const { return impl_->layer; }
void LiveSession::set_layer(const std::string& layer) { impl_->set_layer(layer); }
LiveFrame LiveSession::run(const LiveRequest& request) { return impl_->run(request); }
std::vector<LiveFrame> LiveSession::run_images(const std::vector<Image>& images) {
  return impl_->run_images(images);
}

}  // namespace unitscope::analysis
