// `unitscope attack`: targeted PGD attacks, seen through the units an ablate run found important.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "analysis/intervene/adversarial.h"
#include "analysis/intervene/intervention_report.h"
#include "engine/cli/class_data_options.h"
#include "engine/cli/command_runner.h"
#include "engine/cli/commands.h"

namespace unitscope::engine {
namespace {

struct AttackCommandOptions {
  ClassDataOptions data;
  analysis::AttackOptions attack;
  std::string importance, out;
};

void run(AttackCommandOptions& o) {
  analysis::AttackOptions options = o.attack;
  o.data.apply(options);
  options.importance = o.importance;
  analysis::AttackProgress progress;
  ProgressLines lines("attack");
  analysis::AttackResult r;
  run_command(
      "attack", OnInterrupt::kWritesNothing,
      [&](std::stop_token stop) { r = analysis::run_attack(options, progress, stop); },
      {.poll = [&] { lines.update(progress.phase, nullptr, progress.done, progress.total); }, .finish = {}});
  analysis::write_attack(o.out, r);

  std::printf("attacked %zu images of %s (%zu skipped) with targeted PGD, target %s, epsilon %.2f/255, "
              "step %.2f, %d steps (%.1f s)\n",
              r.images.size(), r.model.c_str(), r.skipped, r.target_rule.c_str(), r.epsilon, r.step, r.steps,
              r.seconds);
  std::printf("reached the target class: %zu/%zu (%.1f%%)\n", r.succeeded, r.images.size(),
              r.images.empty() ? 0.0 : 100.0 * double(r.succeeded) / double(r.images.size()));
  std::printf("mean signed change of peak activations in layer %s:\n", r.layer.c_str());
  std::printf("  label's top-%d units   %+.4f\n", r.top_units, r.label_units_signed);
  std::printf("  target's top-%d units  %+.4f\n", r.top_units, r.target_units_signed);
  std::printf("  all other units       %+.4f\n", r.other_units_signed);
  std::printf("  important units toward the target %+.4f vs other units %+.4f (%.1fx)\n", r.toward_target,
              r.other_units_signed,
              r.other_units_signed != 0 ? std::abs(r.toward_target / r.other_units_signed) : 0.0);
  std::printf("mean |change| of peak activations:\n");
  std::printf("  top-%d units of label and target  %.4f  (relative to the unit's clean peak: %.4f)\n",
              r.top_units, r.important_change, r.important_relative);
  std::printf("  all other units                    %.4f  (relative: %.4f)\n", r.other_change, r.other_relative);
  std::printf("  ratio                              %.2fx\n",
              r.other_change > 0 ? r.important_change / r.other_change : 0.0);
  std::printf("results in %s (attack.json, attack_images.csv, attack_units.csv, report.html)\n", o.out.c_str());
}

}  // namespace

void add_attack_command(CLI::App& app) {
  auto o = std::make_shared<AttackCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "attack", "Targeted PGD attack; compare how it moves important units against all others");
  add_class_data_options(*cmd, o->data, "Attack only the first N images of the split (0: all)");
  auto& a = o->attack;
  cmd->add_option("--importance", o->importance, "An `unitscope ablate` output directory (layer and rankings)")
      ->required();
  cmd->add_option("--out", o->out, "Output directory")->required();
  cmd->add_option("--split", a.split, "Split to attack")->capture_default_str();
  cmd->add_option("--epsilon", a.epsilon, "L-infinity bound in 0-255 pixel units")->capture_default_str();
  cmd->add_option("--step", a.step, "PGD step size in 0-255 pixel units")->capture_default_str();
  cmd->add_option("--steps", a.steps, "PGD steps")->capture_default_str();
  cmd->add_option("--target", a.target, "Target class: next (label + 1), random, or a class name")
      ->capture_default_str();
  cmd->add_option("--target-seed", a.seed, "Seed for --target random")->capture_default_str();
  cmd->add_option("--top-units", a.top_units, "Most important units per class (from the ablate ranking)")
      ->capture_default_str();
  cmd->add_flag("--all-images", a.all_images, "Also attack images the model misclassifies");
  cmd->add_option("--batch", a.batch, "Images per PGD batch")->capture_default_str();
  cmd->add_option("--examples", a.examples, "Clean/adversarial pairs drawn in report.html")->capture_default_str();
  cmd->footer("Ctrl-C stops the run (a second Ctrl-C quits at once); nothing is written then.");
  cmd->callback([o] { run(*o); });
}

}  // namespace unitscope::engine
