// The ablation panel: unit importance of the studio's layer by ablation (as `unitscope ablate`) as a
// background job, per-class removal curves drawn as classes finish, and each class's top units.
#pragma once

#include <memory>
#include <string>

#include "engine/jobs/job_result.h"
#include "engine/panels/panel.h"

namespace unitscope::analysis {
struct ImportanceProgress;
struct ImportanceResult;
}  // namespace unitscope::analysis

namespace unitscope::engine {

class AblationPanel {
 public:
  AblationPanel();
  ~AblationPanel();
  AblationPanel(const AblationPanel&) = delete;
  AblationPanel& operator=(const AblationPanel&) = delete;

  void draw(PanelContext& ctx);

 private:
  void draw_form(PanelContext& ctx);
  void draw_job(PanelContext& ctx);
  void draw_results(PanelContext& ctx);
  void start(PanelContext& ctx);

  // The form (defaults as `unitscope ablate`'s).
  std::string dataset_;        // Broden or ImageFolder; empty: the demo dataset
  std::string label_category_ = "scene";
  int limit_ = 0;              // first N images of each split (0: all)
  int curve_k_ = 20;
  int random_repeats_ = 5;

  int picked_class_ = -1;      // -1: the mean over classes
  int top_units_ = 15;         // how many of the picked class's units to list

  // The newest run (none before the first): its settings, its phase, and its result, published
  // as each class finishes (classes and mean curves only) and in full at the end.
  bool started_ = false;
  std::string run_model_;      // StudioSettings::model
  std::string run_layer_;
  std::shared_ptr<analysis::ImportanceProgress> run_progress_;
  JobResult<analysis::ImportanceResult> job_;  // last: its destructor joins the job before the rest goes
};

}  // namespace unitscope::engine
