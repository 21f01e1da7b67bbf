#include "engine/studio/studio.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <map>
#include <utility>

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

// Enough for a session's edits; a step copies the toggles, never a stroke (a clear keeps those it took).
constexpr std::size_t kMaxUndoSteps = 256;

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
    : settings(std::move(s)), deterministic_(deterministic_replay) {
  open_model(settings.model);
}

std::string Studio::model_path() const { return resolve_model(settings.model); }

bool Studio::is_generator() const { return info_ && info_->kind == analysis::LiveKind::kGenerator; }

bool Studio::computing() const { return worker_.busy() || last_request_ != answered_request_; }

void Studio::set_segmenter(const std::string& segmenter) {
  if (segmenter == settings.segmenter) return;
  settings.segmenter = segmenter;
  reload_dissection();
  dirty_ = true;
}

void Studio::open_model(const std::string& model, std::optional<std::string> segmenter) {
  pending_segmenter_ = segmenter ? *segmenter : model == settings.model ? settings.segmenter : std::string();
  // Nothing changes until the worker has the new model (take_model()): a file that is missing or
  // not a model leaves the model, layer, selection, edits and dissection as they were, and its
  // error shows in the model panel.
  analysis::LiveOptions options;
  options.model.source = resolve_model(model);
  options.layer = model == settings.model ? settings.layer : std::string();
  pending_model_ = model;
  pending_open_ = worker_.open(options);
  dirty_ = true;
  if (deterministic_) settle();
}

void Studio::take_model() {
  const std::uint64_t generation = worker_.model_generation();
  if (generation != model_generation_) {
    model_generation_ = generation;
    if (pending_open_ != 0 && generation == pending_open_) {
      if (pending_model_ != settings.model) {
        settings.layer.clear();
        settings.selected_unit = -1;
        settings.toggles.clear();
        on_base_.clear();
        paint_.clear();
        undo_.clear();
        hovered_unit_ = -1;
      }
      settings.model = pending_model_;
      settings.segmenter = pending_segmenter_;
      importance_.reset();
    }
    info_ = worker_.info();
    if (info_ && !settings.layer.empty() && !has_layer(*info_, settings.layer)) settings.layer.clear();
    reload_dissection();
    dirty_ = true;
  }
  if (pending_open_ != 0 && worker_.opens_done() >= pending_open_) pending_open_ = 0;
}

void Studio::set_layer(const std::string& layer) {
  if (layer == settings.layer) return;
  settings.layer = layer;
  settings.selected_unit = -1;
  settings.toggles.clear();
  importance_.reset();
  on_base_.clear();
  paint_.clear();
  undo_.clear();
  hovered_unit_ = -1;
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

void Studio::remember_edits(std::vector<PaintLayer> removed) {
  if (undo_.size() == kMaxUndoSteps) undo_.erase(undo_.begin());
  undo_.push_back({settings.toggles, paint_.size(), std::move(removed)});
}

bool Studio::erase_toggle(int unit) {
  auto& t = settings.toggles;
  const auto before = t.size();
  t.erase(std::remove_if(t.begin(), t.end(), [&](const UnitToggle& x) { return x.unit == unit; }), t.end());
  return t.size() != before;
}

void Studio::toggle(int unit, bool on, float strength) { toggle(std::vector<int>{unit}, on, strength); }

void Studio::toggle(const std::vector<int>& units, bool on, float strength) {
  if (units.empty()) return;
  remember_edits();
  for (int unit : units) {
    erase_toggle(unit);
    settings.toggles.push_back({unit, on, strength});
    if (on && frame_ && unit < int(frame_->unit_max.size())) on_base_[unit] = frame_->unit_max[std::size_t(unit)];
  }
  dirty_ = true;
}

void Studio::untoggle(int unit) {
  const auto& t = settings.toggles;
  if (std::none_of(t.begin(), t.end(), [&](const UnitToggle& x) { return x.unit == unit; })) return;
  remember_edits();
  erase_toggle(unit);
  dirty_ = true;
}

void Studio::clear_edits() {
  if (settings.toggles.empty() && paint_.empty()) return;
  remember_edits(std::move(paint_));
  settings.toggles.clear();
  paint_.clear();
  dirty_ = true;
}

void Studio::add_paint(PaintLayer layer) {
  remember_edits();
  paint_.push_back(std::move(layer));
  dirty_ = true;
}

bool Studio::undo() {
  if (undo_.empty()) return false;
  EditStep step = std::move(undo_.back());
  undo_.pop_back();
  settings.toggles = std::move(step.toggles);
  if (!step.removed.empty()) {
    paint_ = std::move(step.removed);
  } else if (step.paint_count < paint_.size()) {
    paint_.erase(paint_.begin() + std::ptrdiff_t(step.paint_count), paint_.end());
  }
  dirty_ = true;
  return true;
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
  layer.points = points;
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
    r.image = source_.image();
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
    inference_error_.clear();
    times_.inference_ms = frame_->inference_ms;
    if (settings.layer.empty() && !frame_->layer.empty()) {
      settings.layer = frame_->layer;
      reload_dissection();
    }
  } else {
    inference_error_ = out->error;
  }
}

