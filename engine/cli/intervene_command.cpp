// `unitscope intervene`: switch a concept's GAN units off (ablate), on in a region (insert) or
// paint them into a mask (paint), measuring the effect with the segmenter.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "analysis/dissect/dissection_report.h"
#include "analysis/data/error.h"
#include "analysis/intervene/gan_intervention.h"
#include "analysis/data/image.h"
#include "engine/cli/commands.h"
#include "engine/studio/demo_assets.h"
#include "engine/cli/model_options.h"

namespace unitscope::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct InterveneOptions {
  ModelOptions generator;
  std::string segmenter;
  std::string action = "ablate";
  std::string layer;
  std::string dissection = "gan_dissection";
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

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw analysis::Error("cannot write " + path.string());
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

std::string percent(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f%%", 100.0 * v);
  return buffer;
}

// OUT/report.html: one table, for the ablate and insert actions.
void html_table(const InterveneOptions& o, const std::string& title, const std::string& caption,
                const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string html = "<!doctype html><meta charset=utf-8><title>unitscope: " + analysis::html_escape(title) +
                     "</title><style>body{font-family:sans-serif}td,th{padding:2px 10px;text-align:right}</style>"
                     "<h1>" + analysis::html_escape(title) + "</h1><p>" + analysis::html_escape(caption) +
                     "<p>generator <code>" + analysis::html_escape(o.generator.model) + "</code>, " +
                     std::to_string(o.samples) + " samples of latent seed " + std::to_string(o.latent_seed) +
                     "<table><tr>";
  for (const auto& h : header) html += "<th>" + analysis::html_escape(h) + "</th>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + analysis::html_escape(cell) + "</td>";
  }
  write_text(fs::path(o.out) / "report.html", html + "</table>\n");
}

