// `unitscope intervene`: switch a concept's GAN units off (ablate), on in a region (insert) or
// paint them into a mask (paint), measuring the effect with the segmenter.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/error.h"
#include "analysis/data/image.h"
#include "analysis/intervene/gan_intervention.h"
#include "analysis/intervene/gan_intervention_report.h"
#include "engine/cli/commands.h"
#include "engine/studio/demo_assets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_dissection.h"
#include "engine/cli/model_options.h"

namespace unitscope::engine {
namespace {

namespace fs = std::filesystem;

struct InterveneOptions {
  ModelOptions generator;
  std::string segmenter;
  std::string action = "ablate";
  std::string layer;
  std::string dissection;  // empty: the cached dissection of generator, segmenter and layer
  std::string concept_name;
  std::string out = "intervention";
  std::size_t samples = 200;
  std::uint64_t latent_seed = 2;
  std::string counts = "1,2,3,4,8,20";
  int units = 20;
  int region = 4;
  double strength = 1.0;
  std::string rect = "0.25,0.5,0.75,0.9";  // paint: x0,y0,x1,y1 as fractions of the image
  std::string mask;                          // paint: a mask PNG instead of the rectangle
  bool remove = false;
  int pairs = 8;
  std::string rank = "iou";
  std::size_t ace_samples = 32;
};

std::vector<double> numbers(const std::string& text, const std::string& what) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw analysis::Error(what + ": \"" + item + "\" is not a number");
    }
  }
  return out;
}

analysis::Image paint_mask(const InterveneOptions& o, int width, int height) {
  if (!o.mask.empty()) {
    analysis::Image m = analysis::read_image(o.mask, 1);
    if (m.width != width || m.height != height) {
      throw analysis::Error("mask " + o.mask + " is " + std::to_string(m.width) + "x" +
                            std::to_string(m.height) + "; the generator draws " + std::to_string(width) +
                            "x" + std::to_string(height));
    }
    return m;
  }
  const auto r = numbers(o.rect, "--rect");
  if (r.size() != 4 || r[0] >= r[2] || r[1] >= r[3] || r[0] < 0 || r[3] > 1 || r[2] > 1 || r[1] < 0) {
    throw analysis::Error("--rect wants x0,y0,x1,y1 with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, not " + o.rect);
  }
  analysis::Image m(width, height, 1);
  for (int y = int(r[1] * height); y < int(r[3] * height); ++y) {
    for (int x = int(r[0] * width); x < int(r[2] * width); ++x) *m.at(x, y) = 255;
  }
  return m;
}

void run_ablate(const InterveneOptions& o, analysis::GanEditor& editor,
                analysis::GanInterventionRun info) {
  std::vector<int> counts;
  for (double c : numbers(o.counts, "--counts")) {
    if (c < 1 || c != double(int(c))) throw analysis::Error("--counts: " + std::to_string(c) + " is no unit count");
    counts.push_back(int(c));
  }
  analysis::GanAblationResult r{std::move(info), {}, {}};
  if (o.rank == "ace") {
    std::fprintf(stderr, "intervene: learning which units remove %s together, over %zu samples\n",
                 o.concept_name.c_str(), o.ace_samples);
    const std::size_t most = std::size_t(*std::max_element(counts.begin(), counts.end()));
    const std::vector<int> order = editor.rank_by_causal_effect(most);
    r.effect = editor.ablate(counts, order, editor.causal_effects(order));
    r.by_iou = editor.ablate(counts);
  } else {
    r.effect = editor.ablate(counts);
  }
  std::printf("ablating the top units by %s for %s at %s over %zu samples (%llu %s pixels before):\n",
              o.rank == "ace" ? "ACE" : "IoU", o.concept_name.c_str(), o.layer.c_str(), o.samples,
              static_cast<unsigned long long>(r.effect.concept_pixels), o.concept_name.c_str());
  std::printf("  units  %s removed  other objects kept%s\n", o.concept_name.c_str(),
              r.by_iou ? "  removed by IoU top-k" : "");
  for (std::size_t i = 0; i < r.effect.points.size(); ++i) {
    const auto& p = r.effect.points[i];
    std::printf("  %5d  %6.1f%%   %6.1f%%", p.units, 100.0 * p.removed, 100.0 * p.others_kept);
    if (r.by_iou) std::printf("            %6.1f%%", 100.0 * r.by_iou->points[i].removed);
    std::printf("\n");
  }
  analysis::write_gan_ablation(o.out, r);
}

