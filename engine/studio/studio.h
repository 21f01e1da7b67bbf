// Studio: what the panels share: settings, the frame source, the inference worker and its latest
// frame, the dissection and importance of the current layer, edits, and the frame's view requests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/dissect/dissection_file.h"
#include "analysis/model/live_session.h"
#include "analysis/intervene/unit_importance.h"
#include "engine/jobs/job_result.h"
#include "engine/studio/frame_source.h"
#include "engine/studio/inference_worker.h"
#include "engine/studio/studio_dissection.h"
#include "engine/studio/studio_settings.h"

namespace unitscope::engine {

// GANPaint strokes: a concept's top units set on (or off) inside a mask at the layer's grid.
struct PaintLayer {
  std::string concept_name;
  std::vector<int> units;
  std::vector<float> mask;  // height * width of the layer, 0..1
  int width = 0, height = 0;
  bool remove = false;
  float strength = 1.0f;
  std::vector<std::array<float, 2>> points;  // the stroke it was painted with (0..1 of the image)
};

// The GANPaint brush of the toggles panel, used by the viewport.
struct Brush {
  bool active = false;
  std::string concept_name;
  int units = 20;
  float radius = 0.06f;  // of the image width
  bool remove = false;
  float strength = 1.0f;
};

// Split of the last frame's CPU time, in milliseconds.
struct FrameTimes {
  double frame_ms = 0.0;      // whole frame, start to start
  double ui_ms = 0.0;         // panels and ImGui
  double upload_ms = 0.0;     // texture and atlas uploads and command recording
  double inference_ms = 0.0;  // the worker's last forward (on its own thread)
  double fps = 0.0;           // smoothed
};

// A view the studio renders offscreen this frame and a panel shows with ImGui::Image.
enum class ViewId { kViewport, kFeatureGrid, kInspector, kCount };

struct ViewRequest {
  int width = 0, height = 0;  // 0: not shown this frame
};

class Studio {
 public:
  // deterministic: replays (record) wait for every inference and show no wall-clock figures.
  Studio(StudioSettings settings, bool deterministic);

  // Once per frame before the panels: takes the worker's newest frame and model, and posts a new
  // request when the source or the edits changed since the last one.
  void update(double now_seconds);

  // Model and layer
  // "demo:classifier", "demo:gan" or a path. Takes effect once the model is open; a failed open
  // changes nothing but model_error().
  // `segmenter`: the generator's segmenter ("" = the demo's; unset: the current one when `model`
  // is the open model, else the demo's); classifiers keep it for when a generator opens.
  void open_model(const std::string& model, std::optional<std::string> segmenter = std::nullopt);
  // Pairs the open generator with another segmenter: its dissections are that segmenter's.
  void set_segmenter(const std::string& segmenter);
  bool opening_model() const { return pending_open_ != 0; }
  void set_layer(const std::string& layer);
  bool is_generator() const;
  const analysis::LiveModelInfo* info() const { return info_.get(); }
  std::string model_error() const { return worker_.model_error(); }
  std::string model_path() const;  // the resolved path of settings.model

  // Edits
  std::vector<analysis::UnitEdit> edits() const;
  // Each of these is one step that undo() takes back (a panel's in-place edits of a toggle's
  // on/off or strength are not).
  void toggle(int unit, bool on, float strength = 1.0f);
  void toggle(const std::vector<int>& units, bool on, float strength = 1.0f);  // a concept's units
  void untoggle(int unit);
  void clear_edits();
  const std::vector<PaintLayer>& paint() const { return paint_; }
  void add_paint(PaintLayer layer);
  // Takes back the last toggle, stroke or clear of this model and layer; false when there is none
  // (changing the model or layer forgets them, as it drops the edits).
  bool undo();
  std::size_t undo_steps() const { return undo_.size(); }
  // A stroke (0..1 image points) painted with `brush` through the concept's top units of the
  // current dissection; returns an error message, or "" when it was added.
  std::string paint_stroke(const std::vector<std::array<float, 2>>& points, const Brush& brush);
  Brush& brush() { return brush_; }  // the toggles panel edits it, the viewport paints with it
  const Brush& brush() const { return brush_; }
  void mark_dirty() { dirty_ = true; }

  // Selections: settings.selected_unit persists; the hovered one lasts a frame.
  void select_unit(int unit);
  int hovered_unit() const { return hovered_unit_; }
  void hover_unit(int unit) { hovered_unit_ = unit; }

