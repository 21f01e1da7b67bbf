// `unitscope dissect` and `unitscope gan-dissect`: network dissection of a classifier over a
// Broden-format dataset, or of a generator over its own segmented samples; both resumable.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/dissect/dissection.h"
#include "analysis/dissect/gan_dissection.h"
#include "analysis/dissect/segmented_labels.h"
#include "analysis/data/error.h"
#include "analysis/model/layer_layout.h"
#include "analysis/stats/iou_tally.h"
#include "engine/cli/cluster.h"
#include "engine/cli/command_runner.h"
#include "engine/cli/commands.h"
#include "engine/studio/demo_assets.h"
#include "engine/studio/studio.h"
#include "engine/cli/model_options.h"

namespace unitscope::engine {
namespace {

// What dissect and gan-dissect share on the command line.
struct DissectRunOptions {
  ModelOptions model;
  std::string layers;
  std::string out;
  std::string convention = "pnas";
  int batch = 16;
  int topk = 8;
  int report_images = 4;
  bool keep_cache = false;
  std::string cache = "auto";
  std::string disk_budget;  // "" (half the free space), bytes, or with K, M, G or T
  bool no_report = false;
  // Unset: the model sidecar's "dissect" knobs, else the defaults.
  std::optional<double> quantile;
  std::optional<double> iou_threshold;
  std::optional<std::string> categories;
  std::optional<int> label_size;
  std::string layout = "auto";
};

struct DissectCommandOptions {
  DissectRunOptions run;
  std::string dataset;
  std::string split;
  std::size_t limit = 0;
  // Concepts from a segmenter: --dataset is then any image folder, list or video.
  std::string segmenter;
  std::string write_labels;
  int video_step = 1;
  bool labels_only = false;
};

struct GanDissectCommandOptions {
  DissectRunOptions run;
  std::string segmenter;
  std::size_t samples = 1000;
  std::uint64_t latent_seed = 1;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string clock_text(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600) {
    std::snprintf(buffer, sizeof(buffer), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%ld:%02ld", s / 60, s % 60);
  }
  return buffer;
}

// A dissection's progress on stderr: a bar with rate and ETA on a terminal, a line per pass
// otherwise. Meant for ProgressHooks, which one thread calls.
class DissectProgressBar {
 public:
  explicit DissectProgressBar(const analysis::DissectProgress& progress)
      : progress_(progress), tty_(isatty(fileno(stderr)) != 0) {}
  ProgressHooks hooks() {
    return {[this] { poll(); }, [this] { finish(); }};
  }

 private:
  void poll();
  // Ends the bar's line, so what follows starts on its own.
  void finish() const {
    if (tty_ && phase_ >= 0) std::fputc('\n', stderr);
  }

