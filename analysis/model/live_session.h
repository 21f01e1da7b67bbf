// LiveSession: one model opened for the studio's frame-by-frame use: a classifier on images or a
// generator on latents, with unit edits, returning plain CPU results (no torch in this header).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

enum class LiveKind { kClassifier, kGenerator };

// The default layer (LiveOptions::layer empty) is one with [C, H, W] maps larger than 1x1. A
// classifier takes the last such layer that is not a pooling layer, widened to its outermost
// ancestor of the same shape (a VGG's last ReLU, features.27 in the demo; a ResNet's layer4). A
// generator takes the middle one of its top-level such layers (the demo GAN's layer3, as
// gan-dissect).
struct LiveOptions {
  ModelSpec model;
  std::string layer;  // empty: the default layer above
  int threads = 0;    // LibTorch intra-op threads for this process; 0 leaves them as they are
};

struct LiveModelInfo {
  LiveKind kind = LiveKind::kClassifier;
  std::string name;                  // the model's source, for titles and messages
  std::vector<LayerInfo> layers;     // every tappable layer with its shape
  std::vector<std::string> classes;  // a classifier's class names (sidecar, or "class N")
  int input_size = 0;                // a classifier's square input side
  int latent_size = 0;               // a generator's latent length
  int output_width = 0, output_height = 0;  // a generator's image size
  std::string default_layer;         // the rule above applied to this model
};

// A point in a generator's latent space: latent sample `index` of `seed`, as sample_latents()
// draws it (the same latents gan-dissect and intervene use).
struct LatentPoint {
  std::uint64_t seed = 0;
  std::uint64_t index = 0;
};

struct LiveRequest {
  Image image;                 // classifier input, any size (the model's preprocessing applies)
  LatentPoint latent_a, latent_b;  // generator input: spherical interpolation a -> b by `mix`
  float mix = 0.0f;            // 0: a alone, 1: b alone; clamped to [0, 1]
  // An edit with an empty layer applies at the session's layer; masks at the edited layer's
  // resolution. Edits at the session's layer only re-run the network from there.
  std::vector<UnitEdit> edits;
  bool want_unedited = false;  // also run without edits (side-by-side views, prediction deltas)
};

struct Prediction {
  int index = 0;
  std::string label;
  float probability = 0.0f;
};

struct LiveFrame {
  // Classifier: the part of the given image the model sees (its centre crop, at the image's own
  // resolution), so that maps drawn over it sit on what they describe. Generator: the generated
  // image with the edits applied.
  Image image;
  Image unedited;                    // generator with want_unedited: the output without edits
  std::string layer;
  int channels = 0, height = 0, width = 0;  // the layer's per-sample shape
  std::vector<float> activations;    // channels * height * width, after the edits
  std::vector<float> unit_max;       // per unit, the maximum of its map
  std::vector<Prediction> top;       // classifier: top-5 after the edits
  std::vector<Prediction> top_unedited;  // with want_unedited
  double inference_ms = 0.0;         // wall time of run()
};

// Not thread-safe: one thread (the studio's inference worker) calls run() at a time. The last
// input's activation at the layer is cached: a run that changes only the edits at the layer costs
// only the layers after it.
// Throws Error (with the model, layer or value named) for bad input; never crashes on it.
class LiveSession {
 public:
  explicit LiveSession(const LiveOptions& options);
  ~LiveSession();
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  const LiveModelInfo& info() const;
  const std::string& layer() const;
  // Throws Error naming the layer and listing the valid ones.
  void set_layer(const std::string& layer);
  LiveFrame run(const LiveRequest& request);
  // Maps of the session's layer for several images at once (exemplars in the unit inspector);
  // one LiveFrame each with image, layer, shape, activations and unit_max filled. Classifiers only.
  std::vector<LiveFrame> run_images(const std::vector<Image>& images);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unitscope::analysis
