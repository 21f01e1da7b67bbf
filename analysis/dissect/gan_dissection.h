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
  ModelSpec segmenter;              // any segmenter with a vocabulary (segmenter.h)
  std::size_t samples = 1000;
  std::uint64_t seed = 1;           // latent seed: sample k is sample_latents(seed, k)
};

// Writes dissect.out/samples (a Broden-layout dataset of the generated images with one label plane
// per segmenter head, named by the segmenter's vocabulary, each head's floor applied) unless it is
// already there from an earlier run with the same generator, segmenter and options, then dissects
// the generator's layers against it. Resumable like dissect(), the samples too; throws Error for a
// model that is not a generator or a segmenter whose sidecar does not match its output.
DissectionResult gan_dissect(const GanDissectOptions& options, DissectProgress& progress,
                             std::stop_token stop = {});

}  // namespace unitscope::analysis