  const analysis::DissectProgress& progress_;
  const bool tty_;
  int phase_ = -1;
  std::chrono::steady_clock::time_point phase_start_ = std::chrono::steady_clock::now();
  std::size_t start_done_ = 0;  // images done when the phase began, for the rate
};

void DissectProgressBar::poll() {
  static const char* kPhases[] = {"labels", "forward", "tally", "report", "done"};
  const int p = progress_.phase;
  const std::size_t d = progress_.done;
  const std::size_t total = progress_.total;
  if (p != phase_) {
    if (tty_ && phase_ >= 0) std::fputc('\n', stderr);
    const std::size_t resumed = progress_.resumed_from;
    if (!tty_ && p >= 1 && p <= 2 && resumed > 0) {
      std::fprintf(stderr, "dissect: %s pass, resuming after %zu of %zu images\n", kPhases[p], resumed, total);
    } else if (!tty_ && p >= 1 && p <= 3) {
      std::fprintf(stderr, "dissect: %s pass\n", kPhases[p]);
    }
    if (!tty_ && p == 0 && total > 0) std::fprintf(stderr, "dissect: labelling %zu images\n", total);
    phase_ = p;
    phase_start_ = std::chrono::steady_clock::now();
    start_done_ = d;
  }
  if (!tty_ || p > 2 || total == 0) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(d - start_done_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - d) / rate : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * static_cast<double>(d) / static_cast<double>(total));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%-7s [%s] %zu/%zu  %.1f img/s  ETA %s   ", kPhases[p], bar.c_str(), d,
               total, rate, rate > 0 ? clock_text(eta).c_str() : "--:--");
  std::fflush(stderr);
}

// Runs a dissection job with the progress bar; Ctrl-C stops it where the same command resumes, and
// the job's own error says so.
using DissectJob =
    std::function<analysis::DissectionResult(analysis::DissectProgress&, std::stop_token)>;
analysis::DissectionResult run_with_progress(const std::string& command, const DissectJob& job) {
  analysis::DissectProgress progress;
  DissectProgressBar bar(progress);
  analysis::DissectionResult result;
  // Sharded, rank 0 shows the progress of every rank (the analyses sum it there).
  run_command(
      command, OnInterrupt::kResumes,
      [&](std::stop_token stop) { result = job(progress, stop); }, lead_rank() ? bar.hooks() : ProgressHooks{});
  return result;
}

// Detectors per category and the concepts they detect, as the paper's bar charts count them.
void print_summary(const analysis::DissectionResult& result, const std::string& out, bool no_report) {
  std::printf("dissected %zu images, convention %s\n", result.images,
              analysis::convention_name(result.convention));
  for (const auto& layer : result.layers) {
    int detectors = 0;
    std::map<std::string, std::map<std::string, int>> by_category;
    for (const auto& u : layer.units) {
      if (!u.score.detector(result.iou_threshold)) continue;
      ++detectors;
      const int label = u.score.label;
      const int category = label >= 0 && std::size_t(label) < result.label_category.size()
                               ? result.label_category[std::size_t(label)]
                               : -1;
      const std::string cat = category >= 0 ? result.categories[std::size_t(category)] : "?";
      ++by_category[cat][result.label_names.at(std::size_t(label))];
    }
    std::printf("  %-24s %4zu units, %4d detectors (IoU > %.2f)\n", layer.layer.c_str(),
                layer.units.size(), detectors, result.iou_threshold);
    for (const auto& [category, concepts] : by_category) {
      int units = 0;
      for (const auto& entry : concepts) units += entry.second;
      std::vector<std::pair<int, std::string>> sorted;
      for (const auto& [name, n] : concepts) sorted.emplace_back(-n, name);
      std::sort(sorted.begin(), sorted.end());
      std::string list;
      for (const auto& [n, name] : sorted) list += (list.empty() ? "" : ", ") + name + " " + std::to_string(-n);
      std::printf("    %-9s %4d units, %2zu concepts: %s\n", category.c_str(), units, concepts.size(),
                  list.c_str());
    }
    // A unit is labelled by one concept, but may detect concepts of several categories.
    std::printf("    units whose best concept in a category has IoU > %.2f:\n", result.iou_threshold);
    for (std::size_t c = 0; c < result.categories.size(); ++c) {
      std::map<std::string, int> concepts;
      int units = 0;
      for (const auto& u : layer.units) {
        if (c >= u.score.best.size() || !(u.score.best[c].iou > result.iou_threshold)) continue;
        ++units;
        ++concepts[result.label_names.at(std::size_t(u.score.best[c].label))];
      }
      if (units == 0) continue;
      std::vector<std::pair<int, std::string>> sorted;
      for (const auto& [name, n] : concepts) sorted.emplace_back(-n, name);
      std::sort(sorted.begin(), sorted.end());
      std::string list;
      for (const auto& [n, name] : sorted) list += (list.empty() ? "" : ", ") + name + " " + std::to_string(-n);
      std::printf("      %-9s %4d units: %s\n", result.categories[c].c_str(), units, list.c_str());
    }
  }
  std::printf("results in %s (tally.csv and dissection.json per layer%s)\n", out.c_str(),
              no_report ? "" : ", report.html");
}

// "20G", "512M", "1500000": bytes; "" is 0.
std::uint64_t parse_size(const std::string& text, const char* option) {
  if (text.empty()) return 0;
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  double scale = 0.0;
  if (unit.empty() || unit == "B") scale = 1.0;
  if (unit == "K" || unit == "KB") scale = 1e3;
  if (unit == "M" || unit == "MB") scale = 1e6;
  if (unit == "G" || unit == "GB") scale = 1e9;
  if (unit == "T" || unit == "TB") scale = 1e12;
  if (used == 0 || scale == 0.0 || !(value > 0.0) || value * scale > 1e18) {
    throw analysis::Error(std::string(option) + " " + text + " is no size: give bytes, or a number with K, M, G or T (e.g. 20G)");
  }
  return static_cast<std::uint64_t>(value * scale);
}

// The shared options as DissectOptions; with no --layers, the demo model's layer (any other
// model must name its layers).
analysis::DissectOptions dissect_options(const DissectRunOptions& o, const std::string& command,
                                         const std::string& demo, const char* demo_layer) {
  std::string layers = o.layers;
  if (layers.empty()) {
    if (o.model.model != demo) {
      throw analysis::Error(command + ": give --layers for " + o.model.model +
                            " (`unitscope layers --model ...` lists them)");
    }
    layers = demo_layer;
  }
  analysis::DissectOptions options;
  options.model = o.model.spec();
  options.threads = o.model.threads;
  if (cluster() && options.threads == 0) options.threads = cluster_threads();
  options.layers = split_list(layers);
  options.out = o.out;
  options.convention = analysis::parse_convention(o.convention);
  options.batch = o.batch;
  options.topk = o.topk;
  options.report_images = o.report_images;
  options.keep_cache = o.keep_cache;
  options.cache = analysis::parse_cache_mode(o.cache);
  options.disk_budget = parse_size(o.disk_budget, "--disk-budget");
  if (lead_rank()) options.on_note = [](const std::string& note) { std::fprintf(stderr, "%s\n", note.c_str()); };
  options.exchange = cluster();
  options.write_report = !o.no_report;
  options.knobs.quantile = o.quantile;
  options.knobs.iou_threshold = o.iou_threshold;
  if (o.categories) options.knobs.categories = split_list(*o.categories);
  options.knobs.label_size = o.label_size;
  // "nhwc" for every layer, or "layer=nhwc,other=cls-tokens".
  for (const std::string& item : split_list(o.layout)) {
    const auto eq = item.rfind('=');
    if (eq == std::string::npos) {
      options.layout = analysis::parse_layout(item);
    } else {
      options.layouts[item.substr(0, eq)] = analysis::parse_layout(item.substr(eq + 1));
    }
  }
  return options;
}

// "demo" is the demo segmenter.
std::string segmenter_path(const std::string& name) { return name == "demo" ? demo_segmenter() : name; }

// Where labels of these images by this segmenter live when --write-labels does not say: one folder
// per images, segmenter and step under the cache, so every layer and model reuses them.
std::filesystem::path label_cache(const analysis::LabelImagesOptions& l) {
  std::error_code ec;
  std::filesystem::path images = std::filesystem::weakly_canonical(l.images, ec);
  if (ec) images = std::filesystem::absolute(l.images);
  const std::string stem = images.filename().empty() ? images.parent_path().filename().string() : images.filename().string();
  return cache_dir() / "labels" / (stem + "-" + analysis::label_images_fingerprint(l));
}

void run(const DissectCommandOptions& o) {
  if (o.segmenter.empty() && (!o.write_labels.empty() || o.labels_only)) {
    throw analysis::Error("dissect: --write-labels and --labels-only label images with a --segmenter; give one");
  }
  if (!o.segmenter.empty() && o.dataset.empty()) {
    throw analysis::Error("dissect: --segmenter labels the images of --dataset (a folder, a .txt list or a video); give it");
  }
  std::optional<analysis::DissectOptions> options;
  if (!o.labels_only) {
    options = dissect_options(o.run, "dissect", demo_model("classifier.pt"), kDemoClassifierLayer);
    options->dataset = o.dataset.empty() ? demo_dataset() : std::filesystem::path(o.dataset);
    options->split = o.split;
    options->limit = o.limit;
  }
  analysis::LabelImagesOptions labels;
  if (!o.segmenter.empty()) {
    labels.images = o.dataset;
    labels.segmenter = {segmenter_path(o.segmenter), {}, 1};
    labels.video_step = o.video_step;
    labels.threads = o.run.model.threads;
    labels.out = o.write_labels.empty() ? label_cache(labels) : std::filesystem::path(o.write_labels);
    if (options) options->dataset = labels.out;
  }
  const auto result = run_with_progress("dissect", [&](analysis::DissectProgress& progress, std::stop_token stop) {
    // Sharded, rank 0 labels the images once for every rank while the others wait.
    if (!o.segmenter.empty() && lead_rank()) {
      const auto l = analysis::label_images(labels, progress, stop);
      std::fprintf(stderr, "dissect: %zu images labelled by %s in %s%s\n", l.images, o.segmenter.c_str(),
                   labels.out.string().c_str(), l.reused ? " (already there)" : "");
    }
    if (!o.segmenter.empty()) cluster_barrier();
    return options ? analysis::dissect(*options, progress, stop) : analysis::DissectionResult{};
  });
  print_exchange_totals("dissect");
  if (!lead_rank()) return;
  if (options) {
    print_summary(result, o.run.out, o.run.no_report);
  } else {
    std::printf("labels in %s (a Broden-layout dataset: dissect --dataset %s)\n", labels.out.string().c_str(),
                labels.out.string().c_str());
  }
}

void run_gan(const GanDissectCommandOptions& o) {
  analysis::GanDissectOptions options;
  options.dissect = dissect_options(o.run, "gan-dissect", demo_model("gan.pt"), kDemoGanLayer);
  options.segmenter = {segmenter_path(o.segmenter), {}, 1};
  options.samples = o.samples;
  options.seed = o.latent_seed;
  const DissectJob job = [&](analysis::DissectProgress& progress, std::stop_token stop) {
    return analysis::gan_dissect(options, progress, stop);
  };
  const auto result = run_with_progress("gan-dissect", job);
  print_exchange_totals("gan-dissect");
  if (lead_rank()) print_summary(result, o.run.out, o.run.no_report);
}

// --model and the options of DissectRunOptions; `what` names the images ("images", "samples").
void add_run_options(CLI::App& cmd, DissectRunOptions& o, const std::string& demo,
                     const std::string& layers_help, const std::string& out_help, const char* what) {
  add_model_options(cmd, o.model, demo);
  cmd.add_option("--layers", o.layers, layers_help);
  cmd.add_option("--out", o.out, out_help)->capture_default_str();
  cmd.add_option("--convention", o.convention,
                 "pnas (top 1% of the maps upsampled to the labels, whole-dataset IoU) or netdissect-lite "
                 "(top 0.5% of the raw maps, NetDissect-Lite's per-category IoU)")
      ->capture_default_str();
  cmd.add_option("--quantile", o.quantile,
                 "Top fraction of each unit's values that counts as active (0: the convention's; "
                 "NetDissect-Lite 0.005, the PNAS code 0.01; default: the sidecar's \"dissect\", else the convention's)");
  cmd.add_option("--iou-threshold", o.iou_threshold,
                 "A unit whose best IoU is higher is a detector (default: the sidecar's, else 0.04)");
  cmd.add_option("--categories", o.categories,
                 "Concept categories to score, comma-separated, e.g. object,part,scene,texture,color "
                 "(NetDissect-Lite leaves out material); default: the sidecar's, else all of the dataset's");
  cmd.add_option("--layout", o.layout,
                 "How each layer holds its units: auto (guessed, as `layers` shows), nchw, nhwc, tokens or "
                 "cls-tokens; for all layers, or per layer as layer=layout,...")
      ->capture_default_str();
  cmd.add_option("--label-size", o.label_size,
                 "Shorter side of the grid maps and labels are compared on (0: the labels' own "
                 "resolution over the model's resized and cropped view; default: the sidecar's, else 0)");
  cmd.add_option("--batch", o.batch, std::string(what) + " per forward pass")->capture_default_str();
  cmd.add_option("--topk", o.topk, std::string("Exemplar ") + what + " kept per unit")->capture_default_str();
  cmd.add_option("--report-images", o.report_images, "Exemplars drawn per unit in report.html")
      ->capture_default_str();
  cmd.add_flag("--keep-cache", o.keep_cache,
               "Keep the activation cache in OUT/.dissect after success");
  cmd.add_option("--cache", o.cache,
                 "How pass 1 keeps the activations: fp32 (exact), fp16 (half the disk, values rounded to half "
                 "precision), none (no disk: the model runs again where they are read; results identical to fp32), "
                 "or auto: the first that fits --disk-budget, after printing the estimate")
      ->capture_default_str();
  cmd.add_option("--disk-budget", o.disk_budget,
                 "Disk the activation cache may take with --cache auto, e.g. 20G (default: half the free space under --out)");
  cmd.add_flag("--no-report", o.no_report, "Skip report.html");
  cmd.footer(
      "Interrupt with Ctrl-C at any time: the same command resumes from the last finished batch "
      "and gives byte-identical results.");
}

}  // namespace

