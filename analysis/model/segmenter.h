// A segmenter and its concept vocabulary: images in, one plane of concept numbers per head out.
// Any TorchScript (or built-in archive) model with per-pixel logits and a sidecar naming them.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/concept_vocabulary.h"
#include "analysis/data/image.h"
#include "analysis/model/model.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

class Segmenter {
 public:
  // Opens the model and checks its vocabulary (the sidecar's "segmenter", else its "classes" as one
  // object head) against one forward per head size. Throws Error naming the model, its output and
  // the heads for a model without a vocabulary, an output that is no [N, C, H, W] logits, or a
  // channel count other than the heads read.
  explicit Segmenter(const ModelSpec& spec);
  ~Segmenter();
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;

  const std::string& name() const;
  const SegmenterVocabulary& vocabulary() const { return vocabulary_; }
  // Label numbers: [0] is none, then each concept (name and category) of the vocabulary.
  const std::vector<Concept>& concepts() const { return concepts_; }
  // Throws Error listing the concepts for a name the segmenter does not know.
  int concept_number(const std::string& name) const;
  // Each head's size (its own, else the model's).
  int head_size(std::size_t head) const;
  // The finest grid any head's logits come out at: stored label planes use it.
  std::pair<int, int> label_size() const { return label_size_; }
  // The model file's and sidecar's content, and the vocabulary: what a cache of labels depends on.
  const std::string& fingerprint() const { return fingerprint_; }

  // [N, heads, height, width] int64 concept numbers (0: none) for RGB images of any sizes. Each
  // head sees the images stretched to its size; its logits are resized (bilinear) to height x
  // width, then each pixel takes its most probable channel's concept, or none below the floor.
  at::Tensor label(std::span<const Image> images, int width, int height);
  // Differentiable: the probability of concept `number` ([N, h, w], summed over its channels in the first
  // head that names it) for generator outputs ([N, 3, H, W] in [-1, 1]) stretched (bilinear) to
  // that head's size. No floor; gradients flow to `images`.
  at::Tensor concept_probability(const at::Tensor& images, int number);

 private:
  std::unique_ptr<Model> model_;
  SegmenterVocabulary vocabulary_;
  std::vector<Concept> concepts_;
  std::vector<at::Tensor> lookup_;  // per head: channel -> concept number
  std::pair<int, int> label_size_{0, 0};
  std::string fingerprint_;
};

}  // namespace unitscope::analysis
