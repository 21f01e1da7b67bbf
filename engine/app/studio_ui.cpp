#include "engine/app/studio_ui.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>

#include "engine/app/studio_shortcuts.h"
#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

// imgui.ini's "[Unitscope][Layout]" section, saved with the windows it describes.
constexpr const char* kIniType = "Unitscope";
constexpr const char* kIniEntry = "Layout";

void place(const std::optional<PanelRects>& rects, PanelId id) {
  if (!rects) return;
  const LayoutRect& r = (*rects)[std::size_t(id)];
  ImGui::SetNextWindowPos(ImVec2(r.x, r.y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(r.w, r.h), ImGuiCond_Always);
}

// A panel's rectangle uncollapsed: its window's this session, else the one imgui.ini holds.
std::optional<LayoutRect> known_rect(const char* title, bool saved_too) {
  if (ImGuiWindow* w = ImGui::FindWindowByName(title))
    return LayoutRect{w->Pos.x, w->Pos.y, w->SizeFull.x, w->SizeFull.y};
  if (!saved_too) return std::nullopt;
  if (ImGuiWindowSettings* s = ImGui::FindWindowSettings(ImHashStr(title)))
    return LayoutRect{float(s->Pos.x), float(s->Pos.y), float(s->Size.x), float(s->Size.y)};
  return std::nullopt;
}

}  // namespace

// ImGui's callbacks for the layout's imgui.ini section. UserData is the StudioUi, which removes the
// handler before it goes (ImGui writes imgui.ini once more when its context is destroyed).
struct LayoutIniSection {
  static void* open(ImGuiContext*, ImGuiSettingsHandler* h, const char* name) {
    return std::string(name) == kIniEntry ? &static_cast<StudioUi*>(h->UserData)->saved_layout_ : nullptr;
  }
  static void read_line(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto& saved = *static_cast<SavedLayout*>(entry);
    int customised = 0, w = 0, h = 0;
    if (std::sscanf(line, "Customised=%d", &customised) == 1) saved.customised = customised != 0;
    if (std::sscanf(line, "Display=%d,%d", &w, &h) == 2 && w > 0 && h > 0) {
      saved.display_width = w;
      saved.display_height = h;
    }
  }
  static void write_all(ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
    const SavedLayout s = static_cast<StudioUi*>(h->UserData)->layout_.saved();
    out->appendf("[%s][%s]\nCustomised=%d\nDisplay=%d,%d\n\n", kIniType, kIniEntry, int(s.customised),
                 s.display_width, s.display_height);
  }
};

StudioUi::StudioUi(PanelContext context) : ctx_(context) {
  ImGuiSettingsHandler handler;
  handler.TypeName = kIniType;
  handler.TypeHash = ImHashStr(kIniType);
  handler.ReadOpenFn = LayoutIniSection::open;
  handler.ReadLineFn = LayoutIniSection::read_line;
  handler.WriteAllFn = LayoutIniSection::write_all;
  handler.UserData = this;
  ImGui::GetCurrentContext()->SettingsHandlers.push_back(handler);
}

StudioUi::~StudioUi() {
  ImGuiContext* g = ImGui::GetCurrentContext();
  if (!g) return;
  // The context saves imgui.ini once more when it is destroyed, after this handler is gone, which
  // would drop the layout's section: save it now, and leave that last save nothing to write.
  if (g->SettingsLoaded && g->IO.IniFilename) {
    ImGui::SaveIniSettingsToDisk(g->IO.IniFilename);
    g->IO.IniFilename = nullptr;
  }
  for (ImGuiSettingsHandler* h = g->SettingsHandlers.begin(); h != g->SettingsHandlers.end(); ++h) {
    if (h->UserData != this) continue;
    g->SettingsHandlers.erase(h);
    break;
  }
}

const std::vector<std::string>& studio_window_titles() {
  static const std::vector<std::string> titles(panel_titles().begin(), panel_titles().end());
  return titles;
}

void StudioUi::draw() {
  handle_shortcuts(ctx_.studio, show_shortcuts_);
  draw_shortcut_help(show_shortcuts_);
  if (ImGui::BeginMainMenuBar()) {
    ImGui::TextUnformatted("unitscope");
    ImGui::Separator();
    draw_layout_menu();
    frame_time_.draw(ctx_);
    ImGui::EndMainMenuBar();
  }
  const std::optional<PanelRects> rects = arrange_panels();
  place(rects, PanelId::kSource);
  source_.draw(ctx_);
  place(rects, PanelId::kModel);
  model_.draw(ctx_);
  place(rects, PanelId::kToggles);
  toggles_.draw(ctx_);
  place(rects, PanelId::kViewport);
  viewport_.draw(ctx_);
  place(rects, PanelId::kFeatureMaps);
  feature_maps_.draw(ctx_);
  place(rects, PanelId::kInspector);
  inspector_.draw(ctx_);
  place(rects, PanelId::kDissection);
  dissection_.draw(ctx_);
  place(rects, PanelId::kAblation);
  ablation_.draw(ctx_);
  place(rects, PanelId::kRecord);
  record_.draw(ctx_);
  observe_panels();
}

void StudioUi::draw_layout_menu() {
  if (!ImGui::BeginMenu("Layout")) return;
  if (ImGui::MenuItem("Reset layout")) layout_.reset();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Every panel back to its default place for this window's size");
  ImGui::TextDisabled("%s", layout_.customised() ? "Your layout: it scales with the window"
                                                 : "The default layout: it follows the window");
  ImGui::EndMenu();
}

std::optional<PanelRects> StudioUi::arrange_panels() {
  if (!layout_.started()) {
    KnownRects restored;
    for (std::size_t i = 0; i < kPanelCount; ++i) restored[i] = known_rect(panel_titles()[i], true);
    layout_.start(restored, saved_layout_);
  }
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  std::optional<PanelRects> rects = layout_.arrange(work_area(display.x, display.y, ImGui::GetFrameHeight()));
  // ImGui saves imgui.ini after the user moves a window, not after we do: the placed rectangles and
  // the display they were placed for must reach it together.
  if (rects) ImGui::MarkIniSettingsDirty();
  return rects;
}

void StudioUi::observe_panels() {
  KnownRects drawn;
  for (std::size_t i = 0; i < kPanelCount; ++i) {
    ImGuiWindow* w = ImGui::FindWindowByName(panel_titles()[i]);
    if (w && w->Active) drawn[i] = known_rect(panel_titles()[i], false);
  }
  layout_.observe(drawn);
}

std::vector<std::pair<std::string, WindowRect>> StudioUi::window_rects() const {
  std::vector<std::pair<std::string, WindowRect>> out;
  for (const std::string& title : studio_window_titles()) {
    if (ImGuiWindow* w = ImGui::FindWindowByName(title.c_str()); w && w->WasActive)
      out.push_back({title, {w->Pos.x, w->Pos.y, w->Size.x, w->Size.y}});
  }
  return out;
}

std::vector<std::pair<std::string, float>> StudioUi::window_overflow() const {
  std::vector<std::pair<std::string, float>> out;
  for (const std::string& title : studio_window_titles()) {
    ImGuiWindow* w = ImGui::FindWindowByName(title.c_str());
    if (!w || !w->WasActive || w->Collapsed) continue;
    // ContentSizeIdeal: the extent items asked for, before clipping (wrapped text never exceeds the width).
    out.push_back({title, std::max(0.0f, w->ContentSizeIdeal.x - w->ContentRegionRect.GetWidth())});
  }
  return out;
}

}  // namespace unitscope::engine
