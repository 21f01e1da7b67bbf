// A unit's top exemplar images with its mask, from a dissection's top-image list: the unit
// inspector's job body, free of ImGui so it can be tested on the demo models.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/dissect/dissection_file.h"
#include "analysis/data/image.h"

namespace unitscope::analysis {

class LiveSession;

struct ExemplarRequest {
  std::vector<UnitTopImage> top;            // best first, as the dissection lists them
  std::filesystem::path dataset;            // the dissected dataset (a GAN's: gan-dissect's samples)
  int unit = 0;
  double threshold = 0.0;                   // the unit's dissection threshold
};

// Runs `session` (open at the dissected layer) on each top image in turn and calls `each` with its
// index and composite_exemplar(); a top image that cannot be read goes to `skipped` with why. For
// a generator, top image row r is latent sample r of the seed in <dataset>/gan_samples.json.
// Returns early when `stop` fires. Throws Error for a unit the layer does not have or a
// generator dataset without gan_samples.json.
void composite_unit_exemplars(LiveSession& session, const ExemplarRequest& request, std::stop_token stop,
                              const std::function<void(std::size_t, Image)>& each,
                              const std::function<void(std::size_t, const std::string&)>& skipped);

}  // namespace unitscope::analysis
