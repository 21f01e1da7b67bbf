#include "engine/app/studio_ui.h"

#include <imgui.h>
#include <imgui_internal.h>

#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

struct DefaultPlace {
  const char* title;
  // Fractions of the display below the menu bar: x, y, width, height.
  float x, y, w, h;
};

// The first-run layout for a 1280x720 window; later runs restore the user's (imgui.ini).
constexpr DefaultPlace kLayout[] = {
    {"Source", 0.0f, 0.0f, 0.235f, 0.30f},
    {"Model and layer", 0.0f, 0.30f, 0.235f, 0.36f},
    {"Toggles", 0.0f, 0.66f, 0.235f, 0.34f},
    {"Viewport", 0.235f, 0.0f, 0.405f, 0.60f},
    {"Feature maps", 0.64f, 0.0f, 0.36f, 0.60f},
    {"Unit inspector", 0.235f, 0.60f, 0.255f, 0.40f},
    {"Dissection pass", 0.49f, 0.60f, 0.18f, 0.40f},
    {"Ablation curves", 0.67f, 0.60f, 0.19f, 0.40f},
    {"Record", 0.86f, 0.60f, 0.14f, 0.40f},
};

void place(const char* title) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ImGui::GetFrameHeight();  // the main menu bar
  const float height = display.y - top;
  for (const DefaultPlace& p : kLayout) {
    if (std::string(p.title) != title) continue;
    ImGui::SetNextWindowPos(ImVec2(p.x * display.x, top + p.y * height), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(p.w * display.x, p.h * height), ImGuiCond_FirstUseEver);
  }
}

}  // namespace

const std::vector<std::string>& studio_window_titles() {
  static const std::vector<std::string> titles = [] {
    std::vector<std::string> t;
    for (const DefaultPlace& p : kLayout) t.push_back(p.title);
    return t;
  }();
  return titles;
}

void StudioUi::draw() {
  if (ImGui::BeginMainMenuBar()) {
    ImGui::TextUnformatted("unitscope");
    ImGui::Separator();
    frame_time_.draw(ctx_);
    ImGui::EndMainMenuBar();
  }
  place("Source");
  source_.draw(ctx_);
  place("Model and layer");
  model_.draw(ctx_);
  place("Toggles");
  toggles_.draw(ctx_);
  place("Viewport");
  viewport_.draw(ctx_);
  place("Feature maps");
  feature_maps_.draw(ctx_);
  place("Unit inspector");
  inspector_.draw(ctx_);
  place("Dissection pass");
  dissection_.draw(ctx_);
  place("Ablation curves");
  ablation_.draw(ctx_);
  place("Record");
  record_.draw(ctx_);
}

std::vector<std::pair<std::string, WindowRect>> StudioUi::window_rects() const {
  std::vector<std::pair<std::string, WindowRect>> out;
  for (const std::string& title : studio_window_titles()) {
    if (ImGuiWindow* w = ImGui::FindWindowByName(title.c_str()); w && w->WasActive)
      out.push_back({title, {w->Pos.x, w->Pos.y, w->Size.x, w->Size.y}});
  }
  return out;
}

}  // namespace unitscope::engine
