#include "analysis/model/model.h"

#include "analysis/model/layer_maps.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "analysis/data/error.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/model/model_sources.h"

namespace unitscope::analysis {
namespace {

constexpr const char* kBuiltinPrefix = "builtin:";

// c10::Error messages carry a C++ backtrace after the first lines; users need only the reason.
std::string short_torch_message(const c10::Error& e) {
  std::string msg = e.what_without_backtrace();
  if (msg.size() > 600) msg = msg.substr(0, 600) + " ...";
  return msg;
}

std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return text;
  const std::size_t begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin + 1));
}

std::string shape_string(at::IntArrayRef shape) {
  std::ostringstream s;
  for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? "x" : "") << shape[i];
  return s.str();
}

}  // namespace

Model::Model(std::string name, Preprocess preprocess, std::optional<Sidecar> sidecar)
    : name_(std::move(name)), preprocess_(preprocess), sidecar_(std::move(sidecar)) {}

int Model::default_size() const {
  if (sidecar_ && sidecar_->input_size > 0) return sidecar_->input_size;
  if (preprocess_.crop > 0) return preprocess_.crop;
  if (preprocess_.resize > 0) return preprocess_.resize;
  return 224;
}

bool Model::is_generator() const {
  if (!sidecar_ || sidecar_->input_shape.empty()) return false;
  const auto& s = sidecar_->input_shape;
  return !(s.size() == 3 && s[0] == 3 && s[1] > 1 && s[2] > 1);
}

std::vector<std::int64_t> Model::latent_shape() const {
  if (!is_generator()) {
    throw Error("model " + name_ + " is not a generator: its sidecar gives no latent input_shape (such as [512] or [512, 1, 1])");
  }
  return sidecar_->input_shape;
}

std::vector<std::int64_t> Model::input_shape(int size) const {
  if (sidecar_ && !sidecar_->input_shape.empty()) return sidecar_->input_shape;
  return {3, size, size};
}

at::Tensor prepare_images(std::span<const Image> images, const Preprocess& preprocess) {
  if (images.empty()) throw Error("no images to prepare");
  std::vector<std::vector<float>> planes(images.size());
  int w0 = 0, h0 = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    int w = 0, h = 0;
    planes[i] = preprocess_image(images[i], preprocess, w, h);
    if (i == 0) {
      w0 = w;
      h0 = h;
    } else if (w != w0 || h != h0) {
      throw Error("images in one batch preprocess to different sizes (" + std::to_string(w0) + "x" +
                  std::to_string(h0) + " and " + std::to_string(w) + "x" + std::to_string(h) +
                  "); set --resize with --stretch or --crop");
    }
  }
  at::Tensor batch = at::empty({std::int64_t(images.size()), 3, h0, w0}, at::kFloat);
  float* dst = batch.data_ptr<float>();
  const std::size_t per = std::size_t(3) * w0 * h0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::copy(planes[i].begin(), planes[i].end(), dst + i * per);
  }
  return batch;
}

at::Tensor Model::prepare(std::span<const Image> images) const {
  if (images.empty()) throw Error("no images to prepare for " + name_);
  return prepare_images(images, preprocess_);
}

