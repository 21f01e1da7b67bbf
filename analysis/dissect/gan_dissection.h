// GAN dissection: label a generator's units by segmenting what it draws, with the same outputs
// (tally.csv, dissection.json, report.html) as classifier dissection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/dissect/dissection.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

struct GanDissectOptions {
  // model is the generator; gan_dissect sets dataset (OUT/samples) and latent_seed (= seed).
  DissectOptions dissect;
  ModelSpec segmenter;              // per-pixel object logits, SceneWorld's object classes
  std::size_t samples = 1000;
  std::uint64_t seed = 1;           // latent seed: sample k is sample_latents(seed, k)
};

// Writes dissect.out/samples (a Broden-format dataset of the generated images with the segmenter's object
// labels: pixels below kMinConfidence stay unlabelled) unless it is already there from an earlier
// run with the same options, then dissects the generator's layers against it. Resumable like
// dissect(); throws Error for a model that is not a generator or not a segmenter.
DissectionResult gan_dissect(const GanDissectOptions& options, DissectProgress& progress,
                             std::stop_token stop = {});

}  // namespace unitscope::analysis
