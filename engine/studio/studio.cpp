#include "engine/studio/studio.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <sstream>

#include "engine/studio/demo_assets.h"
#include "analysis/intervene/paint_mask.h"

namespace unitscope::engine {

namespace {

std::filesystem::path env_path(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::filesystem::path(v) : std::filesystem::path();
}

bool has_layer(const analysis::LiveModelInfo& info, const std::string& layer) {
  return std::any_of(info.layers.begin(), info.layers.end(), [&](const auto& l) { return l.name == layer; });
}

}  // namespace

std::string resolve_model(const std::string& model) {
  if (model == "demo:classifier") return demo_model("classifier.pt");
  if (model == "demo:gan") return demo_model("gan.pt");
  return model;
}

std::filesystem::path cache_dir() {
  if (auto p = env_path("UNITSCOPE_CACHE_DIR"); !p.empty()) return p;
  if (auto p = env_path("XDG_CACHE_HOME"); !p.empty()) return p / "unitscope";
  if (auto p = env_path("HOME"); !p.empty()) return p / ".cache" / "unitscope";
  return std::filesystem::temp_directory_path() / "unitscope-cache";
}

Studio::Studio(StudioSettings s, bool deterministic_replay)
    : settings(std::move(s)), deterministic(deterministic_replay) {
  open_model(settings.model);
}

std::string Studio::model_path() const { return resolve_model(settings.model); }

bool Studio::is_generator() const { return info_ && info_->kind == analysis::LiveKind::kGenerator; }

bool Studio::computing() const { return worker_.busy() || last_request_ != answered_request_; }

void Studio::open_model(const std::string& model) {
  if (model != settings.model) {
    settings.layer.clear();
    settings.selected_unit = -1;
    settings.toggles.clear();
    on_base_.clear();
    paint_.clear();
  }
  settings.model = model;
  importance.reset();
  analysis::LiveOptions options;
  options.model.source = resolve_model(model);
  options.layer = settings.layer;
  worker_.open(options);
  dirty_ = true;
  if (deterministic) settle();
}

void Studio::set_layer(const std::string& layer) {
  if (layer == settings.layer) return;
  settings.layer = layer;
  settings.selected_unit = -1;
  settings.toggles.clear();
  importance.reset();
  on_base_.clear();
  paint_.clear();
  hovered_unit = -1;
  worker_.set_layer(layer);
  reload_dissection();
  dirty_ = true;
}

void Studio::select_unit(int unit) { settings.selected_unit = unit; }

float Studio::on_value(int unit, float strength) const {
  if (dissection_ && unit < int(dissection_->units.size()))
    return float(dissection_->units[std::size_t(unit)].threshold) * strength;
  if (auto it = on_base_.find(unit); it != on_base_.end()) return it->second * strength;
  return strength;
}

void Studio::toggle(int unit, bool on, float strength) {
  untoggle(unit);
  settings.toggles.push_back({unit, on, strength});
  if (on && frame_ && unit < int(frame_->unit_max.size())) on_base_[unit] = frame_->unit_max[std::size_t(unit)];
  dirty_ = true;
}

void Studio::untoggle(int unit) {
  auto& t = settings.toggles;
  const auto before = t.size();
  t.erase(std::remove_if(t.begin(), t.end(), [&](const UnitToggle& x) { return x.unit == unit; }), t.end());
  if (t.size() != before) dirty_ = true;
}

void Studio::clear_edits() {
  if (!settings.toggles.empty() || !paint_.empty()) dirty_ = true;
  settings.toggles.clear();
  paint_.clear();
}

void Studio::add_paint(PaintLayer layer) {
  paint_.push_back(std::move(layer));
  dirty_ = true;
}

std::string Studio::paint_stroke(const std::vector<std::array<float, 2>>& points, const Brush& b) {
  if (!dissection_) return "painting needs a dissection of " + settings.layer + ": run the Dissection pass first";
  if (!frame_ || frame_->width <= 0) return "no frame yet";
  std::vector<int> units;
  try {
    units = dissection_->top_units(b.concept_name, b.units);
  } catch (const std::exception& e) {
    return e.what();
  }
  PaintLayer layer;
  layer.concept_name = b.concept_name;
  layer.units = std::move(units);
  layer.width = frame_->width;
  layer.height = frame_->height;
  layer.mask = analysis::stroke_mask(points, b.radius, layer.width, layer.height);
  layer.remove = b.remove;
  layer.strength = b.strength;
  add_paint(std::move(layer));
  return {};
}

std::vector<analysis::UnitEdit> Studio::edits() const {
  std::vector<analysis::UnitEdit> out;
  const std::string& layer = settings.layer;
  if (layer.empty()) return out;
  analysis::UnitEdit off{layer, {}, analysis::EditOp::kMultiply, 0.0f, {}, 0, 0};
  for (const UnitToggle& t : settings.toggles) {
    if (!t.on) {
      off.units.push_back(t.unit);
    } else {
      out.push_back({layer, {t.unit}, analysis::EditOp::kReplace, on_value(t.unit, t.strength), {}, 0, 0});
    }
  }
  if (!off.units.empty()) out.insert(out.begin(), std::move(off));
  for (const PaintLayer& p : paint_) {
    if (p.remove) {
      out.push_back({layer, p.units, analysis::EditOp::kMultiply, 0.0f, p.mask, p.height, p.width});
      continue;
    }
    for (int unit : p.units)
      out.push_back({layer, {unit}, analysis::EditOp::kReplace, on_value(unit, p.strength), p.mask, p.height, p.width});
  }
  return out;
}

analysis::LiveRequest Studio::make_request() {
  analysis::LiveRequest r;
  if (is_generator()) {
    r.latent_a = {settings.gan_seed_a, settings.gan_index_a};
    r.latent_b = {settings.gan_seed_b, settings.gan_index_b};
    r.mix = settings.gan_mix;
  } else {
    r.image = source.image();
  }
  r.edits = edits();
  r.want_unedited = settings.side_by_side || !r.edits.empty();
  return r;
}

void Studio::poll() {
  auto out = worker_.latest();
  if (!out || out->request == answered_request_) return;
  answered_request_ = out->request;
  if (out->frame) {
    frame_ = out->frame;
    ++frame_serial_;
    inference_error.clear();
    times.inference_ms = frame_->inference_ms;
    if (settings.layer.empty() && !frame_->layer.empty()) {
      settings.layer = frame_->layer;
      reload_dissection();
    }
  } else {
    inference_error = out->error;
  }
}

void Studio::update(double now_seconds) {
  now = now_seconds;
  const std::uint64_t generation = worker_.model_generation();
  if (generation != model_generation_) {
    model_generation_ = generation;
    info_ = worker_.info();
    if (info_ && !settings.layer.empty() && !has_layer(*info_, settings.layer)) settings.layer.clear();
    reload_dissection();
    dirty_ = true;
  }
  if (info_) {
    const bool generator = info_->kind == analysis::LiveKind::kGenerator;
    if (generator && settings.source != SourceKind::kGan) settings.source = SourceKind::kGan;
    if (!generator && settings.source == SourceKind::kGan) settings.source = SourceKind::kWorld;
  }
  source.update(settings, now_seconds);
  if (source.serial() != source_serial_) {
    source_serial_ = source.serial();
    dirty_ = true;
  }
  poll();
  const bool can_run = info_ && (is_generator() || !source.image().empty());
  if (dirty_ && can_run) {
    last_request_ = worker_.submit(make_request());
    dirty_ = false;
  }
  if (deterministic) settle();
  if (!caption.empty() && now_seconds >= caption_until) caption.clear();
}

void Studio::settle() {
  worker_.wait_idle();
  const std::uint64_t generation = worker_.model_generation();
  if (generation != model_generation_) {
    model_generation_ = generation;
    info_ = worker_.info();
    reload_dissection();
  }
  poll();
}

std::filesystem::path Studio::dissection_cache_dir() const {
  std::error_code ec;
  auto path = std::filesystem::weakly_canonical(model_path(), ec);
  if (ec) path = model_path();
  std::ostringstream name;
  name << path.stem().string() << '-' << std::hex << std::hash<std::string>{}(path.string());
  return cache_dir() / "dissections" / name.str() / settings.layer;
}

void Studio::reload_dissection() {
  dissection_.reset();
  dissection_dir_.clear();
  dissection_error.clear();
  if (settings.layer.empty()) return;
  std::vector<std::filesystem::path> dirs;
  if (!settings.dissection.empty()) dirs.push_back(settings.dissection);
  // The studio's own runs, newest first (a netdissect-lite run after a pnas one wins).
  std::vector<std::filesystem::path> cached = {dissection_cache_dir() / "pnas", dissection_cache_dir() / "netdissect-lite"};
  auto written = [&](const std::filesystem::path& dir) {
    std::error_code ec;
    const auto t = std::filesystem::last_write_time(dir / settings.layer / "dissection.json", ec);
    return ec ? std::filesystem::file_time_type::min() : t;
  };
  if (written(cached[1]) > written(cached[0])) std::swap(cached[0], cached[1]);
  dirs.insert(dirs.end(), cached.begin(), cached.end());
  if (settings.model == "demo:classifier") dirs.push_back(demo_root() / "demo" / "dissection");
  if (settings.model == "demo:gan") dirs.push_back(demo_root() / "demo" / "gan_dissection");
  for (const auto& dir : dirs) {
    if (!std::filesystem::exists(dir / settings.layer / "dissection.json")) continue;
    try {
      auto d = std::make_shared<analysis::LayerDissection>(analysis::read_layer_dissection(dir, settings.layer));
      if (info_) {
        for (const auto& l : info_->layers) {
          if (l.name == settings.layer && !l.shape.empty() && std::int64_t(d->units.size()) != l.shape[0])
            throw std::runtime_error("it has " + std::to_string(d->units.size()) + " units, the layer " +
                                     std::to_string(l.shape[0]));
        }
      }
      dissection_ = std::move(d);
      dissection_dir_ = dir;
      return;
    } catch (const std::exception& e) {
      dissection_error = "dissection in " + dir.string() + " not used: " + e.what();
    }
  }
}

}  // namespace unitscope::engine
