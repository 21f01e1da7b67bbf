#include "engine/panels/panel_widgets.h"

#include <algorithm>

namespace unitscope::engine {

void error_text(const std::string& message) {
  if (message.empty()) return;
  ImGui::PushTextWrapPos();
  ImGui::TextColored(kErrorColor, "%s", message.c_str());
  ImGui::PopTextWrapPos();
}

float label_room(std::initializer_list<const char*> labels) {
  float widest = 0.0f;
  for (const char* l : labels) widest = std::max(widest, ImGui::CalcTextSize(l, nullptr, true).x);
  return -(widest + ImGui::GetStyle().ItemInnerSpacing.x + 1.0f);
}

float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

void same_line_if_fits(float width) {
  // GetContentRegionMax: the current table column's edge inside a table, else the window's.
  const float right = ImGui::GetWindowPos().x + ImGui::GetContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + width <= right) ImGui::SameLine();
}

void dim_wrapped(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kDimColor);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void hover_tooltip(const std::string& text) {
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", text.c_str());
}

void job_progress(JobSlot& job, const char* phase, std::size_t done, std::size_t total, const char* note) {
  const std::string text = total > 0 ? std::string(phase) + " " + std::to_string(done) + "/" + std::to_string(total)
                                     : std::string(phase) + "...";
  ImGui::ProgressBar(total > 0 ? float(double(done) / double(total)) : 0.0f, ImVec2(-1, 0), text.c_str());
  const std::string status = job.status();
  if (!status.empty()) ImGui::TextColored(kDimColor, "%s", status.c_str());
  if (ImGui::Button("Cancel")) job.cancel();
  ImGui::SameLine();
  ImGui::TextColored(kDimColor, "%s", note);
}

void job_outcome(const JobSlot& job, const char* cancelled) {
  const JobState state = job.state();
  if (state == JobState::kFailed) error_text(job.error());
  if (state == JobState::kCancelled) ImGui::TextColored(kDimColor, "%s", cancelled);
}

namespace {
// Written and read on the UI thread only.
std::map<std::string, std::array<float, 4>>& items() {
  static std::map<std::string, std::array<float, 4>> marked;
  return marked;
}
}  // namespace

void mark_item(const char* key) {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  items()[key] = {a.x, a.y, b.x - a.x, b.y - a.y};
}

const std::map<std::string, std::array<float, 4>>& marked_items() { return items(); }

}  // namespace unitscope::engine
