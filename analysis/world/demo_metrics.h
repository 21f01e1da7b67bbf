// The demo models' held-out metrics as plain data, and the torch-free calls that compute them
// (what `unitscope eval` prints and the trainers record; always recomputed from the weights).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

// Held-out data: a world seed no trainer uses, so none of these scenes was seen in training.
inline constexpr std::uint64_t kHeldOutSeed = 90210;
inline constexpr int kClassifierSize = 128;  // the demo classifier's input
inline constexpr int kSegmenterSize = 64;    // the demo segmenter's input (and the GAN's output)

struct ClassifierMetrics {
  std::size_t images = 0;
  double accuracy = 0.0;
  std::vector<std::string> classes;
  std::vector<double> class_accuracy;     // recall per class
  std::vector<std::size_t> class_images;
};

struct SegmenterMetrics {
  std::size_t images = 0;
  double pixel_accuracy = 0.0;
  double mean_iou = 0.0;               // over objects present in the held-out labels
  std::vector<std::string> classes;    // objects, without "-"
  std::vector<double> iou;             // per object; -1 where the object never occurs
  std::vector<std::uint64_t> pixels;   // labelled pixels per object
};

// A GAN sample "has" an object when the segmenter gives it at least kMinObjectShare of the
// pixels with confidence kMinConfidence or more; a sample passes when it has at least two
// objects and those cover at least half of its pixels.
inline constexpr double kMinObjectShare = 0.01;
inline constexpr double kMinConfidence = 0.5;
struct GanMetrics {
  std::size_t samples = 0;
  double pass_fraction = 0.0;
  double mean_objects = 0.0;
  double mean_coverage = 0.0;
  std::vector<std::string> classes;   // objects
  std::vector<double> frequency;      // share of samples that have each object
};

// Open the models and score them on held-out SceneWorld (seed `seed`). Throw Error naming the
// model for one that does not fit the task.
ClassifierMetrics evaluate_classifier(const ModelSpec& model, std::size_t images,
                                      std::uint64_t seed = kHeldOutSeed);
SegmenterMetrics evaluate_segmenter(const ModelSpec& model, std::size_t images,
                                    std::uint64_t seed = kHeldOutSeed);
GanMetrics evaluate_gan(const ModelSpec& generator, const ModelSpec& segmenter, std::size_t samples,
                        std::uint64_t seed = kHeldOutSeed);
// Writes the 64-sample contact sheet of latent seed `seed` as a PNG.
void write_gan_contact_sheet(const ModelSpec& generator, std::uint64_t seed,
                             const std::string& png_path);

std::string to_json(const ClassifierMetrics& m);
std::string to_json(const SegmenterMetrics& m);
std::string to_json(const GanMetrics& m);

}  // namespace unitscope::analysis
