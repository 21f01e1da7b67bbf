// The unit inspector: the selected unit's map over the frame, its labels and IoU per category, its
// top exemplar images with masks (composited by a background job) and its importance per class.
#pragma once

#include <memory>
#include <string>

#include "engine/jobs/job_result.h"
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

  // The composited exemplars so far, and those that could not be shown; defined in the .cpp.
  struct Exemplars;
  // The exemplar jobs' own model session, kept between jobs; defined in the .cpp.
  struct Session;

 private:
  void draw_labels(PanelContext& ctx, int unit);
  void draw_exemplars(PanelContext& ctx, int unit);
  void draw_importance(PanelContext& ctx, int unit);
  void start_exemplars(PanelContext& ctx, const analysis::LayerDissection& dissection, int unit);

  std::shared_ptr<Session> session_;
  std::string model_key_;         // settings.model that model_path_ resolves
  std::string model_path_;
  std::string exemplar_key_;      // model, layer, dissection and unit of the requested exemplars
  int thumbnail_size_ = 96;
  JobResult<Exemplars> job_;      // last: its destructor joins the job before the rest goes
};

}  // namespace unitscope::engine
