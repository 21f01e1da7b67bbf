// `unitscope world`: writes SceneWorld as a Broden-layout dataset and/or a contact sheet.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "analysis/world/broden_writer.h"
#include "analysis/data/error.h"
#include "analysis/data/image.h"
#include "analysis/world/scene_contact_sheet.h"
#include "analysis/world/scene_world.h"
#include "engine/cli/commands.h"

namespace unitscope::engine {

namespace {

struct WorldArgs {
  std::string out;
  std::size_t images = 2000;
  std::uint64_t seed = 1;
  int size = 128;
  int label_scale = 1;
  double val_fraction = 0.2;
  int threads = 0;
  std::string contact_sheet;
};

void run_world(const WorldArgs& args) {
  using namespace analysis;
  if (args.out.empty() && args.contact_sheet.empty()) {
    throw Error("world: nothing to do; give --out DIR, --contact-sheet FILE.png or both");
  }
  SceneWorldOptions options;
  options.seed = args.seed;
  options.width = options.height = args.size;
  options.label_scale = args.label_scale;
  const SceneWorld world(options);

  if (!args.out.empty()) {
    BrodenExportOptions export_options;
    export_options.images = args.images;
    export_options.val_fraction = args.val_fraction;
    export_options.threads =
        args.threads > 0 ? args.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    const auto start = std::chrono::steady_clock::now();
    std::size_t last_percent = 101;
    auto progress = [&](std::size_t done, std::size_t total) {
      std::size_t percent = total ? done * 100 / total : 100;
      if (percent == last_percent) return;
      last_percent = percent;
      std::fprintf(stderr, "\rworld: %zu/%zu images (%zu%%)", done, total, percent);
      std::fflush(stderr);
    };
    BrodenExportReport report = export_broden(world, args.out, export_options, progress);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "\rworld: wrote %zu images (%zu train, %zu val) to %s in %.1f s (%.0f images/s)\n",
                 report.images, report.train, report.val, args.out.c_str(), seconds,
                 seconds > 0 ? double(report.images) / seconds : 0.0);
  }
  if (!args.contact_sheet.empty()) {
    write_png(args.contact_sheet, render_contact_sheet(world, 0, 64, 8));
    std::fprintf(stderr, "world: wrote contact sheet %s\n", args.contact_sheet.c_str());
  }
}

}  // namespace

void add_world_command(CLI::App& app) {
  auto args = std::make_shared<WorldArgs>();
  CLI::App* cmd = app.add_subcommand(
      "world",
      "Generate SceneWorld: a Broden-layout dataset of outdoor scenes and/or a contact sheet");
  cmd->add_option("--out", args->out,
                  "Dataset directory to write (index.csv, label.csv, images/...)");
  cmd->add_option("--images", args->images, "Number of images")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->seed, "Random seed; the same seed gives byte-identical files")
      ->capture_default_str();
  cmd->add_option("--size", args->size, "Image width and height in pixels")
      ->capture_default_str()
      ->check(CLI::Range(16, 4096));
  cmd->add_option("--label-scale", args->label_scale, "1: labels at image resolution, 2: at half")
      ->capture_default_str()
      ->check(CLI::IsMember({1, 2}));
  cmd->add_option("--val-fraction", args->val_fraction, "Fraction of images in the val split")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--threads", args->threads,
                  "Worker threads (0: one per core); output does not depend on it")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--contact-sheet", args->contact_sheet,
                  "Also write a PNG of the first 64 images beside their object masks");
  cmd->callback([args] { run_world(*args); });
}

}  // namespace unitscope::engine
