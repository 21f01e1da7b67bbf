#include "engine/studio/demo_assets.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>

#include "analysis/world/broden_writer.h"
#include "analysis/data/error.h"

namespace unitscope::engine {
namespace {

namespace fs = std::filesystem;

bool has_assets(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "assets" / "models", ec);
}

fs::path search_up(fs::path dir) {
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (has_assets(dir)) return dir;
    if (dir == dir.parent_path()) break;
  }
  return {};
}

}  // namespace

fs::path demo_root() {
  if (const char* env = std::getenv("UNITSCOPE_ROOT"); env && *env) return env;
  std::error_code ec;
  if (auto found = search_up(fs::current_path(ec)); !found.empty()) return found;
  if (auto found = search_up(fs::read_symlink("/proc/self/exe", ec).parent_path()); !found.empty()) {
    return found;
  }
  return UNITSCOPE_SOURCE_DIR;
}

std::string demo_model(const std::string& file) {
  return (demo_root() / "assets" / "models" / file).string();
}

std::string demo_segmenter() { return demo_model("segmenter.pt"); }

fs::path demo_dataset() {
  static std::mutex writing;
  const std::lock_guard lock(writing);
  const fs::path dir = demo_root() / "demo" / "world";
  std::error_code ec;
  if (fs::exists(dir / "index.csv", ec)) return dir;
  std::fprintf(stderr, "writing the demo dataset (%zu SceneWorld images, seed %llu) to %s\n",
               kDemoImages, static_cast<unsigned long long>(kDemoWorldSeed), dir.string().c_str());
  analysis::SceneWorldOptions world;
  world.seed = kDemoWorldSeed;
  analysis::BrodenExportOptions options;
  options.images = kDemoImages;
  options.threads = int(std::max(1u, std::thread::hardware_concurrency()));
  // Written beside and renamed into place, so an interrupted run never leaves half a dataset.
  const fs::path partial = dir.string() + ".partial";
  fs::remove_all(partial, ec);
  const auto report = analysis::export_broden(analysis::SceneWorld(world), partial, options);
  if (!report.complete) throw analysis::Error("writing the demo dataset " + dir.string() + " stopped");
  fs::remove_all(dir, ec);
  fs::rename(partial, dir);
  return dir;
}

}  // namespace unitscope::engine
