#include "engine/panels/ablation_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/dissect/dissection_file.h"
#include "analysis/intervene/unit_importance.h"
#include "engine/panels/curve_plot.h"
#include "engine/studio/demo_assets.h"
#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

struct CurveSet {
  std::span<const double> removed, kept, random;
};

// Means over the classes that have val images, k = 0..K (what ImportanceResult::mean_* hold).
void mean_curves(const std::vector<analysis::ClassImportance>& classes, std::vector<double>& removed,
                 std::vector<double>& kept, std::vector<double>& random) {
  removed.clear();
  kept.clear();
  random.clear();
  int n = 0;
  for (const auto& c : classes) {
    if (c.val_images == 0 || c.removed.empty()) continue;
    if (removed.empty()) {
      removed.assign(c.removed.size(), 0.0);
      kept.assign(c.kept.size(), 0.0);
      random.assign(c.random.size(), 0.0);
    }
    for (std::size_t k = 0; k < removed.size() && k < c.removed.size(); ++k) removed[k] += c.removed[k];
    for (std::size_t k = 0; k < kept.size() && k < c.kept.size(); ++k) kept[k] += c.kept[k];
    for (std::size_t k = 0; k < random.size() && k < c.random.size(); ++k) random[k] += c.random[k];
    ++n;
  }
  for (auto* v : {&removed, &kept, &random})
    for (double& x : *v) x /= double(std::max(n, 1));
}

// Removal curves against k with axes, ticks, a legend and a hover readout, in ImDrawList lines.
void draw_curves(const CurveSet& curves, ImVec2 size) {
  static const ImU32 kColors[] = {IM_COL32(235, 90, 70, 255), IM_COL32(80, 170, 240, 255),
                                  IM_COL32(170, 170, 170, 255)};
  static const char* const kNames[] = {"top-k removed", "all but top-k", "k random removed"};
  const std::span<const double> series[] = {curves.removed, curves.kept, curves.random};
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("curves", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* list = ImGui::GetWindowDrawList();
  const float text_h = ImGui::GetTextLineHeight();

  std::size_t points = 0;
  for (const auto& s : series) points = std::max(points, s.size());
  PlotScale scale;
  scale.left = origin.x + 44.0f;
  scale.right = origin.x + size.x - 8.0f;
  scale.top = origin.y + 6.0f;
  scale.bottom = origin.y + size.y - text_h - 22.0f;
  scale.x_max = double(std::max<std::size_t>(points, 2) - 1);
  curve_y_range(series, scale.y_min, scale.y_max);
  if (scale.right - scale.left < 20.0f || scale.bottom - scale.top < 20.0f) return;

  list->AddRectFilled(ImVec2(scale.left, scale.top), ImVec2(scale.right, scale.bottom), IM_COL32(30, 30, 34, 255));
  char label[32];
  for (double t : nice_ticks(scale.y_min, scale.y_max, 6)) {
    const float y = scale.y(t);
    list->AddLine(ImVec2(scale.left, y), ImVec2(scale.right, y), IM_COL32(70, 70, 78, 255));
    std::snprintf(label, sizeof(label), "%.0f%%", 100.0 * t);
    const float w = ImGui::CalcTextSize(label).x;
    list->AddText(ImVec2(scale.left - w - 4.0f, y - text_h * 0.5f), IM_COL32(190, 190, 190, 255), label);
  }
  for (double t : nice_ticks(scale.x_min, scale.x_max, 8)) {
    const float x = scale.x(t);
    list->AddLine(ImVec2(x, scale.bottom), ImVec2(x, scale.bottom + 4.0f), IM_COL32(190, 190, 190, 255));
    std::snprintf(label, sizeof(label), "%.0f", t);
    const float w = ImGui::CalcTextSize(label).x;
    list->AddText(ImVec2(x - w * 0.5f, scale.bottom + 5.0f), IM_COL32(190, 190, 190, 255), label);
  }
  list->AddRect(ImVec2(scale.left, scale.top), ImVec2(scale.right, scale.bottom), IM_COL32(120, 120, 130, 255));
  const char* x_title = "units ablated (k)";
  list->AddText(ImVec2((scale.left + scale.right - ImGui::CalcTextSize(x_title).x) * 0.5f, scale.bottom + 5.0f + text_h),
                IM_COL32(190, 190, 190, 255), x_title);

  std::vector<ImVec2> line;
  for (std::size_t s = 0; s < 3; ++s) {
    for (const auto& run : curve_polylines(scale, series[s])) {
      line.clear();
      for (const PlotPoint& p : run) line.emplace_back(p.x, p.y);
      if (line.size() == 1) list->AddCircleFilled(line[0], 2.5f, kColors[s]);
      list->AddPolyline(line.data(), int(line.size()), kColors[s], ImDrawFlags_None, 2.0f);
    }
  }
  // Legend, top right.
  float ly = scale.top + 4.0f;
  for (std::size_t s = 0; s < 3; ++s) {
    const float w = ImGui::CalcTextSize(kNames[s]).x;
    const float lx = scale.right - w - 30.0f;
    list->AddLine(ImVec2(lx, ly + text_h * 0.5f), ImVec2(lx + 18.0f, ly + text_h * 0.5f), kColors[s], 2.0f);
    list->AddText(ImVec2(lx + 22.0f, ly), IM_COL32(220, 220, 220, 255), kNames[s]);
    ly += text_h + 2.0f;
  }
  if (hovered && points > 0) {
    const float mx = ImGui::GetIO().MousePos.x;
    const double k = std::round((mx - scale.left) / (scale.right - scale.left) * scale.x_max);
    const auto ki = std::size_t(std::clamp(k, 0.0, scale.x_max));
    list->AddLine(ImVec2(scale.x(double(ki)), scale.top), ImVec2(scale.x(double(ki)), scale.bottom),
                  IM_COL32(255, 255, 255, 90));
    ImGui::BeginTooltip();
    ImGui::Text("k = %zu", ki);
    for (std::size_t s = 0; s < 3; ++s) {
      if (ki < series[s].size()) ImGui::Text("%s: %.1f%%", kNames[s], 100.0 * series[s][ki]);
    }
    ImGui::EndTooltip();
  }
}

}  // namespace