void Studio::show_caption(std::string text, double until) {
  caption_ = std::move(text);
  caption_until_ = until;
}

void Studio::set_frame_times(const FrameTimes& t) {
  // The worker measures inference on its own thread; poll() keeps that figure.
  const double inference_ms = times_.inference_ms;
  times_ = t;
  times_.inference_ms = inference_ms;
}

void Studio::update(double now_seconds) {
  now_ = now_seconds;
  take_dissection();
  take_model();
  if (info_) {
    const bool generator = info_->kind == analysis::LiveKind::kGenerator;
    if (generator && settings.source != SourceKind::kGan) settings.source = SourceKind::kGan;
    if (!generator && settings.source == SourceKind::kGan) settings.source = SourceKind::kWorld;
  }
  source_.update(settings, now_seconds);
  if (source_.serial() != source_serial_) {
    source_serial_ = source_.serial();
    dirty_ = true;
  }
  poll();
  const bool can_run = info_ && (is_generator() || !source_.image().empty());
  if (dirty_ && can_run) {
    last_request_ = worker_.submit(make_request());
    dirty_ = false;
  }
  if (deterministic_) settle();
  if (!caption_.empty() && now_seconds >= caption_until_) caption_.clear();
}

void Studio::settle() {
  worker_.wait_idle();
  take_model();
  poll();
  dissection_load_.wait();
  take_dissection();
}

std::filesystem::path Studio::dissection_cache_dir() const {
  return studio_dissection_cache_dir(model_path(), settings.layer);
}

void Studio::reload_dissection() {
  StudioDissectionQuery query;
  query.model = settings.model;
  query.layer = settings.layer;
  query.dissection = settings.dissection;
  if (is_generator()) query.segmenter = settings.segmenter;
  if (info_) {
    for (const auto& l : info_->layers)
      if (l.name == settings.layer && !l.shape.empty()) query.units = l.shape[0];
  }
  // A dissection of the same layer stays on screen until the new one arrives; another layer's
  // would be wrong from now on.
  std::string key = query.model + '\n' + query.layer + '\n' + query.segmenter;
  if (key != dissection_key_) {
    dissection_.reset();
    dissection_dir_.clear();
    dissection_error_.clear();
    dissection_key_ = std::move(key);
  }
  // Reading and parsing dissection.json takes a while for a large layer: never on the UI thread.
  dissection_load_.start("dissection load", [query = std::move(query)](JobControl&, const auto&) {
    return load_studio_dissection(query);
  });
  if (deterministic_) {
    dissection_load_.wait();
    take_dissection();
  }
}

void Studio::set_dissection(std::shared_ptr<const analysis::LayerDissection> d) {
  // A load still under way (or ended and not yet taken) must not replace this one.
  dissection_load_.cancel();
  dissection_load_.take();
  dissection_ = std::move(d);
}

void Studio::take_dissection() {
  const auto end = dissection_load_.take();
  if (!end) return;
  if (end->state == JobState::kFailed) {
    dissection_error_ = "the dissection of " + settings.layer + " was not loaded: " + end->error;
    return;
  }
  if (!end->result) return;  // cancelled
  dissection_ = end->result->dissection;
  dissection_dir_ = end->result->dir;
  dissection_error_ = end->result->error;
}

}  // namespace unitscope::engine