void run_insert(const InterveneOptions& o, analysis::GanEditor& editor,
                analysis::GanInterventionRun info) {
  const analysis::GanInsertionResult r{std::move(info),
                                       editor.insert(o.units, o.region, o.strength)};
  std::printf("inserting %s (%d units at %.1fx their threshold) in %dx%d squares of %s's grid "
              "over %zu samples:\n"
              "  mean share of the square that becomes %s: %.1f%%; by what was there before:\n",
              o.concept_name.c_str(), o.units, o.strength, o.region, o.region, o.layer.c_str(),
              o.samples, o.concept_name.c_str(), 100.0 * r.effect.mean_added);
  for (const auto& c : r.effect.contexts) {
    std::printf("  %-12s %6zu trials  %6.1f%%\n", c.context.c_str(), c.trials, 100.0 * c.added);
  }
  analysis::write_gan_insertion(o.out, r);
}

void run_paint(const InterveneOptions& o, analysis::GanEditor& editor,
               analysis::GanInterventionRun info) {
  analysis::GanPaintResult r{std::move(info), o.remove, {}};
  for (int i = 0; i < o.pairs; ++i) {
    analysis::PaintRequest request;
    request.sample = std::size_t(i);
    request.units = o.units;
    request.remove = o.remove;
    request.strength = o.strength;
    const auto [width, height] = editor.output_size();
    request.mask = paint_mask(o, width, height);
    r.pairs.push_back({i, editor.paint(request)});
    const auto& probe = r.pairs.back().result;
    std::printf("  sample %d: %s covers %.1f%% of the mask before, %.1f%% after\n", i,
                o.concept_name.c_str(), 100.0 * probe.concept_before, 100.0 * probe.concept_after);
  }
  analysis::write_gan_paint(o.out, r);
}

// --dissection, else the cached dissection of this generator, segmenter and layer, else a new one
// (as `record` makes it).
std::string find_dissection(const InterveneOptions& o) {
  if (!o.dissection.empty()) return o.dissection;
  StudioDissectionQuery query;
  query.model = o.generator.model;
  query.layer = o.layer;
  query.segmenter = o.segmenter;
  const StudioDissectionLoad found = load_studio_dissection(query);
  if (found.dissection) {
    std::fprintf(stderr, "intervene: using the dissection in %s\n", found.dir.string().c_str());
    return found.dir.string();
  }
  StudioDissectionRequest request;
  request.model = resolve_model(o.generator.model);
  request.layers = {o.layer};
  request.generator = true;
  request.segmenter = o.segmenter;
  request.threads = o.generator.threads;
  request.out = studio_dissection_cache_dir(request.model, o.layer);
  std::fprintf(stderr, "intervene: no dissection of %s yet; dissecting it (cached in %s)\n", o.layer.c_str(),
               studio_dissection_out(request).string().c_str());
  analysis::DissectProgress progress;
  run_studio_dissection(request, progress);
  return studio_dissection_out(request).string();
}

