// Studio: what the panels share: settings, the frame source, the inference worker and its latest
// frame, the dissection and importance of the current layer, edits, and the frame's view requests.
#pragma once

#include <array>
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
#include "engine/studio/frame_source.h"
#include "engine/studio/inference_worker.h"
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
  void open_model(const std::string& model);  // "demo:classifier", "demo:gan" or a path
  void set_layer(const std::string& layer);
  bool is_generator() const;
  const analysis::LiveModelInfo* info() const { return info_.get(); }
  std::string model_error() const { return worker_.model_error(); }
  std::string model_path() const;  // the resolved path of settings.model

  // Edits
  std::vector<analysis::UnitEdit> edits() const;
  void toggle(int unit, bool on, float strength = 1.0f);
  void untoggle(int unit);
  void clear_edits();
  const std::vector<PaintLayer>& paint() const { return paint_; }
  void add_paint(PaintLayer layer);
  // A stroke (0..1 image points) painted with `brush` through the concept's top units of the
  // current dissection; returns an error message, or "" when it was added.
  std::string paint_stroke(const std::vector<std::array<float, 2>>& points, const Brush& brush);
  Brush brush;
  void mark_dirty() { dirty_ = true; }

  // Selections
  void select_unit(int unit);
  int hovered_unit = -1;

  // Dissection of the current layer: loaded from settings.dissection, the studio's cache or the
  // demo's output; null when there is none yet.
  const analysis::LayerDissection* dissection() const { return dissection_.get(); }
  std::string dissection_error;
  void reload_dissection();
  void set_dissection(std::shared_ptr<const analysis::LayerDissection> d) { dissection_ = std::move(d); }
  // Where the dissection panel caches runs of this model and layer (under the cache dir), one
  // subdirectory per convention (see run_studio_dissection).
  std::filesystem::path dissection_cache_dir() const;
  std::filesystem::path dissection_dir() const { return dissection_dir_; }  // the one loaded
  // Importance of the current layer's units (from the ablation panel), or null.
  std::shared_ptr<const analysis::ImportanceResult> importance;

  // The frame on screen and the one the worker answered last.
  const analysis::LiveFrame* frame() const { return frame_.get(); }
  std::shared_ptr<const analysis::LiveFrame> frame_ptr() const { return frame_; }
  std::uint64_t frame_serial() const { return frame_serial_; }  // bumps with every new frame
  std::string inference_error;
  bool computing() const;

  // Captions (scripts) and timings
  std::string caption;
  double caption_until = 0.0;
  FrameTimes times;
  double now = 0.0;

  StudioSettings settings;
  FrameSource source;
  InferenceWorker& worker() { return worker_; }
  const bool deterministic;
  ViewRequest views[int(ViewId::kCount)];

  // Blocks until the worker answered every request (deterministic replays and --frames runs).
  void settle();

 private:
  analysis::LiveRequest make_request();
  void poll();
  // The value a unit switched on is set to: its dissection threshold, else its maximum on the
  // frame where it was switched on, times `strength`.
  float on_value(int unit, float strength) const;

  InferenceWorker worker_;
  std::shared_ptr<const analysis::LiveModelInfo> info_;
  std::uint64_t model_generation_ = 0;
  std::shared_ptr<const analysis::LiveFrame> frame_;
  std::uint64_t frame_serial_ = 0;
  std::uint64_t last_request_ = 0;
  std::uint64_t answered_request_ = 0;
  std::shared_ptr<const analysis::LayerDissection> dissection_;
  std::filesystem::path dissection_dir_;
  std::vector<PaintLayer> paint_;
  std::map<int, float> on_base_;
  std::uint64_t source_serial_ = 0;
  bool dirty_ = true;
};

// "demo:classifier" -> assets/models/classifier.pt under demo_root(); other text unchanged.
std::string resolve_model(const std::string& model);
// $XDG_CACHE_HOME/unitscope, else $HOME/.cache/unitscope ($UNITSCOPE_CACHE_DIR wins).
std::filesystem::path cache_dir();

}  // namespace unitscope::engine
