// The LibTorch side of the demo metrics: scoring open models, segmenting and sampling GAN images.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/data/concept_vocabulary.h"
#include "analysis/data/image.h"
#include "analysis/world/demo_metrics.h"
#include "analysis/model/generator_io.h"
#include "analysis/model/model.h"

namespace unitscope::analysis {

// The demo segmenter's vocabulary, as its sidecar states it: one object head over "-" and
// SceneWorld's objects, pixels below kMinConfidence unlabelled.
SegmenterVocabulary demo_segmenter_vocabulary();

ClassifierMetrics evaluate_classifier(Model& model, std::size_t images, int size,
                                      std::uint64_t seed = kHeldOutSeed, int batch = 50);

SegmenterMetrics evaluate_segmenter(Model& model, std::size_t images, int size,
                                    std::uint64_t seed = kHeldOutSeed, int batch = 50);

GanMetrics evaluate_gan(Model& generator, Model& segmenter, std::size_t samples, std::uint64_t seed,
                        int batch = 32);

// `count` samples in a grid of `columns`, one pixel of gap.
Image gan_contact_sheet(Model& generator, std::uint64_t seed, int count = 64, int columns = 8);

}  // namespace unitscope::analysis