void add_dissect_command(CLI::App& app) {
  auto o = std::make_shared<DissectCommandOptions>();
  o->run.out = "dissection";
  CLI::App* cmd = app.add_subcommand(
      "dissect", "Label every unit of some layers with the concept it detects (network dissection)");
  add_run_options(*cmd, o->run, demo_model("classifier.pt"),
                  "Layers to dissect, comma-separated (see `unitscope layers`); default with the "
                  "demo classifier: " + std::string(kDemoClassifierLayer),
                  "Output directory: <layer>/tally.csv, <layer>/dissection.json, report.html", "Images");
  cmd->add_option("--dataset", o->dataset,
                  "A Broden-format dataset directory; default: the demo dataset demo/world "
                  "(written on first use)");
  cmd->add_option("--split", o->split, "Only rows of this split (e.g. val); default: every row");
  cmd->add_option("--limit", o->limit, "Dissect only the first N images (0: all)");
  cmd->add_option("--segmenter", o->segmenter,
                  "Label the images with this segmenter (TorchScript with a sidecar naming its outputs; "
                  "\"demo\": the demo segmenter) and dissect against its concepts; --dataset is then an "
                  "image folder (flat or class subfolders), a .txt list or a video. The labels are cached "
                  "(resumable, shared by every layer and model)");
  cmd->add_option("--write-labels", o->write_labels,
                  "With --segmenter: write the labels here, as a Broden-layout dataset that --dataset reads");
  cmd->add_flag("--labels-only", o->labels_only, "With --segmenter: write the labels, do not dissect");
  cmd->add_option("--video-step", o->video_step, "With --segmenter and a video: label every N-th frame")
      ->capture_default_str();
  cmd->callback([o] { run(*o); });
}

void add_gan_dissect_command(CLI::App& app) {
  auto o = std::make_shared<GanDissectCommandOptions>();
  o->run.out = "gan_dissection";
  o->segmenter = demo_segmenter();
  CLI::App* cmd = app.add_subcommand(
      "gan-dissect", "Label a generator's units by segmenting its samples (GAN dissection)");
  add_run_options(*cmd, o->run, demo_model("gan.pt"),
                  "Generator layers, comma-separated; default with the demo GAN: " + std::string(kDemoGanLayer),
                  "Output directory: as dissect's, plus samples/ (the segmented samples)", "Samples");
  cmd->add_option("--segmenter", o->segmenter,
                  "Segmenter that labels the samples: per-pixel logits, its sidecar naming the concepts "
                  "of its heads (\"segmenter\") or its classes")
      ->capture_default_str();
  cmd->add_option("--samples", o->samples, "Latent samples to generate and segment")->capture_default_str();
  cmd->add_option("--latent-seed", o->latent_seed, "Seed of the latent samples")->capture_default_str();
  cmd->callback([o] { run_gan(*o); });
}

}  // namespace unitscope::engine