AblationPanel::AblationPanel() = default;
AblationPanel::~AblationPanel() = default;

void AblationPanel::draw(PanelContext& ctx) {
  if (!ImGui::Begin("Ablation curves")) {
    ImGui::End();
    return;
  }
  Studio& studio = ctx.studio;
  // A finished run: hand its importance to the studio (inspector, feature-grid sorting), once.
  if (auto end = job_.take(); end && end->result) studio.set_importance(end->result);
  if (!studio.info()) {
    ImGui::TextColored(kDimColor, "%s", studio.model_error().empty() ? "opening the model..." : "no model loaded");
  } else if (studio.is_generator()) {
    ImGui::TextWrapped("Ablation curves measure a classifier's accuracy per class. For the GAN, switch units "
                       "off in the Toggles panel and watch the scene change.");
  } else {
    draw_form(ctx);
    draw_job(ctx);
    draw_results(ctx);
  }
  ImGui::End();
}

void AblationPanel::draw_form(PanelContext& ctx) {
  ImGui::Text("layer %s", ctx.studio.settings.layer.c_str());
  ImGui::BeginDisabled(job_.running());
  ImGui::PushItemWidth(label_room({"dataset", "label category", "image limit", "random orders"}));
  ImGui::InputTextWithHint("dataset", "demo/world", &dataset_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Broden (image-level labels of the label category) or ImageFolder (DIR/<class>/*.png)");
  ImGui::InputText("label category", &label_category_);
  ImGui::InputInt("image limit", &limit_);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Use only the first N images of each split (0: all)");
  ImGui::SliderInt("k", &curve_k_, 1, 64);
  ImGui::SliderInt("random orders", &random_repeats_, 1, 20);
  ImGui::PopItemWidth();
  limit_ = std::max(0, limit_);
  ImGui::EndDisabled();
}

void AblationPanel::draw_job(PanelContext& ctx) {
  const JobState state = job_.state();
  if (state == JobState::kRunning && started_) {
    static const char* const kPhases[] = {"starting", "ranking units on train", "curves on val", "done"};
    const analysis::ImportanceProgress& progress = *run_progress_;
    const int phase = std::clamp(progress.phase.load(), 0, 3);
    job_progress(job_.slot(), kPhases[phase], progress.done, progress.total, "computing...");
    return;
  }
  if (started_) job_outcome(job_.slot(), "Cancelled; nothing was kept.");
  ImGui::BeginDisabled(ctx.studio.settings.layer.empty());
  if (ImGui::Button(ctx.studio.importance() ? "Run again" : "Run")) start(ctx);
  ImGui::EndDisabled();
}

void AblationPanel::draw_results(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  // The running (or last) run's classes, else the studio's importance from an earlier run. The
  // snapshot is immutable, so the job publishes the next one meanwhile without waiting for this draw.
  std::shared_ptr<const analysis::ImportanceResult> shown;
  std::string layer;
  if (started_ && run_model_ == studio.settings.model) {
    shown = job_.latest();
    layer = run_layer_;
  } else if (studio.importance() && !started_) {
    shown = studio.importance();
    layer = studio.importance()->layer;
  }
  const std::vector<analysis::ClassImportance>* classes = shown ? &shown->classes : nullptr;
  const CurveSet mean = shown ? CurveSet{shown->mean_removed, shown->mean_kept, shown->mean_random} : CurveSet{};
  if (!classes || classes->empty()) {
    if (job_.running()) dim_wrapped("curves appear as each class is measured");
    return;
  }
  ImGui::Separator();
  if (layer != studio.settings.layer)
    error_text("These results are for layer " + layer + "; run again for " + studio.settings.layer + ".");
  if (picked_class_ >= int(classes->size())) picked_class_ = -1;
  const std::string preview = picked_class_ < 0 ? "mean over classes" : (*classes)[std::size_t(picked_class_)].name;
  ImGui::SetNextItemWidth(label_room({"class"}));
  if (ImGui::BeginCombo("class", preview.c_str())) {
    if (ImGui::Selectable("mean over classes", picked_class_ < 0)) picked_class_ = -1;
    for (std::size_t c = 0; c < classes->size(); ++c) {
      const std::string item = (*classes)[c].name + "##class" + std::to_string(c);
      if (ImGui::Selectable(item.c_str(), picked_class_ == int(c))) picked_class_ = int(c);
    }
    ImGui::EndCombo();
  }
  const analysis::ClassImportance* picked = picked_class_ < 0 ? nullptr : &(*classes)[std::size_t(picked_class_)];
  const CurveSet curves = picked ? CurveSet{picked->removed, picked->kept, picked->random} : mean;
  dim_wrapped(std::string("val balanced accuracy (one class against the rest)") +
              (job_.running() ? "; more classes are coming" : ""));
  const float width = std::max(120.0f, ImGui::GetContentRegionAvail().x);
  draw_curves(curves, ImVec2(width, std::clamp(width * 0.55f, 140.0f, 320.0f)));
  if (!picked) {
    dim_wrapped("pick a class to see its top units");
    return;
  }
  ImGui::TextWrapped("%s: val accuracy %.1f%%, %zu train / %zu val images", picked->name.c_str(),
                     100.0 * picked->val_accuracy, picked->train_images, picked->val_images);
  ImGui::SetNextItemWidth(label_room({"units listed"}));
  ImGui::SliderInt("units listed", &top_units_, 1, 64);
  // Removing one unit rarely flips a prediction, so most accuracy drops are 0 and the order comes
  // from the class's log-probability drop: show both, so the ranking is not a mystery.
  dim_wrapped("ranked by train accuracy drop, ties by log-prob drop (" + std::to_string(picked->train_images) +
              " train images)");
  const analysis::LayerDissection* d = layer == studio.settings.layer ? studio.dissection() : nullptr;
  const std::size_t n = std::min(std::size_t(top_units_), picked->ranking.size());
  for (std::size_t i = 0; i < n; ++i) {
    const int unit = picked->ranking[i];
    const double drop = std::size_t(unit) < picked->drop.size() ? picked->drop[std::size_t(unit)] : 0.0;
    const double margin =
        std::size_t(unit) < picked->margin_drop.size() ? picked->margin_drop[std::size_t(unit)] : 0.0;
    const analysis::UnitSummary* u = d && std::size_t(unit) < d->units.size() ? &d->units[std::size_t(unit)] : nullptr;
    // Built as a string: a long label must neither be cut nor cut off the row's "##top" id.
    char figures[96];
    std::snprintf(figures, sizeof(figures), "#%zu  unit %d   acc %+.1f%%  log-prob %+.3f", i + 1, unit + 1,
                  100.0 * drop, margin);
    std::string row = figures;
    if (u && !u->label.empty()) {
      char iou[32];
      std::snprintf(iou, sizeof(iou), " (IoU %.2f)", u->iou);
      row += "   " + u->label + iou;
    }
    const std::string id = row + "##top" + std::to_string(i);
    if (ImGui::Selectable(id.c_str(), studio.settings.selected_unit == unit) && layer == studio.settings.layer)
      studio.select_unit(unit);
    hover_tooltip(row);  // the row runs past narrow panels
  }
}

void AblationPanel::start(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  analysis::ImportanceOptions options;
  options.model.source = studio.model_path();
  options.threads = job_threads();
  options.dataset = dataset_;
  options.label_category = label_category_;
  options.limit = std::size_t(limit_);
  options.layer = studio.settings.layer;
  options.curve_k = curve_k_;
  options.random_repeats = random_repeats_;

  started_ = true;
  run_model_ = studio.settings.model;
  run_layer_ = options.layer;
  auto progress = std::make_shared<analysis::ImportanceProgress>();
  run_progress_ = progress;
  picked_class_ = -1;
  using Publisher = JobResult<analysis::ImportanceResult>::Publisher;
  job_.start("ablation", [progress, options](JobControl& job, const Publisher& publisher) mutable {
    if (options.dataset.empty()) {
      // As `unitscope ablate`: the demo dataset when none is given.
      job.set_status("preparing the demo dataset");
      options.dataset = demo_dataset();
      job.set_status("");
    }
    // Curves per class as each finishes (on this thread): a new snapshot of the classes so far.
    analysis::ImportanceResult so_far;
    so_far.layer = options.layer;
    options.on_class = [&](const analysis::ClassImportance& c) {
      so_far.classes.push_back(c);
      mean_curves(so_far.classes, so_far.mean_removed, so_far.mean_kept, so_far.mean_random);
      publisher.publish(so_far);
    };
    return analysis::measure_importance(options, *progress, job.stop());
  });
}

}  // namespace unitscope::engine
