#include "engine/app/studio_shortcuts.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

struct Shortcut {
  const char* keys;
  const char* action;
};

// What the help window lists; handle_shortcuts() below is the one place that acts on them.
constexpr Shortcut kShortcuts[] = {
    {"Left / Right", "previous / next image of the source (GAN: sample A)"},
    {"Space", "play or pause the video"},
    {"Esc", "clear the unit selection"},
    {"Ctrl+Z", "undo the last toggle, brush stroke or clear"},
    {"F1", "show or hide this list"},
};

bool pressed(ImGuiKey key, bool repeat) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), repeat); }

// As the source panel's arrows: a bounded source stops at its ends and pauses a playing video.
void step_source(Studio& studio, bool forward) {
  StudioSettings& s = studio.settings;
  if (studio.is_generator()) {
    if (!forward && s.gan_index_a == 0) return;
    forward ? ++s.gan_index_a : --s.gan_index_a;
    studio.mark_dirty();
    return;
  }
  if (s.source == SourceKind::kWorld) {
    if (forward || s.world_index > 0) forward ? ++s.world_index : --s.world_index;
    return;
  }
  FrameSource& source = studio.source();
  const bool can_step = forward ? s.source_index + 1 < source.count() : s.source_index > 0;
  if (!can_step) return;
  forward ? ++s.source_index : --s.source_index;
  source.set_playing(false, studio.now());
}

bool any_popup_open() { return ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel); }

}  // namespace

void handle_shortcuts(Studio& studio, bool& show_help) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  // ImGui 1.86 names no function keys: the GLFW backend fills KeysDown by GLFW key code.
  if (ImGui::IsKeyPressed(GLFW_KEY_F1, false)) show_help = !show_help;
  if (io.KeyCtrl && !io.KeyShift && pressed(ImGuiKey_Z, true)) studio.undo();
  if (io.KeyCtrl || io.KeyAlt || io.KeySuper) return;
  if (pressed(ImGuiKey_LeftArrow, true)) step_source(studio, false);
  if (pressed(ImGuiKey_RightArrow, true)) step_source(studio, true);
  FrameSource& source = studio.source();
  if (pressed(ImGuiKey_Space, false) && studio.settings.source == SourceKind::kVideo && source.count() > 0)
    source.set_playing(!source.playing(), studio.now());
  // Esc first closes an open combo or menu (ImGui does that); only then does it deselect.
  if (pressed(ImGuiKey_Escape, false) && !any_popup_open()) studio.select_unit(-1);
}

void draw_shortcut_help(bool& open) {
  if (!open) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  constexpr ImGuiWindowFlags kFlags =
      ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
  if (ImGui::Begin("Shortcuts", &open, kFlags) && ImGui::BeginTable("##shortcuts", 2)) {
    for (const Shortcut& s : kShortcuts) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.keys);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.action);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace unitscope::engine