void run(InterveneOptions o) {
  if (o.layer.empty()) {
    if (o.generator.model != demo_model("gan.pt")) {
      throw analysis::Error("intervene: give --layer for " + o.generator.model);
    }
    o.layer = kDemoGanLayer;
  }
  if (o.segmenter == "demo") o.segmenter = demo_segmenter();
  if (o.rank == "ace" && o.action != "ablate") throw analysis::Error("intervene: --rank ace ranks the units of --action ablate");
  // The demo GAN's vegetation units detect "bush" (its trees are drawn as bush-like blobs) and
  // it draws houses on the ground, not in the sky.
  if (o.concept_name.empty()) {
    if (segmenter_tag(o.segmenter) != "") {
      throw analysis::Error("intervene: give --concept, one of the concepts of " + o.segmenter);
    }
    o.concept_name = o.action == "ablate" ? "bush" : "house";
  }
  o.dissection = find_dissection(o);
  analysis::GanInterventionOptions options;
  options.generator = o.generator.spec();
  options.segmenter = {o.segmenter, {}, 1};
  options.layer = o.layer;
  options.dissection = o.dissection;
  options.concept_name = o.concept_name;
  options.samples = o.samples;
  options.ace_samples = o.ace_samples;
  options.seed = o.latent_seed;
  options.threads = o.generator.threads;
  analysis::GanEditor editor(options);
  // Made before the edit, as it always was: OUT exists even when the edit fails.
  fs::create_directories(o.out);
  analysis::GanInterventionRun info{o.generator.model, o.segmenter,   o.layer,
                                    o.concept_name,    o.latent_seed, o.samples};
  if (o.action == "ablate") {
    run_ablate(o, editor, std::move(info));
  } else if (o.action == "insert") {
    run_insert(o, editor, std::move(info));
  } else {
    run_paint(o, editor, std::move(info));
  }
  std::printf("results in %s\n", o.out.c_str());
}

}  // namespace

void add_intervene_command(CLI::App& app) {
  auto o = std::make_shared<InterveneOptions>();
  CLI::App* cmd = app.add_subcommand(
      "intervene", "Switch a concept's GAN units off, on in a region, or paint them (GANPaint)");
  add_model_options(*cmd, o->generator, demo_model("gan.pt"));
  o->segmenter = demo_model("segmenter.pt");
  cmd->add_option("--action", o->action, "ablate, insert or paint")
      ->check(CLI::IsMember({"ablate", "insert", "paint"}))
      ->capture_default_str();
  cmd->add_option("--segmenter", o->segmenter,
                  "Segmenter that measures the effect (a sidecar names its concepts; \"demo\": the demo's)")
      ->capture_default_str();
  cmd->add_option("--layer", o->layer, "Generator layer; default with the demo GAN: " + std::string(kDemoGanLayer));
  cmd->add_option("--dissection", o->dissection,
                  "A gan-dissect output directory holding the layer; default: the cached dissection of "
                  "this generator, segmenter and layer, made first when there is none");
  cmd->add_option("--concept", o->concept_name,
                  "A concept of the segmenter to remove, insert or paint (demo segmenter's default: bush for "
                  "ablate, house otherwise)");
  cmd->add_option("--rank", o->rank,
                  "ablate: choose the units by IoU (the dissection) or by ace, their average causal effect "
                  "on the concept (GAN Dissection); ace also reports the IoU-ranked curve beside it")
      ->check(CLI::IsMember({"iou", "ace"}))
      ->capture_default_str();
  cmd->add_option("--ace-samples", o->ace_samples, "rank ace: latent samples each unit's effect is measured over")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Output directory")->capture_default_str();
  cmd->add_option("--samples", o->samples, "Latent samples to measure over")->capture_default_str();
  cmd->add_option("--latent-seed", o->latent_seed, "Seed of the latent samples")->capture_default_str();
  cmd->add_option("--counts", o->counts, "ablate: numbers of top units to switch off")->capture_default_str();
  cmd->add_option("--units", o->units, "insert and paint: how many of the concept's top units")
      ->capture_default_str();
  cmd->add_option("--region", o->region, "insert: side of the square, in layer cells")->capture_default_str();
  cmd->add_option("--strength", o->strength, "insert and paint: multiple of each unit's threshold")
      ->capture_default_str();
  cmd->add_option("--rect", o->rect, "paint: x0,y0,x1,y1 in fractions of the image")->capture_default_str();
  cmd->add_option("--mask", o->mask, "paint: a one-channel PNG mask at the output size instead of --rect");
  cmd->add_flag("--remove", o->remove, "paint: switch the units off in the mask instead of drawing");
  cmd->add_option("--pairs", o->pairs, "paint: before/after pairs to write")->capture_default_str();
  cmd->callback([o] { run(*o); });
}

}  // namespace unitscope::engine
