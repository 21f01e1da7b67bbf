// The one interface every model sits behind (TorchScript file or built-in LibTorch module):
// read and edit any named layer during a forward pass, and continue a forward from a layer.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/layer_layout.h"
#include "analysis/model/model_spec.h"
#include "analysis/data/preprocess.h"

namespace unitscope::analysis {

// out = x * scale + shift at `layer`, both broadcast against the layer's [N, C, H, W] output; either
// may be undefined (= 1 / = 0). A per-sample scale ([N, C, 1, 1]) ablates a different unit in each
// sample of one batch.
struct LayerEdit {
  std::string layer;
  at::Tensor scale;
  at::Tensor shift;
};

// Turns a plain edit into scale/shift for a layer whose per-sample output shape is `shape`, read
// as `layout` (kAuto: guessed; [C, H, W], [C], [H, W, C] or tokens). An edit without a mask reaches
// a token layer's every token, its class token too; a mask covers the patch tokens only. Throws
// Error for a unit out of range or a mask of the wrong size.
LayerEdit to_layer_edit(const UnitEdit& edit, std::span<const std::int64_t> shape,
                        LayerLayout layout = LayerLayout::kAuto);

struct ForwardRequest {
  std::vector<std::string> taps;  // layers to read; ForwardResult::taps follows this order
  std::vector<LayerEdit> edits;   // applied where the layer's output is produced, before taps read it
  bool want_output = true;        // false: the forward may stop after the last tap
  bool autograd = false;          // true: record gradients (attacks); default is inference mode
};

struct ForwardResult {
  std::vector<at::Tensor> taps;  // float, CPU, contiguous, [N, ...layer shape]; owned copies
  at::Tensor output;             // undefined when !want_output
};

// Forward calls may come from several threads at once; each runs under c10::InferenceMode
// unless the request asks for autograd.
// Error (not c10::Error) is thrown for unknown layers and for inputs the model rejects.
class Model {
 public:
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& name() const { return name_; }          // the source, for messages
  const Preprocess& preprocess() const { return preprocess_; }
  const std::optional<Sidecar>& sidecar() const { return sidecar_; }
  // The size layers() and `unitscope layers` use when none is given: sidecar, crop, resize or 224.
  int default_size() const;
  // Per-sample input shape for a size x size image: {3, size, size}, or the sidecar's input_shape.
  std::vector<std::int64_t> input_shape(int size) const;
  // A generator is a model whose sidecar gives an input_shape other than an image's [3, H, W]:
  // a latent of any shape, [512], ProGAN's [512, 1, 1] or a [C, H, W] noise map.
  bool is_generator() const;
  // The per-sample latent shape; throws Error naming the model when it is no generator.
  std::vector<std::int64_t> latent_shape() const;

  // Images -> [N, 3, H, W] float input. Every image must come out the same size; throws Error if not.
  at::Tensor prepare(std::span<const Image> images) const;

  // Every tappable layer in named_modules() order (parents first): for TorchScript, each
  // submodule whose forward is called in straight-line code (not inside an if or a loop that
  // scripting kept). Names come without running; layers() adds shapes from one forward of
  // batch 1 (cached per size) and throws Error naming the model and size if that fails, or
  // naming what the model holds when it has no tappable layer at all.
  virtual std::vector<std::string> layer_names() const = 0;
  // The submodules layer_names() leaves out, each with the reason (built-ins: none).
  virtual std::vector<UntappableLayer> untappable_layers() const { return {}; }
  std::vector<LayerInfo> layers(int size);
  // Throws Error "unknown layer X in M; layers are: ..." for a name that is not tappable.
  void check_layer(const std::string& layer) const;

  ForwardResult forward(const at::Tensor& input, const ForwardRequest& request);

  // Runs the layers after `layer`, given its output (edits at `layer` itself are applied to
  // `activation` first). Only for layers whose output is all the rest of the network depends on
  // (a top-level child of a chain, a ResNet block); throws Error otherwise.
  ForwardResult forward_from(const std::string& layer, const at::Tensor& activation,
                             const ForwardRequest& request);
  virtual bool can_start_at(const std::string& layer) = 0;

 protected:
  Model(std::string name, Preprocess preprocess, std::optional<Sidecar> sidecar);
  // Unchecked implementations; the public wrappers validate names, set inference mode and turn
  // c10::Error into Error. `start` is empty for a forward from the input.
  virtual ForwardResult run(const std::string& start, const at::Tensor& input,
                            const ForwardRequest& request) = 0;
  virtual std::string layer_type(const std::string& layer) const = 0;

 private:
  std::string failure(const std::string& layer, const at::Tensor& input,
                      const std::string& why) const;

  std::string name_;
  Preprocess preprocess_;
  std::optional<Sidecar> sidecar_;
  std::mutex layers_mutex_;
  std::vector<std::pair<int, std::vector<LayerInfo>>> layers_cache_;
};

// Images -> [N, 3, H, W] float input under `preprocess`; throws Error when they come out of
// different sizes.
at::Tensor prepare_images(std::span<const Image> images, const Preprocess& preprocess);

// Opens a TorchScript file, a built-in name or an archive with an architecture sidecar.
// Throws Error naming the file for a missing, unreadable or invalid model.
std::unique_ptr<Model> open_model(const ModelSpec& spec);

}  // namespace unitscope::analysis
