// StudioUi: the studio's panels, their layout, and the main menu bar, drawn once per frame between
// ImGui::NewFrame() and ImGui::Render().
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/app/studio_layout.h"
#include "engine/panels/ablation_panel.h"
#include "engine/panels/dissection_panel.h"
#include "engine/panels/feature_map_panel.h"
#include "engine/panels/frame_time_panel.h"
#include "engine/panels/model_panel.h"
#include "engine/panels/panel.h"
#include "engine/panels/record_panel.h"
#include "engine/panels/source_panel.h"
#include "engine/panels/toggles_panel.h"
#include "engine/panels/unit_inspector_panel.h"
#include "engine/panels/viewport_panel.h"

namespace unitscope::engine {

// A window's rectangle on screen: x, y, width, height in pixels.
using WindowRect = std::array<float, 4>;

class StudioUi {
 public:
  // Needs the ImGui context, and comes before its first NewFrame(), which reads imgui.ini: the
  // layout keeps a section there (whether the user made it, and for what display size).
  explicit StudioUi(PanelContext context);
  ~StudioUi();
  StudioUi(const StudioUi&) = delete;
  StudioUi& operator=(const StudioUi&) = delete;
  void draw();
  // Every studio window's title and rectangle as ImGui placed it this frame (screenshot sidecars).
  std::vector<std::pair<std::string, WindowRect>> window_rects() const;
  // How many pixels each studio window's contents reach past its right edge (0: they fit), as
  // laid out last frame: a label or control cut at the edge shows up here (screenshot checks).
  std::vector<std::pair<std::string, float>> window_overflow() const;
  // The next draw() places the default layout for the window's size (the Layout menu's reset).
  void reset_layout() { layout_.reset(); }
  const LayoutKeeper& layout() const { return layout_; }

 private:
  friend struct LayoutIniSection;
  void draw_layout_menu();
  std::optional<PanelRects> arrange_panels();
  void observe_panels();

  PanelContext ctx_;
  LayoutKeeper layout_;
  SavedLayout saved_layout_;  // imgui.ini's section, read at the first NewFrame()
  bool show_shortcuts_ = false;  // F1's list of the keyboard shortcuts
  SourcePanel source_;
  ModelPanel model_;
  ViewportPanel viewport_;
  FeatureMapPanel feature_maps_;
  TogglesPanel toggles_;
  UnitInspectorPanel inspector_;
  DissectionPanel dissection_;
  AblationPanel ablation_;
  RecordPanel record_;
  FrameTimePanel frame_time_;
};

// The titles of the studio's windows, in drawing order.
const std::vector<std::string>& studio_window_titles();

}  // namespace unitscope::engine
