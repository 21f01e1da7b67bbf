#include "engine/studio/studio_dissection.h"

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "analysis/dissect/gan_dissection.h"
#include "engine/studio/demo_assets.h"
#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace fs = std::filesystem;

std::filesystem::path studio_dissection_out(const StudioDissectionRequest& request) {
  return request.out / analysis::convention_name(request.convention);
}

analysis::DissectionResult run_studio_dissection(const StudioDissectionRequest& request,
                                                 analysis::DissectProgress& progress, std::stop_token stop) {
  analysis::DissectOptions d;
  d.model.source = request.model;
  d.layers = request.layers;
  // One directory per convention: dissect() refuses a directory that holds other options.
  d.out = studio_dissection_out(request);
  d.convention = request.convention;
  d.threads = request.threads;
  d.on_partial = request.on_partial;
  if (request.generator) {
    analysis::GanDissectOptions g;
    d.limit = 0;
    g.dissect = d;
    g.segmenter.source = demo_segmenter();
    g.samples = request.limit > 0 ? request.limit : 1000;
    return analysis::gan_dissect(g, progress, stop);
  }
  d.dataset = request.dataset.empty() ? demo_dataset() : request.dataset;
  d.limit = request.limit;
  return analysis::dissect(d, progress, stop);
}

std::string fnv1a_64_hex(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : text) {
    h ^= std::uint64_t(static_cast<unsigned char>(c));
    h *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

fs::path studio_dissection_cache_dir(const std::string& model_path, const std::string& layer) {
  std::error_code ec;
  fs::path path = fs::weakly_canonical(model_path, ec);
  if (ec) path = model_path;
  return cache_dir() / "dissections" / (path.stem().string() + '-' + fnv1a_64_hex(path.string())) / layer;
}

StudioDissectionLoad load_studio_dissection(const StudioDissectionQuery& query) {
  StudioDissectionLoad out;
  const std::string& layer = query.layer;
  if (layer.empty()) return out;
  std::vector<fs::path> dirs;
  if (!query.dissection.empty()) dirs.push_back(query.dissection);
  // The studio's own runs, newest first (a netdissect-lite run after a pnas one wins).
  const fs::path cache = studio_dissection_cache_dir(resolve_model(query.model), layer);
  std::vector<fs::path> cached = {cache / "pnas", cache / "netdissect-lite"};
  auto written = [&](const fs::path& dir) {
    std::error_code ec;
    const auto t = fs::last_write_time(dir / layer / "dissection.json", ec);
    return ec ? fs::file_time_type::min() : t;
  };
  if (written(cached[1]) > written(cached[0])) std::swap(cached[0], cached[1]);
  dirs.insert(dirs.end(), cached.begin(), cached.end());
  if (query.model == "demo:classifier") dirs.push_back(demo_root() / "demo" / "dissection");
  if (query.model == "demo:gan") dirs.push_back(demo_root() / "demo" / "gan_dissection");
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::exists(dir / layer / "dissection.json", ec)) continue;
    try {
      auto d = std::make_shared<analysis::LayerDissection>(analysis::read_layer_dissection(dir, layer));
      if (query.units >= 0 && std::int64_t(d->units.size()) != query.units)
        throw std::runtime_error("it has " + std::to_string(d->units.size()) + " units, the layer " +
                                 std::to_string(query.units));
      out.dissection = std::move(d);
      out.dir = dir;
      return out;
    } catch (const std::exception& e) {
      out.error = "dissection in " + dir.string() + " not used: " + e.what();
    }
  }
  return out;
}

}  // namespace unitscope::engine
