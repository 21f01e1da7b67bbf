// `unitscope ablate`: which units each class depends on, by zeroing them one at a time.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "analysis/data/error.h"
#include "analysis/model/layer_layout.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/intervene/intervention_report.h"
#include "analysis/intervene/unit_importance.h"
#include "engine/cli/class_data_options.h"
#include "engine/cli/command_runner.h"
#include "engine/cli/commands.h"
#include "engine/studio/demo_assets.h"

namespace unitscope::engine {
namespace {

struct AblateCommandOptions {
  ClassDataOptions data;
  analysis::ImportanceOptions importance;
  std::string out, dissection;
  std::string layout = "auto";
};

std::string pct(double v) {
  if (std::isnan(v)) return "  n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%5.1f%%", 100.0 * v);
  return buffer;
}

void run(AblateCommandOptions& o) {
  analysis::ImportanceOptions options = o.importance;
  if (options.layer.empty()) {
    if (o.data.model.model != demo_model("classifier.pt")) {
      throw analysis::Error("ablate: give --layer for " + o.data.model.model +
                            " (`unitscope layers --model ...` lists them)");
    }
    options.layer = kDemoClassifierLayer;
  }
  o.data.apply(options);
  options.dissection = o.dissection;
  options.layout = analysis::parse_layout(o.layout);
  static const char* kPhases[] = {nullptr, "ranking units on train", "curves on val", nullptr};
  analysis::ImportanceProgress progress;
  ProgressLines lines("ablate");
  analysis::ImportanceResult r;
  run_command(
      "ablate", OnInterrupt::kWritesNothing,
      [&](std::stop_token stop) { r = analysis::measure_importance(options, progress, stop); },
      {.poll = [&] {
        const int phase = progress.phase;
        lines.update(phase, phase >= 0 && phase <= 3 ? kPhases[phase] : nullptr, progress.done, progress.total);
      }, .finish = {}});
  analysis::write_importance(o.out, r);

  const std::size_t K = std::size_t(r.curve_k);
  std::printf("ablated layer %s of %s: %d units, ranked on %zu train images, curves on %zu val images "
              "(%.1f s, %zu ablated samples)\n",
              r.layer.c_str(), r.model.c_str(), r.units, r.train_images, r.val_images, r.seconds,
              r.ablated_samples);
  std::printf("mean one-vs-rest balanced accuracy on val, k = %zu:\n", K);
  std::printf("  no ablation                      %s\n", pct(r.mean_removed[0]).c_str());
  std::printf("  each class's top-%zu removed      %s\n", K, pct(r.mean_removed[K]).c_str());
  std::printf("  %zu random units removed          %s  (mean of %d orders)\n", K, pct(r.mean_random[K]).c_str(),
              r.random_repeats);
  std::printf("  all but each class's top-%zu      %s\n", K, pct(r.mean_kept[K]).c_str());
  std::printf("%-16s %6s %8s %8s %8s  top units\n", "class", "val", "-top", "-random", "top only");
  for (const auto& c : r.classes) {
    std::string top;
    for (std::size_t i = 0; i < std::min<std::size_t>(5, c.ranking.size()); ++i) {
      top += (i ? " " : "") + std::to_string(analysis::unit_number(c.ranking[i]));
    }
    std::printf("%-16s %6s %8s %8s %8s  %s\n", c.name.c_str(), pct(c.val_accuracy).c_str(),
                pct(c.removed[K]).c_str(), pct(c.random[K]).c_str(), pct(c.kept[K]).c_str(), top.c_str());
  }
  if (!r.iou_excluded.empty()) {
    std::printf("unit IoUs from %s, leaving out %s concepts\n", r.dissection.string().c_str(),
                r.iou_excluded.c_str());
  }
  std::printf("units by the number of classes whose top %d holds them:", r.top_n);
  for (const auto& b : r.by_count) std::printf(" %s: %d", b.name.c_str(), b.units);
  std::printf("\n");
  for (const auto& b : r.few_many) {
    char iou[32] = "n/a";
    if (!std::isnan(b.mean_iou)) std::snprintf(iou, sizeof(iou), "%.4f", b.mean_iou);
    std::printf("  mean IoU of units in the top %d of %-12s %3d units, %s\n", r.top_n, (b.name + ":").c_str(),
                b.units, iou);
  }
  std::printf("results in %s (ablation.json, importance.csv, curves.csv, units.csv, report.html)\n",
              o.out.c_str());
}

}  // namespace

void add_ablate_command(CLI::App& app) {
  auto o = std::make_shared<AblateCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ablate", "Rank each class's most important units of a layer by ablation, with removal curves");
  add_class_data_options(*cmd, o->data, "Use only the first N images of each split (0: all)");
  auto& im = o->importance;
  cmd->add_option("--layer", im.layer,
                  std::string("Layer whose units to ablate (see `unitscope layers`); the demo "
                              "classifier's default is ") + kDemoClassifierLayer);
  cmd->add_option("--layout", o->layout,
                  "How the layer holds its units: auto (guessed, as `layers` shows), nchw, nhwc, tokens or "
                  "cls-tokens")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Output directory")->required();
  cmd->add_option("--train-split", im.train_split, "Split that ranks the units")->capture_default_str();
  cmd->add_option("--val-split", im.val_split, "Split the curves are measured on")->capture_default_str();
  cmd->add_option("--k", im.curve_k, "Curves for k = 0..K removed units")->capture_default_str();
  cmd->add_option("--random-repeats", im.random_repeats, "Random removal orders averaged")->capture_default_str();
  cmd->add_option("--random-seed", im.seed, "Seed of the random removal orders")->capture_default_str();
  cmd->add_option("--top-n", im.top_n, "Top-n per class for importance against interpretability")
      ->capture_default_str();
  cmd->add_option("--many", im.many, "Units in the top-n of at least this many classes count as \"many\" "
                                     "(0: 7 with 100+ classes, else 2)");
  cmd->add_option("--dissection", o->dissection,
                  "A `unitscope dissect` output directory of the same model: unit IoUs for the "
                  "importance-against-interpretability table");
  cmd->add_flag("--iou-with-label-category", im.iou_with_label_category,
                "Count the --label-category concepts (the classes themselves) in unit IoUs too");
  cmd->add_option("--batch", im.batch, "Images per forward pass to the layer")->capture_default_str();
  cmd->add_option("--max-rows", im.max_rows, "Ablated samples per forward pass after the layer")
      ->capture_default_str();
  cmd->footer("Ctrl-C stops the run (a second Ctrl-C quits at once); nothing is written then.");
  cmd->callback([o] { run(*o); });
}

}  // namespace unitscope::engine
