// `unitscope dissect`: network dissection of chosen layers over a Broden-format dataset, resumable.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>

#include "analysis/dissection.h"
#include "analysis/error.h"
#include "analysis/iou_tally.h"
#include "engine/commands.h"
#include "engine/model_options.h"

namespace unitscope::engine {
namespace {

struct DissectCommandOptions {
  ModelOptions model;
  std::string layers;
  std::string dataset;
  std::string out;
  std::string convention = "pnas";
  std::string split;
  int batch = 16;
  int topk = 8;
  int report_images = 4;
  std::size_t limit = 0;
  bool keep_cache = false;
  bool no_report = false;
};

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  g_interrupted = true;
  // A second Ctrl-C ends the process at once.
  std::signal(SIGINT, SIG_DFL);
}

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

// Draws the progress bar on stderr when it is a terminal, until `done` is set.
void show_progress(const analysis::DissectProgress& progress, const std::atomic<bool>& done) {
  const bool tty = isatty(fileno(stderr)) != 0;
  static const char* kPhases[] = {"starting", "forward", "tally", "report", "done"};
  int phase = -1;
  auto phase_start = std::chrono::steady_clock::now();
  std::size_t start_done = 0;
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int p = progress.phase;
    const std::size_t d = progress.done;
    const std::size_t total = progress.total;
    if (p != phase) {
      if (tty && phase >= 0) std::fputc('\n', stderr);
      if (!tty && p >= 1 && p <= 3) std::fprintf(stderr, "dissect: %s pass\n", kPhases[p]);
      phase = p;
      phase_start = std::chrono::steady_clock::now();
      start_done = d;
    }
    if (!tty || p < 1 || p > 2 || total == 0) continue;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start).count();
    const double rate = elapsed > 0 ? static_cast<double>(d - start_done) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total - d) / rate : 0.0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * static_cast<double>(d) / static_cast<double>(total));
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%-7s [%s] %zu/%zu  %.1f img/s  ETA %s   ", kPhases[p], bar.c_str(), d,
                 total, rate, rate > 0 ? clock_text(eta).c_str() : "--:--");
    std::fflush(stderr);
  }
  if (tty && phase >= 0) std::fputc('\n', stderr);
}

void run(const DissectCommandOptions& o) {
  analysis::DissectOptions options;
  options.model = o.model.spec();
  options.threads = o.model.threads;
  options.layers = split_list(o.layers);
  options.dataset = o.dataset;
  options.out = o.out;
  options.convention = analysis::parse_convention(o.convention);
  options.split = o.split;
  options.batch = o.batch;
  options.topk = o.topk;
  options.report_images = o.report_images;
  options.limit = o.limit;
  options.keep_cache = o.keep_cache;
  options.write_report = !o.no_report;

  std::stop_source stop;
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_interrupt);
  analysis::DissectProgress progress;
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    while (!finished) {
      if (g_interrupted) stop.request_stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::thread bar([&] { show_progress(progress, finished); });
  auto stop_threads = [&] {
    finished = true;
    watcher.join();
    bar.join();
    std::signal(SIGINT, previous);
  };
  analysis::DissectionResult result;
  try {
    result = analysis::dissect(options, progress, stop.get_token());
  } catch (...) {
    stop_threads();
    throw;
  }
  stop_threads();

  std::printf("dissected %zu images, convention %s\n", result.images,
              analysis::convention_name(result.convention));
  for (const auto& layer : result.layers) {
    int detectors = 0;
    for (const auto& u : layer.units) detectors += u.score.detector() ? 1 : 0;
    std::printf("  %-24s %4zu units, %4d detectors (IoU > %.2f)\n", layer.layer.c_str(),
                layer.units.size(), detectors, analysis::kDetectorIou);
  }
  std::printf("results in %s (tally.csv and dissection.json per layer%s)\n", o.out.c_str(),
              o.no_report ? "" : ", report.html");
}

}  // namespace

void add_dissect_command(CLI::App& app) {
  auto options = std::make_shared<DissectCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "dissect", "Label every unit of some layers with the concept it detects (network dissection)");
  add_model_options(*cmd, options->model);
  cmd->add_option("--layers", options->layers, "Layers to dissect, comma-separated (see `unitscope layers`)")
      ->required();
  cmd->add_option("--dataset", options->dataset, "A Broden-format dataset directory")->required();
  cmd->add_option("--out", options->out,
                  "Output directory: <layer>/tally.csv, <layer>/dissection.json, report.html")
      ->required();
  cmd->add_option("--convention", options->convention,
                  "pnas (0.99 quantile of upsampled maps, whole-dataset IoU) or netdissect-lite "
                  "(NetDissect-Lite to the pixel)")
      ->capture_default_str();
  cmd->add_option("--split", options->split, "Only rows of this split (e.g. val); default: every row");
  cmd->add_option("--batch", options->batch, "Images per forward pass")->capture_default_str();
  cmd->add_option("--topk", options->topk, "Exemplar images kept per unit")->capture_default_str();
  cmd->add_option("--report-images", options->report_images, "Exemplars drawn per unit in report.html")
      ->capture_default_str();
  cmd->add_option("--limit", options->limit, "Dissect only the first N images (0: all)");
  cmd->add_flag("--keep-cache", options->keep_cache,
                "Keep the float32 activation cache in OUT/.dissect after success");
  cmd->add_flag("--no-report", options->no_report, "Skip report.html");
  cmd->footer(
      "Interrupt with Ctrl-C at any time: the same command resumes from the last finished batch "
      "and gives byte-identical results.");
  cmd->callback([options] { run(*options); });
}

}  // namespace unitscope::engine
