#include "engine/studio/script_player.h"

#include <exception>
#include <string>

#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

[[noreturn]] void fail(const StudioScript& script, const ScriptEvent& e, const std::string& why) {
  throw ScriptError((script.title.empty() ? std::string("script") : script.title) + ": event " +
                    std::to_string(e.index) + " (at " + std::to_string(e.at) + " s): " + why);
}

// The unit whose maximum on the current frame is furthest above its dissection threshold (without
// a dissection: the largest maximum).
int most_active_unit(Studio& studio) {
  if (studio.deterministic()) studio.settle();
  const analysis::LiveFrame* f = studio.frame();
  if (!f || f->unit_max.empty()) return -1;
  const analysis::LayerDissection* d = studio.dissection();
  int best = 0;
  double best_score = -1e300;
  for (std::size_t u = 0; u < f->unit_max.size(); ++u) {
    double score = f->unit_max[u];
    if (d && u < d->units.size()) score = d->units[u].threshold > 0 ? score / d->units[u].threshold : score;
    if (score > best_score) {
      best_score = score;
      best = int(u);
    }
  }
  return best;
}

}  // namespace

ScriptPlayer::ScriptPlayer(StudioScript script, std::function<void(Studio&)> ensure_dissection)
    : script_(std::move(script)), ensure_dissection_(std::move(ensure_dissection)) {}

void ScriptPlayer::apply_frame(std::int64_t frame, Studio& studio) {
  studio.set_now(frame_time(frame));
  for (const ScriptEvent* e : events_for_frames(script_, frame, frame + 1)) apply(*e, studio);
}

void ScriptPlayer::apply(const ScriptEvent& e, Studio& studio) {
  StudioSettings& s = studio.settings;
  auto dissection = [&]() -> const analysis::LayerDissection& {
    if (studio.deterministic()) studio.settle();
    if (!studio.dissection() && ensure_dissection_) ensure_dissection_(studio);
    if (!studio.dissection())
      fail(script_, e, "no dissection of layer " + s.layer + " of " + s.model +
                           ": run the Dissection pass (or `unitscope dissect`) first");
    return *studio.dissection();
  };
  auto top_units = [&](int n) {
    try {
      return dissection().top_units(e.concept_name, n);
    } catch (const ScriptError&) {
      throw;
    } catch (const std::exception& x) {
      fail(script_, e, x.what());
    }
  };
  switch (e.action) {
    case ScriptAction::kSource:
      s.source = e.source;
      if (e.source == SourceKind::kWorld) {
        s.world_seed = e.seed;
        s.world_index = e.index_a;
      } else if (e.source == SourceKind::kGan) {
        s.gan_seed_a = e.seed;
        s.gan_index_a = e.index_a;
        s.gan_seed_b = e.seed_b;
        s.gan_index_b = e.index_b;
        s.gan_mix = 0.0f;
      } else {
        (e.source == SourceKind::kFolder ? s.folder : e.source == SourceKind::kBroden ? s.broden : s.video) = e.path;
        s.source_index = e.index_a;
      }
      studio.mark_dirty();
      break;
    case ScriptAction::kModel:
      studio.open_model(e.model, e.segmenter.empty() ? std::nullopt : std::optional<std::string>(e.segmenter));
      if (studio.deterministic()) studio.update(studio.now());
      if (!e.layer.empty()) studio.set_layer(e.layer);
      break;
    case ScriptAction::kLayer:
      studio.set_layer(e.layer);
      break;
    case ScriptAction::kSelectUnit:
      studio.select_unit(e.unit == kMostActiveUnit ? most_active_unit(studio) : e.unit);
      break;
    case ScriptAction::kSelectConcept:
      studio.select_unit(top_units(1).front());
      break;
    case ScriptAction::kToggle:
      studio.toggle(e.units, e.on, e.strength);
      break;
    case ScriptAction::kToggleConcept:
      studio.toggle(top_units(e.count), e.on, e.strength);
      break;
    case ScriptAction::kClearToggles:
      studio.clear_edits();
      break;
    case ScriptAction::kPaint: {
      dissection();
      Brush b;
      b.concept_name = e.concept_name;
      b.units = e.count > 0 ? e.count : 20;
      b.radius = e.radius;
      b.remove = e.remove;
      b.strength = e.strength;
      if (const std::string error = studio.paint_stroke(e.points, b); !error.empty()) fail(script_, e, error);
      break;
    }
    case ScriptAction::kMix:
      s.gan_mix = e.value;
      studio.mark_dirty();
      break;
    case ScriptAction::kCaption:
      studio.show_caption(e.text, e.at + e.duration);
      break;
    case ScriptAction::kSideBySide:
      s.side_by_side = e.flag;
      studio.mark_dirty();
      break;
    case ScriptAction::kConceptFilter:
      s.concept_filter = e.text;
      studio.mark_dirty();
      break;
    case ScriptAction::kBrush:
      studio.brush().active = e.flag;
      break;
    case ScriptAction::kResetLayout:
      if (reset_layout_) reset_layout_();
      break;
    case ScriptAction::kStill:
      check_supported();
      still_(e.path, e.count);
      break;
  }
}

void ScriptPlayer::check_supported() const {
  for (const ScriptEvent& e : script_.events)
    if (e.action == ScriptAction::kStill && !still_)
      fail(script_, e, "a still is the studio's (unitscope --script S.json); record writes frames, not stills");
}

}  // namespace unitscope::engine