void run(InterveneOptions o) {
  if (o.layer.empty()) {
    if (o.generator.model != demo_model("gan.pt")) {
      throw analysis::Error("intervene: give --layer for " + o.generator.model);
    }
    o.layer = kDemoGanLayer;
  }
  // The demo GAN's vegetation units detect "bush" (its trees are drawn as bush-like blobs) and
  // it draws houses on the ground, not in the sky.
  if (o.concept_name.empty()) o.concept_name = o.action == "ablate" ? "bush" : "house";
  analysis::GanInterventionOptions options;
  options.generator = o.generator.spec();
  options.segmenter = {o.segmenter, {}, 1};
  options.layer = o.layer;
  options.dissection = o.dissection;
  options.concept_name = o.concept_name;
  options.samples = o.samples;
  options.seed = o.latent_seed;
  options.threads = o.generator.threads;
  analysis::GanEditor editor(options);
  fs::create_directories(o.out);
  json doc{{"action", o.action}, {"generator", o.generator.model}, {"segmenter", o.segmenter},
           {"layer", o.layer},   {"concept", o.concept_name},     {"latent_seed", o.latent_seed},
           {"samples", o.samples}};

  if (o.action == "ablate") {
    std::vector<int> counts;
    for (double c : numbers(o.counts, "--counts")) counts.push_back(int(c));
    const auto effect = editor.ablate(counts);
    std::printf("ablating the top units for %s at %s over %zu samples (%llu %s pixels before):\n",
                o.concept_name.c_str(), o.layer.c_str(), o.samples,
                static_cast<unsigned long long>(effect.concept_pixels), o.concept_name.c_str());
    std::printf("  units  %s removed  other objects kept\n", o.concept_name.c_str());
    std::string csv = "units,removed,others_kept\n";
    json points = json::array();
    for (const auto& p : effect.points) {
      std::printf("  %5d  %6.1f%%   %6.1f%%\n", p.units, 100.0 * p.removed, 100.0 * p.others_kept);
      csv += std::to_string(p.units) + "," + std::to_string(p.removed) + "," + std::to_string(p.others_kept) + "\n";
      points.push_back({{"units", p.units}, {"removed", p.removed}, {"others_kept", p.others_kept}});
    }
    html_table(o, "Removing " + o.concept_name + " units",
               "Share of the " + o.concept_name + " pixels that disappear when the concept's top units of " +
                   o.layer + " are switched off everywhere, and pixels of all other objects after / before.",
               {"units", "removed", "other objects kept"}, [&] {
                 std::vector<std::vector<std::string>> rows;
                 for (const auto& p : effect.points) {
                   rows.push_back({std::to_string(p.units), percent(p.removed), percent(p.others_kept)});
                 }
                 return rows;
               }());
    doc["concept_pixels"] = effect.concept_pixels;
    doc["ranked_units"] = effect.ranked_units;
    doc["points"] = points;
    write_text(fs::path(o.out) / "ablation.csv", csv);
  } else if (o.action == "insert") {
    const auto effect = editor.insert(o.units, o.region, o.strength);
    std::printf("inserting %s (%d units at %.1fx their threshold) in %dx%d squares of %s's grid over %zu samples:\n"
                "  mean share of the square that becomes %s: %.1f%%; by what was there before:\n",
                o.concept_name.c_str(), o.units, o.strength, o.region, o.region, o.layer.c_str(), o.samples,
                o.concept_name.c_str(), 100.0 * effect.mean_added);
    std::string csv = "context,trials,added\n";
    json contexts = json::array();
    for (const auto& c : effect.contexts) {
      std::printf("  %-12s %6zu trials  %6.1f%%\n", c.context.c_str(), c.trials, 100.0 * c.added);
      csv += c.context + "," + std::to_string(c.trials) + "," + std::to_string(c.added) + "\n";
      contexts.push_back({{"context", c.context}, {"trials", c.trials}, {"added", c.added}});
    }
    html_table(o, "Inserting " + o.concept_name + " units",
               "Share of a " + std::to_string(o.region) + "x" + std::to_string(o.region) + " square of " + o.layer +
                   "'s grid that becomes " + o.concept_name + " when its top units are switched on there, by the "
                   "object that was under most of the square before. Overall: " + percent(effect.mean_added) + ".",
               {"context", "trials", "added"}, [&] {
                 std::vector<std::vector<std::string>> rows;
                 for (const auto& c : effect.contexts) rows.push_back({c.context, std::to_string(c.trials), percent(c.added)});
                 return rows;
               }());
    doc["units"] = effect.units;
    doc["region"] = effect.region;
    doc["mean_added"] = effect.mean_added;
    doc["contexts"] = contexts;
    write_text(fs::path(o.out) / "insertion.csv", csv);
  } else {
    std::string html = "<!doctype html><meta charset=utf-8><title>unitscope paint</title><body>"
                       "<h1>Paint " + analysis::html_escape(o.concept_name) + (o.remove ? " (remove)" : " (draw)") + "</h1>";
    json pairs = json::array();
    for (int i = 0; i < o.pairs; ++i) {
      analysis::PaintRequest request;
      request.sample = std::size_t(i);
      request.units = o.units;
      request.remove = o.remove;
      request.strength = o.strength;
      const auto [width, height] = editor.output_size();
      request.mask = paint_mask(o, width, height);
      const auto probe = editor.paint(request);
      const std::string stem = "pair_" + std::to_string(i);
      analysis::write_png(fs::path(o.out) / (stem + "_before.png"), probe.before);
      analysis::write_png(fs::path(o.out) / (stem + "_after.png"), probe.after);
      std::printf("  sample %d: %s covers %.1f%% of the mask before, %.1f%% after\n", i, o.concept_name.c_str(),
                  100.0 * probe.concept_before, 100.0 * probe.concept_after);
      pairs.push_back({{"sample", i}, {"before", probe.concept_before}, {"after", probe.concept_after}});
      html += "<p>sample " + std::to_string(i) + "<br><img width=256 src=\"" + stem + "_before.png\"> <img width=256 src=\"" +
              stem + "_after.png\">";
    }
    doc["pairs"] = pairs;
    write_text(fs::path(o.out) / "report.html", html + "</body>\n");
  }
  write_text(fs::path(o.out) / "intervention.json", doc.dump(2) + "\n");
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
  cmd->add_option("--segmenter", o->segmenter, "Segmenter that measures the effect")->capture_default_str();
  cmd->add_option("--layer", o->layer, "Generator layer; default with the demo GAN: " + std::string(kDemoGanLayer));
  cmd->add_option("--dissection", o->dissection, "A gan-dissect output directory holding the layer")
      ->capture_default_str();
  cmd->add_option("--concept", o->concept_name, "Segmenter object to remove, insert or paint (default: bush for ablate, house otherwise)");
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
