// Files of `unitscope intervene`: intervention.json, a CSV per measured edit, report.html, PNGs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/intervene/gan_intervention.h"

namespace unitscope::analysis {

// What every report says about the run, whatever the edit.
struct GanInterventionRun {
  std::string generator;  // as the user named it
  std::string segmenter;
  std::string layer;
  std::string concept_name;
  std::uint64_t latent_seed = 0;
  std::size_t samples = 0;
};

struct GanAblationResult {
  GanInterventionRun run;
  AblationEffect effect;
  std::optional<AblationEffect> by_iou;  // with effect ranked by ACE: the IoU-ranked curve beside it
};
struct GanInsertionResult {
  GanInterventionRun run;
  InsertionEffect effect;
};
struct GanPaintPair {
  int sample = 0;  // the latent sample painted; names its PNGs pair_<sample>_{before,after}.png
  PaintResult result;
};
struct GanPaintResult {
  GanInterventionRun run;
  bool remove = false;  // the units were switched off in the mask, not drawn
  std::vector<GanPaintPair> pairs;
};

// DIR/intervention.json, ablation.csv (units, removed, others_kept, and with by_iou removed_iou,
// others_kept_iou) and report.html (a table and, with by_iou, both removal curves in one chart).
void write_gan_ablation(const std::filesystem::path& dir, const GanAblationResult& result);
std::string gan_ablation_json(const GanAblationResult& result);
std::string gan_ablation_html(const GanAblationResult& result);

// DIR/intervention.json, insertion.csv (context, trials, added) and report.html (one table).
void write_gan_insertion(const std::filesystem::path& dir, const GanInsertionResult& result);
std::string gan_insertion_json(const GanInsertionResult& result);
std::string gan_insertion_html(const GanInsertionResult& result);

// DIR/intervention.json, pair_<i>_before.png and pair_<i>_after.png per pair, and report.html
// showing the pairs.
void write_gan_paint(const std::filesystem::path& dir, const GanPaintResult& result);
std::string gan_paint_json(const GanPaintResult& result);
std::string gan_paint_html(const GanPaintResult& result);

}  // namespace unitscope::analysis
