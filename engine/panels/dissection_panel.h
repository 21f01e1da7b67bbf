// The dissection pass panel: dissects layers of the studio's model (GAN dissection for a generator)
// as a background job into the studio's cache, with progress, cancel, resume and partial results.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "engine/jobs/job_result.h"
#include "engine/panels/panel.h"

namespace unitscope::analysis {
struct DissectProgress;
}

namespace unitscope::engine {

class DissectionPanel {
 public:
  DissectionPanel();
  ~DissectionPanel();
  DissectionPanel(const DissectionPanel&) = delete;
  DissectionPanel& operator=(const DissectionPanel&) = delete;

  void draw(PanelContext& ctx);

  // What a run shows: a summary and the best units, so far or final; in the .cpp.
  struct Results;

 private:
  void draw_form(PanelContext& ctx);
  void draw_knobs();
  void draw_job(PanelContext& ctx);
  void draw_results(PanelContext& ctx);
  void start(PanelContext& ctx, bool start_over);

  // The form, reset when the model changes.
  std::string form_model_;      // settings.model the form and cache_dir_ belong to
  std::filesystem::path cache_dir_;
  std::string form_layer_;     // the studio's layer when layers_ was last defaulted to it
  std::set<std::string> layers_;
  std::string dataset_;        // classifier: Broden directory; empty: the demo dataset
  int convention_ = 0;         // 0 pnas, 1 netdissect-lite
  int limit_ = 0;              // classifier: first N images (0: all)
  int samples_ = 1000;         // generator: latent samples, segmented by the demo segmenter
  double quantile_ = 0.0;      // analysis::DissectKnobs, as the form shows them
  double iou_threshold_ = 0.04;
  std::string categories_;     // comma-separated; empty: all
  int label_size_ = 0;

  // The newest run (none before the first).
  bool started_ = false;
  bool run_generator_ = false;
  std::string run_model_;  // StudioSettings::model of the newest run: its results show only for it
  std::filesystem::path run_out_;
  std::shared_ptr<analysis::DissectProgress> run_progress_;
  JobResult<Results> job_;     // last: its destructor joins the job before the rest goes
};

}  // namespace unitscope::engine
