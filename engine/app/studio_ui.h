// StudioUi: the studio's panels, their first-run layout, and the main menu bar, drawn once per
// frame between ImGui::NewFrame() and ImGui::Render().
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

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
  explicit StudioUi(PanelContext context) : ctx_(context) {}
  void draw();
  // Every studio window's title and rectangle as ImGui placed it this frame (screenshot sidecars).
  std::vector<std::pair<std::string, WindowRect>> window_rects() const;

 private:
  PanelContext ctx_;
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
