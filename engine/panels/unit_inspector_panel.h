// The unit inspector: the selected unit's map over the frame, its labels and IoU per category, its
// top exemplar images with masks (composited by a background job) and its importance per class.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/jobs/job.h"
#include "engine/panels/panel.h"

namespace unitscope::analysis {
struct LayerDissection;
}

namespace unitscope::engine {

class UnitInspectorPanel {
 public:
  UnitInspectorPanel();
  ~UnitInspectorPanel();
  UnitInspectorPanel(const UnitInspectorPanel&) = delete;
  UnitInspectorPanel& operator=(const UnitInspectorPanel&) = delete;

  void draw(PanelContext& ctx);

  // What the exemplar job shares with the panel (the model session it keeps between jobs and the
  // composited images); defined in the .cpp.
  struct Shared;

 private:
  void draw_labels(PanelContext& ctx, int unit);
  void draw_exemplars(PanelContext& ctx, int unit);
  void draw_importance(PanelContext& ctx, int unit);
  void start_exemplars(PanelContext& ctx, const analysis::LayerDissection& dissection, int unit);

  std::shared_ptr<Shared> shared_;
  std::string model_key_;         // settings.model that model_path_ resolves
  std::string model_path_;
  std::string exemplar_key_;      // model, layer, dissection and unit of the requested exemplars
  std::uint64_t request_ = 0;     // the newest exemplar request; older results are ignored
  int thumbnail_size_ = 96;
  JobSlot job_;                   // last: its destructor joins the job before the rest goes
};

}  // namespace unitscope::engine
