// `unitscope eval`: recomputes the demo models' held-out metrics from the committed weights and,
// with --check, compares them with the figures their training runs recorded.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/world/demo_metrics.h"
#include "analysis/data/error.h"
#include "engine/cli/commands.h"
#include "engine/studio/demo_assets.h"

namespace unitscope::engine {
namespace {

using nlohmann::json;

struct EvalOptions {
  std::string classifier;
  std::string segmenter;
  std::string generator;
  std::string only;  // classifier, segmenter or gan; empty: all three
  std::size_t images = 1000;
  std::size_t samples = 500;
  std::uint64_t seed = analysis::kHeldOutSeed;
  std::string json_out;
  std::string sheet;
  bool check = false;
  int threads = 0;
};

json recorded(const std::string& model) {
  const std::string path = model + ".train.json";
  std::ifstream in(path);
  if (!in) throw analysis::Error("--check: no training record " + path);
  try {
    return json::parse(in).at("held_out_metrics");
  } catch (const json::exception& e) {
    throw analysis::Error("--check: cannot read " + path + ": " + e.what());
  }
}

// Every number in `want` must be in `got` to within kTolerance. On one machine and LibTorch the
// figures are bit-identical; another CPU may pick other conv kernels, whose rounding can flip a
// handful of borderline pixels or images.
constexpr double kTolerance = 0.003;
int compare(const json& want, const json& got, const std::string& where) {
  int mismatches = 0;
  for (auto it = want.begin(); it != want.end(); ++it) {
    const std::string key = where + "." + it.key();
    if (!got.contains(it.key())) {
      std::printf("  MISMATCH %s: recorded but not recomputed\n", key.c_str());
      ++mismatches;
    } else if (it->is_object()) {
      mismatches += compare(*it, got.at(it.key()), key);
    } else if (it->is_number() && std::abs(it->get<double>() - got.at(it.key()).get<double>()) > kTolerance) {
      std::printf("  MISMATCH %s: recorded %.6f, recomputed %.6f\n", key.c_str(), it->get<double>(),
                  got.at(it.key()).get<double>());
      ++mismatches;
    }
  }
  return mismatches;
}

// Four name/percentage pairs per line.
void print_table(const json& per) {
  int column = 0;
  for (auto it = per.begin(); it != per.end(); ++it) {
    std::printf("  %-14s %6.1f%%", it.key().c_str(), 100.0 * it->get<double>());
    if (++column % 4 == 0) std::printf("\n");
  }
  if (column % 4) std::printf("\n");
}

void run(const EvalOptions& o) {
  analysis::set_threads(o.threads);
  const auto spec = [](const std::string& path) { return analysis::ModelSpec{path, {}, 1}; };
  json all = json::object();
  int mismatches = 0;
  if (o.only.empty() || o.only == "classifier") {
    const std::size_t n = o.check ? recorded(o.classifier).at("images").get<std::size_t>() : o.images;
    const auto m = analysis::evaluate_classifier(spec(o.classifier), n, o.seed);
    const json j = json::parse(analysis::to_json(m));
    std::printf("classifier %s\n  accuracy %.2f%% on %zu held-out images (world seed %llu); per class:\n",
                o.classifier.c_str(), 100.0 * m.accuracy, m.images, (unsigned long long)o.seed);
    print_table(j.at("class_accuracy"));
    if (o.check) mismatches += compare(recorded(o.classifier), j, "classifier");
    all["classifier"] = j;
  }
  if (o.only.empty() || o.only == "segmenter") {
    const std::size_t n = o.check ? recorded(o.segmenter).at("images").get<std::size_t>() : o.images;
    const auto m = analysis::evaluate_segmenter(spec(o.segmenter), n, o.seed);
    const json j = json::parse(analysis::to_json(m));
    std::printf("segmenter %s\n  mean IoU %.3f over objects, pixel accuracy %.2f%% on %zu held-out images; IoU per object:\n",
                o.segmenter.c_str(), m.mean_iou, 100.0 * m.pixel_accuracy, m.images);
    print_table(j.at("iou"));
    if (o.check) mismatches += compare(recorded(o.segmenter), j, "segmenter");
    all["segmenter"] = j;
  }
  if (o.only.empty() || o.only == "gan") {
    const std::size_t n = o.check ? recorded(o.generator).at("samples").get<std::size_t>() : o.samples;
    const auto m = analysis::evaluate_gan(spec(o.generator), spec(o.segmenter), n, o.seed);
    const json j = json::parse(analysis::to_json(m));
    std::printf("gan %s\n  %.1f%% of %zu samples have >= 2 objects covering >= 50%% of the pixels "
                "(object: >= %.0f%% of pixels at confidence >= %.1f); mean objects %.2f, coverage %.1f%%\n"
                "  samples with each object:\n",
                o.generator.c_str(), 100.0 * m.pass_fraction, m.samples, 100.0 * analysis::kMinObjectShare,
                analysis::kMinConfidence, m.mean_objects, 100.0 * m.mean_coverage);
    print_table(j.at("object_frequency"));
    if (o.check) mismatches += compare(recorded(o.generator), j, "gan");
    if (!o.sheet.empty()) {
      analysis::write_gan_contact_sheet(spec(o.generator), 1, o.sheet);
      std::printf("  wrote 64 samples (latent seed 1) to %s\n", o.sheet.c_str());
    }
    all["gan"] = j;
  }
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    out << all.dump(2) << '\n';
    if (!out) throw analysis::Error("cannot write " + o.json_out);
  }
  if (o.check) {
    if (mismatches) throw analysis::Error(std::to_string(mismatches) + " metric(s) differ from the training records");
    std::printf("all recomputed metrics match the training records (to within %.3f)\n", kTolerance);
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  o->classifier = demo_model("classifier.pt");
  o->segmenter = demo_model("segmenter.pt");
  o->generator = demo_model("gan.pt");
  auto* cmd = app.add_subcommand("eval", "Recompute the demo models' metrics on held-out SceneWorld");
  cmd->add_option("--classifier", o->classifier, "scene classifier")->capture_default_str();
  cmd->add_option("--segmenter", o->segmenter, "object segmenter (also scores the GAN)")->capture_default_str();
  cmd->add_option("--generator", o->generator, "GAN generator")->capture_default_str();
  cmd->add_option("--only", o->only, "evaluate one model")->check(CLI::IsMember({"classifier", "segmenter", "gan"}));
  cmd->add_option("--images", o->images, "held-out images for the classifier and segmenter")->capture_default_str();
  cmd->add_option("--samples", o->samples, "GAN samples")->capture_default_str();
  cmd->add_option("--seed", o->seed, "held-out world (and latent) seed")->capture_default_str();
  cmd->add_option("--json", o->json_out, "also write the metrics as JSON");
  cmd->add_option("--contact-sheet", o->sheet, "write 64 GAN samples to this PNG");
  cmd->add_flag("--check", o->check,
                "use the training records' image counts and fail unless every recorded figure is reproduced");
  cmd->add_option("--threads", o->threads, "LibTorch threads (0: one per core)");
  cmd->callback([o] { run(*o); });
}

}  // namespace unitscope::engine
