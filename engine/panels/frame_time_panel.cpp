#include "engine/panels/frame_time_panel.h"

#include <imgui.h>

#include <algorithm>

#include "engine/studio/studio.h"

namespace unitscope::engine {

void FrameTimePanel::draw(PanelContext& ctx) {
  const Studio& studio = ctx.studio;
  const FrameTimes& t = studio.times();
  if (studio.deterministic()) {
    // Replays show no wall-clock figures: two runs must give the same pixels.
    ImGui::TextDisabled("replay  t = %.2f s", studio.now());
    return;
  }
  history_[next_] = float(t.frame_ms);
  next_ = (next_ + 1) % history_.size();
  ImGui::Text("%5.1f FPS", t.fps);
  ImGui::PlotLines("##frame", history_.data(), int(history_.size()), int(next_), nullptr, 0.0f, 50.0f, ImVec2(90, 14));
  ImGui::TextDisabled("frame %5.1f ms | UI %4.1f | inference %5.1f | upload %4.1f", t.frame_ms, t.ui_ms,
                      t.inference_ms, t.upload_ms);
  if (studio.computing()) ImGui::TextDisabled("| computing");
}

}  // namespace unitscope::engine
