// The ablation panel: unit importance of the studio's layer by ablation (as `unitscope ablate`) as a
// background job, per-class removal curves drawn as classes finish, and each class's top units.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/jobs/job.h"
#include "engine/panels/panel.h"

namespace unitscope::engine {

class AblationPanel {
 public:
  AblationPanel();
  ~AblationPanel();
  AblationPanel(const AblationPanel&) = delete;
  AblationPanel& operator=(const AblationPanel&) = delete;

  void draw(PanelContext& ctx);

  // What one run shares with the panel: progress and the classes finished so far; in the .cpp.
  struct Run;

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

  std::shared_ptr<Run> run_;   // the newest run, or null before the first
  std::uint64_t run_generation_ = 0;
  std::uint64_t handled_generation_ = 0;  // the finished run handed to the studio
  JobSlot job_;                // last: its destructor joins the job before the rest goes
};

}  // namespace unitscope::engine
