#include "engine/studio/studio_dissection.h"

#include <algorithm>
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
using analysis::fnv1a_64_hex;

namespace {

// "" for the default knobs, else "-k" and a hash of them.
std::string knobs_suffix(const analysis::DissectKnobs& k) {
  if (k.empty()) return "";
  char text[96];
  std::snprintf(text, sizeof(text), "%.17g|%.17g|%d|", k.quantile.value_or(-1.0), k.iou_threshold.value_or(-1.0),
                k.label_size.value_or(-1));
  std::string key = text;
  if (k.categories)
    for (const auto& c : *k.categories) key += c + ",";
  return "-k" + fnv1a_64_hex(key).substr(0, 8);
}

fs::path canonical_path(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? fs::absolute(p).lexically_normal() : c;
}

}  // namespace

std::string segmenter_tag(const std::string& segmenter) {
  if (segmenter.empty()) return "";
  const fs::path path = canonical_path(resolve_model(segmenter));
  if (path == canonical_path(demo_segmenter())) return "";
  return "-g" + fnv1a_64_hex(path.string()).substr(0, 8);
}

std::string studio_dissection_variant(const StudioDissectionRequest& request) {
  std::string name = analysis::convention_name(request.convention) + knobs_suffix(request.knobs);
  if (request.generator) {
    if (request.limit > 0 && request.limit != kDefaultGanSamples) name += "-s" + std::to_string(request.limit);
    return name + segmenter_tag(request.segmenter);
  }
  if (request.limit > 0) name += "-n" + std::to_string(request.limit);
  // The demo dataset (named or not, see demo_dataset()) is the default.
  if (!request.dataset.empty()) {
    const fs::path dataset = canonical_path(request.dataset);
    if (dataset != canonical_path(demo_root() / "demo" / "world"))
      name += "-d" + fnv1a_64_hex(dataset.string()).substr(0, 8);
  }
  return name;
}

std::filesystem::path studio_dissection_out(const StudioDissectionRequest& request) {
  return request.out / studio_dissection_variant(request);
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
  d.knobs = request.knobs;
  d.on_partial = request.on_partial;
  if (request.generator) {
    analysis::GanDissectOptions g;
    d.limit = 0;
    g.dissect = d;
    g.segmenter.source = request.segmenter.empty() ? demo_segmenter() : resolve_model(request.segmenter);
    g.samples = request.limit > 0 ? request.limit : kDefaultGanSamples;
    return analysis::gan_dissect(g, progress, stop);
  }
  d.dataset = request.dataset.empty() ? demo_dataset() : request.dataset;
  d.limit = request.limit;
  return analysis::dissect(d, progress, stop);
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
  // The studio's own runs, one folder per convention and options, newest first (a netdissect-lite
  // run after a pnas one wins; a 40-image run is shown after a full one, which stays cached).
  const fs::path cache = studio_dissection_cache_dir(resolve_model(query.model), layer);
  std::vector<std::pair<fs::file_time_type, fs::path>> cached;
  std::error_code list_ec;
  const std::string tag = segmenter_tag(query.segmenter);
  for (fs::directory_iterator it(cache, list_ec), end; !list_ec && it != end; it.increment(list_ec)) {
    // Another segmenter's concepts are not this pair's: its runs are not shown.
    const std::string name = it->path().filename().string();
    const auto g = name.find("-g");
    if ((g == std::string::npos ? std::string() : name.substr(g, 10)) != tag) continue;
    std::error_code time_ec;
    const auto t = fs::last_write_time(it->path() / layer / "dissection.json", time_ec);
    if (!time_ec) cached.emplace_back(t, it->path());
  }
  std::sort(cached.begin(), cached.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [t, dir] : cached) dirs.push_back(dir);
  if (query.model == "demo:classifier") dirs.push_back(demo_root() / "demo" / "dissection");
  if (query.model == "demo:gan" && tag.empty()) dirs.push_back(demo_root() / "demo" / "gan_dissection");
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
