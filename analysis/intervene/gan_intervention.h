// Causal GAN edits through units chosen by a GAN dissection: switch a concept's units off to
// remove it, on inside a region to add it, or paint a mask (GANPaint). Plain results out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

struct GanInterventionOptions {
  ModelSpec generator;
  ModelSpec segmenter;
  std::string layer;
  std::filesystem::path dissection;  // a gan-dissect output directory holding `layer`
  std::string concept_name;          // a concept of the segmenter's vocabulary, e.g. "tree"
  std::size_t samples = 200;
  std::size_t ace_samples = 32;      // latents each unit's causal effect is measured over
  std::uint64_t seed = 2;            // latent seed (use another than the dissection's)
  int batch = 16;
  int threads = 0;
};

// Pixels are counted in the plane of the segmenter head that knows the concept, above its floor.
struct AblationPoint {
  int units = 0;                  // the concept's top `units` (by IoU or ACE), switched off everywhere
  double removed = 0.0;           // share of the concept's pixels that disappear (summed over samples)
  double others_kept = 0.0;       // pixels of every other object after / before
};
struct AblationEffect {
  std::string concept_name;
  std::uint64_t concept_pixels = 0;  // before any edit
  std::string rank = "iou";          // what ranked_units are ranked by: "iou" or "ace"
  std::vector<int> ranked_units;     // the concept's units, best first
  std::vector<double> ace;           // rank "ace": each ranked unit's own average causal effect
  std::vector<AblationPoint> points;
};

// Units set to their dissection threshold (the 0.99 quantile) times `strength` inside a
// `region` x `region` square of the layer's grid, at every grid position on a `region` stride.
struct InsertionContext {
  std::string context;     // the object under most of the square before the edit
  std::size_t trials = 0;
  double added = 0.0;      // mean share of the square that becomes the concept (after - before)
};
struct InsertionEffect {
  std::string concept_name;
  std::vector<int> units;
  int region = 0;
  double mean_added = 0.0;
  std::vector<InsertionContext> contexts;  // most added first
};

// GANPaint: `mask` is image-sized (non-zero = painted); it is max-pooled to the layer's grid.
// Drawing sets the concept's top `units` units to their threshold times `strength` there;
// removing switches them off there.
struct PaintRequest {
  std::size_t sample = 0;
  Image mask;   // one channel, the generator's output size
  int units = 10;
  bool remove = false;
  double strength = 1.0;
};
struct PaintResult {
  Image before, after;
  std::vector<int> units;
  double concept_before = 0.0, concept_after = 0.0;  // share of the mask covered by the concept
};

// Opens the models and the dissection once, so repeated edits (the studio's brush) cost only
// the generator and segmenter passes. Throws Error for a bad layer, concept or model.
class GanEditor {
 public:
  explicit GanEditor(const GanInterventionOptions& options);
  ~GanEditor();
  GanEditor(const GanEditor&) = delete;
  GanEditor& operator=(const GanEditor&) = delete;

  // Switches off the concept's top units by IoU, or the given ranking (best first, with its ACE).
  AblationEffect ablate(const std::vector<int>& counts = {1, 2, 3, 4, 8, 20});
  AblationEffect ablate(const std::vector<int>& counts, const std::vector<int>& ranked,
                        const std::vector<double>& ace);
  // The average causal effect of each of `units` on the concept, as GAN Dissection defines it: the
  // share of the concept's pixels that disappear when the unit alone is switched off everywhere,
  // over latents samples .. samples + ace_samples - 1 of the seed (not those the curves use).
  // Negative where switching it off adds the concept.
  // GAN Dissection's ranking by causal effect: a coefficient per unit, in [0, 1], learned so that
  // switching the units down by it removes as much of the concept as it can (the segmenter's
  // probability of it, over the ace_samples latents), with an L1 cost on the coefficients that
  // falls in stages. Units that remove the concept together rank high even where each alone hardly
  // does. Returns the coefficients by unit; `ranking` gets every unit, best first: in the order
  // they entered (coefficient past one half), then by coefficient.
  std::vector<double> removal_coefficients(std::vector<int>* ranking = nullptr, int steps = 200);
  std::vector<double> causal_effects(const std::vector<int>& units);
  // The `count` units that remove the concept most together, best first: from the candidates the
  // learned coefficients (removal_coefficients) and the dissection's IoU rank first, each next one
  // is the unit that, switched off with those before it, removes the most of the concept's pixels
  // over the ace samples (never the samples the removal curves are measured on).
  std::vector<int> rank_by_causal_effect(std::size_t count);
  InsertionEffect insert(int units = 20, int region = 4, double strength = 1.0);
  PaintResult paint(const PaintRequest& request);
  // The generator's output width and height.
  std::pair<int, int> output_size();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unitscope::analysis
