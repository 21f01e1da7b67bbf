#include "engine/panels/record_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

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
    ImGui::SameLine();
    ImGui::RadioButton("viewport", &target_, 1);
    ImGui::Checkbox("PNG sequence (a directory)", &png_);
    ImGui::SetNextItemWidth(80);
    ImGui::InputInt("fps", &fps_);
    ImGui::InputText("out", &path_);
    if (ImGui::Button("Record")) {
      CaptureOptions o;
      o.viewport_only = target_ == 1;
      o.png = png_;
      o.fps = fps_;
      o.out = path_;
      capture->start(o, now);
    }
  } else {
    ImGui::Text("recording %lld frames", static_cast<long long>(capture->frames_recorded()));
    if (ImGui::Button("Stop")) capture->stop();
  }
  ImGui::Separator();
  if (ImGui::Checkbox("keep the last", &ring_)) capture->set_ring(ring_ ? ring_seconds_ : 0.0, fps_);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  if (ImGui::InputFloat("s", &ring_seconds_, 0, 0, "%.0f") && ring_) capture->set_ring(ring_seconds_, fps_);
  if (ring_) {
    ImGui::InputText("##ring", &ring_path_);
    ImGui::SameLine();
    if (ImGui::Button("Save") && !capture->ring_job().running()) capture->save_ring(ring_path_);
    ImGui::TextDisabled("%zu frames held", capture->ring_frames());
  }
  JobSlot& job = capture->ring_job();
  if (job.state() != JobState::kIdle) ImGui::TextDisabled("%s: %s", to_string(job.state()), job.status().c_str());
  job_outcome(job, "saving cancelled");
  ImGui::Separator();
  ImGui::InputText("##still", &still_path_);
  ImGui::SetNextItemWidth(80);
  ImGui::SliderInt("x", &still_scale_, 1, 8);
  ImGui::SameLine();
  if (ImGui::Button("Export still")) capture->request_still(still_path_, still_scale_);
  if (const std::string e = capture->error(); !e.empty()) {
    error_text(e);
  } else if (const std::string s = capture->status(); !s.empty()) {
    ImGui::TextWrapped("%s", s.c_str());
  }
  ImGui::End();
}

}  // namespace unitscope::engine