  // Dissection of the current layer: loaded from settings.dissection, the studio's cache or the
  // demo's output; null when there is none yet.
  const analysis::LayerDissection* dissection() const { return dissection_.get(); }
  const std::string& dissection_error() const { return dissection_error_; }
  // Loads it again as a job (see load_studio_dissection); update() applies what the newest load
  // finds. A deterministic studio waits for it here. One of another layer or model goes at once.
  void reload_dissection();
  bool loading_dissection() const { return dissection_load_.running(); }
  void set_dissection(std::shared_ptr<const analysis::LayerDissection> d);
  // Where the dissection panel caches runs of this model and layer (under the cache dir), one
  // subdirectory per convention (see run_studio_dissection).
  std::filesystem::path dissection_cache_dir() const;
  std::filesystem::path dissection_dir() const { return dissection_dir_; }  // the one loaded
  // Importance of the current layer's units (from the ablation panel), or null.
  const std::shared_ptr<const analysis::ImportanceResult>& importance() const { return importance_; }
  void set_importance(std::shared_ptr<const analysis::ImportanceResult> r) { importance_ = std::move(r); }

  // The frame on screen and the one the worker answered last.
  const analysis::LiveFrame* frame() const { return frame_.get(); }
  std::shared_ptr<const analysis::LiveFrame> frame_ptr() const { return frame_; }
  std::uint64_t frame_serial() const { return frame_serial_; }  // bumps with every new frame
  // The worker's (or the frame loop's) last error; empty while frames arrive.
  const std::string& inference_error() const { return inference_error_; }
  void set_inference_error(std::string e) { inference_error_ = std::move(e); }
  bool computing() const;

  // Captions (scripts): shown until `until` on the studio clock.
  const std::string& caption() const { return caption_; }
  double caption_until() const { return caption_until_; }
  void show_caption(std::string text, double until);
  // Timings: the frame loop measures them; a replay shows none.
  const FrameTimes& times() const { return times_; }
  void set_frame_times(const FrameTimes& t);
  // The studio clock: wall time, or a replay's frame time (update() sets it, replays via set_now()).
  double now() const { return now_; }
  void set_now(double t) { now_ = t; }
  // deterministic: replays (record) wait for every inference and show no wall-clock figures.
  bool deterministic() const { return deterministic_; }

  // The one public member: what is saved between runs and what the panels' widgets edit in
  // place. A change takes effect at the next update().
  StudioSettings settings;
  FrameSource& source() { return source_; }
  const FrameSource& source() const { return source_; }
  InferenceWorker& worker() { return worker_; }

  // Views a panel shows this frame (0x0: hidden); the frame loop renders them offscreen.
  const ViewRequest& view(ViewId v) const { return views_[int(v)]; }
  void request_view(ViewId v, int width, int height) { views_[int(v)] = {width, height}; }

  // Blocks until the worker answered every request and the dissection is loaded (deterministic
  // replays and --frames runs).
  void settle();

 private:
  analysis::LiveRequest make_request();
  void poll();
  void take_dissection();  // applies the newest load once it ended
  void take_model();       // applies the worker's newly opened model, and forgets a failed open
  // The value a unit switched on is set to: its dissection threshold, else its maximum on the
  // frame where it was switched on, times `strength`.
  float on_value(int unit, float strength) const;
  // The toggles and strokes before an edit; `removed` holds the strokes a clear took away.
  struct EditStep {
    std::vector<UnitToggle> toggles;
    std::size_t paint_count = 0;
    std::vector<PaintLayer> removed;
  };
  void remember_edits(std::vector<PaintLayer> removed = {});
  bool erase_toggle(int unit);

  const bool deterministic_;
  FrameSource source_;
  ViewRequest views_[int(ViewId::kCount)];
  Brush brush_;
  int hovered_unit_ = -1;
  std::shared_ptr<const analysis::ImportanceResult> importance_;
  std::string dissection_error_;
  std::string inference_error_;
  std::string caption_;
  double caption_until_ = 0.0;
  FrameTimes times_;
  double now_ = 0.0;

  InferenceWorker worker_;
  std::shared_ptr<const analysis::LiveModelInfo> info_;
  std::uint64_t model_generation_ = 0;
  std::uint64_t pending_open_ = 0;  // the worker's number of the open() not yet ended; 0: none
  std::string pending_model_;       // what that open() will make settings.model
  std::string pending_segmenter_;   // and settings.segmenter
  std::shared_ptr<const analysis::LiveFrame> frame_;
  std::uint64_t frame_serial_ = 0;
  std::uint64_t last_request_ = 0;
  std::uint64_t answered_request_ = 0;
  std::shared_ptr<const analysis::LayerDissection> dissection_;
  std::filesystem::path dissection_dir_;
  std::vector<PaintLayer> paint_;
  std::vector<EditStep> undo_;  // oldest first, at most kMaxUndoSteps
  std::map<int, float> on_base_;
  std::uint64_t source_serial_ = 0;
  bool dirty_ = true;
  std::string dissection_key_;  // model and layer that dissection_ and dissection_error are for
  JobResult<StudioDissectionLoad> dissection_load_;
};

// "demo:classifier" -> assets/models/classifier.pt under demo_root(); other text unchanged.
std::string resolve_model(const std::string& model);
// $XDG_CACHE_HOME/unitscope, else $HOME/.cache/unitscope ($UNITSCOPE_CACHE_DIR wins).
std::filesystem::path cache_dir();

}  // namespace unitscope::engine
