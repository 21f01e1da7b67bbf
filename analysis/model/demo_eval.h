// The LibTorch side of the demo metrics: scoring open models, segmenting and sampling GAN images.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/demo_metrics.h"
#include "analysis/model/model.h"

namespace unitscope::analysis {

ClassifierMetrics evaluate_classifier(Model& model, std::size_t images, int size,
                                      std::uint64_t seed = kHeldOutSeed, int batch = 50);

SegmenterMetrics evaluate_segmenter(Model& model, std::size_t images, int size,
                                    std::uint64_t seed = kHeldOutSeed, int batch = 50);

GanMetrics evaluate_gan(Model& generator, Model& segmenter, std::size_t samples, std::uint64_t seed,
                        int batch = 32);

// Segmenter labels ([N, H, W] int64: 0 none, else world_object::Id + 1) and confidences
// ([N, H, W] float) for RGB images of the segmenter's size.
void segment(Model& segmenter, const std::vector<Image>& images, at::Tensor& labels,
             at::Tensor& confidence);
// Generator outputs for latent samples first .. first + n - 1 of `seed`, as RGB8 images.
std::vector<Image> generate(Model& generator, std::uint64_t seed, std::uint64_t first, int n);
// `count` samples in a grid of `columns`, one pixel of gap.
Image gan_contact_sheet(Model& generator, std::uint64_t seed, int count = 64, int columns = 8);

}  // namespace unitscope::analysis
