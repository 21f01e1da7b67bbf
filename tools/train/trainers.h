// The three demo trainers: scene classifier, object segmenter and GAN, all on SceneWorld.
#pragma once

#include <filesystem>

#include "tools/train/train_run.h"

namespace unitscope::tools {

void train_classifier(const TrainOptions& options, double lr);
void train_segmenter(const TrainOptions& options, double lr);
// `segmenter` scores the final samples (skipped when the file does not exist yet).
void train_gan(const TrainOptions& options, const std::filesystem::path& segmenter);

}  // namespace unitscope::tools
