// How images become model input: resize, centre crop, channel order and mean/std, plus the sidecar file.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/data/concept_vocabulary.h"
#include "analysis/data/image.h"

namespace unitscope::analysis {

enum class ChannelOrder { kRgb, kBgr };

// Applied in this order: resize, centre crop, (pixel - mean) / std, channel reorder.
// mean and std are in 0-255 pixel units and always given in R,G,B order, whatever `order` is.
struct Preprocess {
  int resize = 0;        // 0: keep the size; else the shorter side becomes `resize` (aspect kept)
  bool stretch = false;  // with resize: both sides become `resize` (aspect not kept)
  int crop = 0;          // 0: no crop; else a centred crop x crop square
  ChannelOrder order = ChannelOrder::kRgb;
  std::array<float, 3> mean{123.675f, 116.28f, 103.53f};  // ImageNet, as torchvision uses it
  std::array<float, 3> std{58.395f, 57.12f, 57.375f};

  bool operator==(const Preprocess&) const = default;
};

// Command-line values; each one that is set wins over the sidecar and the defaults.
struct PreprocessOverrides {
  std::optional<int> resize;
  std::optional<bool> stretch;
  std::optional<int> crop;
  std::optional<ChannelOrder> order;
  std::optional<std::array<float, 3>> mean;
  std::optional<std::array<float, 3>> std;
};

// The papers' knobs for dissecting a model; each one unset takes the model's sidecar's value, else
// the default. quantile: the top fraction of each unit's values that counts as active (default: the
// convention's, 0.005 netdissect-lite, 0.01 pnas). iou_threshold: a unit whose best IoU is higher is
// a detector (0.04). categories: the concept categories scored, in this order (default: all of the
// dataset's; NetDissect-Lite leaves out material). label_size: the shorter side of the grid maps and
// labels are compared on (default 0: the labels' own resolution over the model's view of each image).
struct DissectKnobs {
  std::optional<double> quantile;
  std::optional<double> iou_threshold;
  std::optional<std::vector<std::string>> categories;
  std::optional<int> label_size;

  bool operator==(const DissectKnobs&) const = default;
  bool empty() const { return *this == DissectKnobs{}; }
};

// Everything a model's sidecar JSON (`<model file>.json`) may hold.
struct Sidecar {
  std::optional<Preprocess> preprocess;  // only the keys present override the defaults
  std::vector<std::int64_t> input_shape;  // per sample, e.g. {512} for a GAN; empty: {3, size, size}
  int input_size = 0;                     // the size the model expects; 0: unknown
  std::vector<std::string> classes;       // class names of a classifier's outputs, if known
  DissectKnobs dissect;                   // "dissect": the knobs this model is dissected with
  std::optional<SegmenterVocabulary> segmenter;  // "segmenter": what a segmenter's channels name
  std::string architecture;  // JSON object naming a built-in architecture; the model file then holds
                             // its weights as a LibTorch archive. Empty for TorchScript.
};

// `model.pt` -> `model.pt.json`.
std::filesystem::path sidecar_path(const std::filesystem::path& model);
// nullopt when there is no sidecar; throws Error naming the file for bad JSON or bad values.
std::optional<Sidecar> read_sidecar(const std::filesystem::path& model);
void write_sidecar(const std::filesystem::path& model, const Sidecar& sidecar);

// Defaults, then the sidecar, then the overrides.
Preprocess resolve_preprocess(const std::optional<Sidecar>& sidecar, const PreprocessOverrides& cli);
void apply(const PreprocessOverrides& overrides, Preprocess& p);

// "R,G,B" -> {R,G,B}; "S" -> {S,S,S}. Throws Error naming `what` for anything else.
std::array<float, 3> parse_triple(const std::string& text, const std::string& what);
ChannelOrder parse_channel_order(const std::string& text);  // "rgb" or "bgr"

// The size of `image` after resize and crop.
void output_size(const Preprocess& p, int width, int height, int& out_width, int& out_height);

// One RGB8 (or gray/RGBA, converted) image -> planar float CHW, 3 planes, normalised and ordered.
// Resizing is bilinear with half-pixel centres (area-averaged when shrinking), like PIL.
std::vector<float> preprocess_image(const Image& image, const Preprocess& p, int& out_width,
                                    int& out_height);

// Human-readable one-liner for logs and `unitscope layers`.
std::string describe(const Preprocess& p);

}  // namespace unitscope::analysis