void Model::check_layer(const std::string& layer) const {
  const std::vector<std::string> names = layer_names();
  if (std::find(names.begin(), names.end(), layer) != names.end()) return;
  if (names.empty()) {
    throw Error("unknown layer \"" + layer + "\": " + name_ +
                " has no tappable layers (a frozen or fully inlined TorchScript model keeps no "
                "submodules; save it with torch.jit.script or trace and without freezing)");
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw Error("unknown layer \"" + layer + "\" in " + name_ + "; its layers are: " + list);
}

std::vector<LayerInfo> Model::layers(int size) {
  // No layer at all is never an empty success: say what the model holds instead.
  if (layer_names().empty()) {
    const std::vector<UntappableLayer> untappable = untappable_layers();
    std::string why = name_ + " has no tappable layer: ";
    if (untappable.empty()) {
      why += "it keeps no submodules (a frozen or fully inlined TorchScript model); save it with "
             "torch.jit.script or torch.jit.trace, without torch.jit.freeze";
    } else {
      why += "of its " + std::to_string(untappable.size()) + " submodules, none can be read:";
      for (std::size_t i = 0; i < untappable.size() && i < 5; ++i)
        why += (i ? "; " : " ") + untappable[i].name + ": " + untappable[i].reason;
      if (untappable.size() > 5) why += "; ...";
    }
    throw Error(why);
  }
  {
    std::lock_guard lock(layers_mutex_);
    for (const auto& [s, infos] : layers_cache_) {
      if (s == size) return infos;
    }
  }
  ForwardRequest request;
  request.taps = layer_names();
  request.want_output = false;
  const std::vector<std::int64_t> per_sample = input_shape(size);
  std::vector<std::int64_t> shape(per_sample.size() + 1, 1);
  std::copy(per_sample.begin(), per_sample.end(), shape.begin() + 1);
  ForwardResult result;
  {
    c10::InferenceMode guard;
    result = forward(at::zeros(shape, at::kFloat), request);
  }
  std::vector<LayerInfo> infos;
  for (std::size_t i = 0; i < request.taps.size(); ++i) {
    LayerInfo info;
    info.name = request.taps[i];
    info.type = layer_type(info.name);
    const auto sizes = result.taps[i].sizes();
    info.shape.assign(sizes.begin() + 1, sizes.end());
    infos.push_back(std::move(info));
  }
  std::lock_guard lock(layers_mutex_);
  layers_cache_.emplace_back(size, infos);
  return infos;
}

std::string Model::failure(const std::string& layer, const at::Tensor& input,
                           const std::string& why) const {
  return "model " + name_ + " failed on input of shape " + shape_string(input.sizes()) +
         (layer.empty() ? "" : " after layer " + layer) + ": " + why;
}

ForwardResult Model::forward(const at::Tensor& input, const ForwardRequest& request) {
  return forward_from("", input, request);
}

ForwardResult Model::forward_from(const std::string& layer, const at::Tensor& activation,
                                  const ForwardRequest& request) {
  for (const auto& t : request.taps) check_layer(t);
  for (const auto& e : request.edits) check_layer(e.layer);
  if (!layer.empty()) {
    check_layer(layer);
    if (!can_start_at(layer)) {
      throw Error("cannot run " + name_ + " from layer \"" + layer +
                  "\": later layers also read earlier values (start at a top-level layer or a "
                  "whole block instead)");
    }
  }
  std::optional<c10::InferenceMode> guard;
  if (!request.autograd) guard.emplace();
  try {
    ForwardResult result = run(layer, activation, request);
    for (auto& t : result.taps) {
      if (!t.is_contiguous()) t = t.contiguous();
    }
    return result;
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(failure(layer, activation, short_torch_message(e)));
  } catch (const std::exception& e) {
    // The TorchScript interpreter rethrows as std::runtime_error with a script traceback first.
    throw Error(failure(layer, activation, last_line(e.what())));
  }
}

namespace {

// The edit for units on the first axis: [C, H, W], [C], or [C, ...] of any rank.
LayerEdit channels_first_edit(const UnitEdit& edit, std::span<const std::int64_t> shape) {
  const std::int64_t channels = shape[0];
  const bool spatial = shape.size() == 3;
  const bool masked = !edit.mask.empty();
  if (masked) {
    if (!spatial || edit.mask_height != shape[1] || edit.mask_width != shape[2] ||
        edit.mask.size() != std::size_t(edit.mask_height) * edit.mask_width) {
      throw Error("mask for layer " + edit.layer + " is " + std::to_string(edit.mask_height) + "x" +
                  std::to_string(edit.mask_width) + " but the layer's maps are " +
                  (spatial ? std::to_string(shape[1]) + "x" + std::to_string(shape[2])
                           : std::string("not spatial")));
    }
  }
  std::vector<std::int64_t> dims{1, channels};
  if (spatial) {
    dims.push_back(masked ? shape[1] : 1);
    dims.push_back(masked ? shape[2] : 1);
  } else {
    for (std::size_t i = 1; i < shape.size(); ++i) dims.push_back(1);
  }
  const std::int64_t plane = masked ? shape[1] * shape[2] : 1;
  at::Tensor scale = at::ones(dims, at::kFloat);
  at::Tensor shift = at::zeros(dims, at::kFloat);
  float* sc = scale.data_ptr<float>();
  float* sh = shift.data_ptr<float>();
  for (int u : edit.units) {
    if (u < 0 || u >= channels) {
      throw Error("unit " + std::to_string(unit_number(u)) +
                  " is out of range for layer " + edit.layer + " (" + std::to_string(channels) +
                  " units, numbered 1 to " + std::to_string(channels) + ")");
    }
    for (std::int64_t i = 0; i < plane; ++i) {
      const float m = masked ? std::clamp(edit.mask[i], 0.0f, 1.0f) : 1.0f;
      float& s = sc[u * plane + i];
      float& b = sh[u * plane + i];
      if (edit.op == EditOp::kMultiply) {
        s = 1.0f + (edit.value - 1.0f) * m;
        b = 0.0f;
      } else {
        s = 1.0f - m;
        b = edit.value * m;
      }
    }
  }
  return {edit.layer, scale, shift};
}

}  // namespace

LayerEdit to_layer_edit(const UnitEdit& edit, std::span<const std::int64_t> shape, LayerLayout layout) {
  if (shape.empty()) throw Error("layer " + edit.layer + " has no channels to edit");
  const LayerLayout chosen = layout == LayerLayout::kAuto ? guess_layout(shape) : layout;
  // Shapes no layout reads (a [C, L] sequence) keep their units first, as they always did.
  if (chosen == LayerLayout::kAuto || chosen == LayerLayout::kChannels) return channels_first_edit(edit, shape);
  const UnitGrid grid = unit_grid(shape, chosen, edit.layer);
  LayerEdit e = channels_first_edit(edit, grid.maps_shape());
  e.scale = from_unit_maps(e.scale, grid, 1.0);
  e.shift = from_unit_maps(e.shift, grid, 0.0);
  return e;
}

std::unique_ptr<Model> open_model(const ModelSpec& spec) {
  const std::string& src = spec.source;
  if (src.rfind(kBuiltinPrefix, 0) == 0) {
    return open_builtin(src.substr(std::string(kBuiltinPrefix).size()),
                        resolve_preprocess(std::nullopt, spec.overrides), spec.seed);
  }
  const std::filesystem::path path = src;
  std::error_code ec;
  if (src.empty()) throw Error("no model given");
  if (!std::filesystem::is_regular_file(path, ec)) {
    std::string names;
    for (const auto& n : builtin_model_names()) names += (names.empty() ? "builtin:" : ", builtin:") + n;
    throw Error("model file " + src + " does not exist (or is not a file); built-in models are " + names);
  }
  std::optional<Sidecar> sidecar = read_sidecar(path);
  Preprocess preprocess = resolve_preprocess(sidecar, spec.overrides);
  if (sidecar && !sidecar->architecture.empty()) {
    return open_builtin_archive(path, preprocess, *sidecar);
  }
  return open_torchscript(path, preprocess, std::move(sidecar));
}

std::vector<LayerInfo> list_layers(const ModelSpec& spec, int size) {
  return summarize_model(spec, size).layers;
}

ModelSummary summarize_model(const ModelSpec& spec, int size) {
  auto model = open_model(spec);
  ModelSummary s;
  s.size = size > 0 ? size : model->default_size();
  s.input_shape = model->input_shape(s.size);
  s.preprocess = model->preprocess();
  s.untappable = model->untappable_layers();
  s.layers = model->layers(s.size);
  return s;
}

std::vector<std::string> builtin_model_names() { return {"vgg16", "resnet18", "progan256"}; }

void set_threads(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
}

}  // namespace unitscope::analysis
