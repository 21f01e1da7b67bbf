#include "engine/panels/record_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_capture.h"

namespace unitscope::engine {

void RecordPanel::draw(PanelContext& ctx) {
  if (!ImGui::Begin("Record")) {
    ImGui::End();
    return;
  }
  StudioCapture* capture = ctx.capture;
  if (!capture) {
    ImGui::TextDisabled("recording is not available here");
    ImGui::End();
    return;
  }
  const double now = ctx.studio.now();
  if (!capture->recording()) {
    ImGui::RadioButton("window", &target_, 0);
    // Beside "window" unless a scrollbar leaves too little room.
    const ImGuiStyle& style = ImGui::GetStyle();
    same_line_if_fits(ImGui::GetFrameHeight() + style.ItemInnerSpacing.x + ImGui::CalcTextSize("viewport").x);
    ImGui::RadioButton("viewport", &target_, 1);
    ImGui::Checkbox("PNG sequence", &png_);
    hover_tooltip("write a directory of numbered PNG frames instead of a video");
    // One width for the column, so the short labels line up and none runs out of the panel.
    ImGui::PushItemWidth(label_room({"fps", "out"}));
    ImGui::InputInt("fps", &fps_);
    ImGui::InputText("out", &path_);
    hover_tooltip(resolve_output(path_).string());
    ImGui::PopItemWidth();
    if (ImGui::Button("Record")) {
      CaptureOptions o;
      o.viewport_only = target_ == 1;
      o.png = png_;
      o.fps = fps_;
      o.out = resolve_output(path_);
      capture->start(o, now);
    }
  } else {
    ImGui::Text("recording %lld frames", static_cast<long long>(capture->frames_recorded()));
    if (ImGui::Button("Stop")) capture->stop();
  }
  ImGui::Separator();
  if (ImGui::Checkbox("keep the last", &ring_)) capture->set_ring(ring_ ? ring_seconds_ : 0.0, fps_);
  same_line_if_fits(60.0f);
  ImGui::SetNextItemWidth(std::max(40.0f, ImGui::GetContentRegionAvail().x + label_room({"s"})));
  if (ImGui::InputFloat("s", &ring_seconds_, 0, 0, "%.0f") && ring_) capture->set_ring(ring_seconds_, fps_);
  if (ring_) {
    ImGui::SetNextItemWidth(-(button_width("Save") + ImGui::GetStyle().ItemSpacing.x));
    ImGui::InputText("##ring", &ring_path_);
    hover_tooltip(resolve_output(ring_path_).string());
    ImGui::SameLine();
    if (ImGui::Button("Save") && !capture->ring_job().running()) capture->save_ring(resolve_output(ring_path_));
    ImGui::TextDisabled("%zu frames held", capture->ring_frames());
  }
  JobSlot& job = capture->ring_job();
  if (job.state() != JobState::kIdle) ImGui::TextDisabled("%s: %s", to_string(job.state()), job.status().c_str());
  job_outcome(job, "saving cancelled");
  ImGui::Separator();
  ImGui::SetNextItemWidth(-1.0f);
  ImGui::InputText("##still", &still_path_);
  hover_tooltip(resolve_output(still_path_).string());
  // The scale slider takes what the button leaves of the line.
  ImGui::SetNextItemWidth(std::max(50.0f, ImGui::GetContentRegionAvail().x - button_width("Export still") -
                                              ImGui::GetStyle().ItemSpacing.x));
  ImGui::SliderInt("##scale", &still_scale_, 1, 8, "x%d");
  hover_tooltip("scale of the still, in multiples of the window's pixels");
  ImGui::SameLine();
  if (ImGui::Button("Export still")) capture->request_still(resolve_output(still_path_), still_scale_);
  dim_wrapped("relative paths go under " + output_dir().string());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("set UNITSCOPE_OUTPUT_DIR to change it");
  if (const std::string e = capture->error(); !e.empty()) {
    error_text(e);
  } else if (const std::string s = capture->status(); !s.empty()) {
    ImGui::TextWrapped("%s", s.c_str());
  }
  ImGui::End();
}

}  // namespace unitscope::engine
