// The torch-free face of models, for the engine: which model to open, its layers, and unit edits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/data/preprocess.h"

namespace unitscope::analysis {

// `source` is a TorchScript file, a LibTorch archive with an "architecture" sidecar, or a
// built-in name: "builtin:vgg16", "builtin:resnet18", "builtin:progan256" (random weights from `seed`).
struct ModelSpec {
  std::string source;
  PreprocessOverrides overrides;  // command-line values; win over the sidecar
  std::uint64_t seed = 1;         // initialises built-in models that have no weights
};

struct LayerInfo {
  std::string name;                // as PyTorch names it: "features.28", "layer4.1.conv2"
  std::string type;                // module type: "Conv2d", "BasicBlock", ...
  std::vector<std::int64_t> shape; // output shape of one sample, e.g. {512, 14, 14}
};

// A submodule that cannot be read or edited, and why (for `unitscope layers`).
struct UntappableLayer {
  std::string name;
  std::string reason;  // "its call sits inside an if that scripting kept", ...
};

// Every tappable layer in named_modules() order, with shapes for a size x size input (0: the
// model's own size). Throws Error for a missing/invalid model or one that fails at that size.
std::vector<LayerInfo> list_layers(const ModelSpec& spec, int size);

struct ModelSummary {
  int size = 0;                           // the input size used
  std::vector<std::int64_t> input_shape;  // per sample
  Preprocess preprocess;                  // as resolved from defaults, sidecar and overrides
  std::vector<LayerInfo> layers;
  std::vector<UntappableLayer> untappable;
};
// Throws Error, naming what was found, for a model with no tappable layer (Model::layers).
ModelSummary summarize_model(const ModelSpec& spec, int size);
std::vector<std::string> builtin_model_names();  // without the "builtin:" prefix

// LibTorch's intra-op threads for the whole process; 0 = one per core.
void set_threads(int threads);

enum class EditOp { kMultiply, kReplace };

// Multiply `units` of `layer` by `value`, or replace them with `value`. With a mask (mask_height x
// mask_width, row-major, in [0,1], at the layer's resolution) the result is blended:
// out = mask * edited + (1 - mask) * original.
struct UnitEdit {
  std::string layer;
  std::vector<int> units;  // 0-based channel indices
  EditOp op = EditOp::kMultiply;
  float value = 0.0f;
  std::vector<float> mask;
  int mask_height = 0;
  int mask_width = 0;
};

}  // namespace unitscope::analysis
