// The frame-time readout: frames per second and the frame's time split into UI, inference and
// upload, with a short history, in the main menu bar.
#pragma once

#include <array>

#include "engine/panels/panel.h"

namespace unitscope::engine {

struct FrameTimePanel {
  // Draws inside the main menu bar (between BeginMainMenuBar and EndMainMenuBar).
  void draw(PanelContext& ctx);

 private:
  std::array<float, 120> history_{};
  std::size_t next_ = 0;
};

}  // namespace unitscope::engine
