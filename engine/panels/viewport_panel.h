// The viewport: what the model sees (or the GAN draws), with the selected or hovered unit's mask
// over it, the edited and original GAN output side by side, captions, and the GANPaint brush.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "engine/panels/panel.h"

namespace unitscope::engine {

struct ViewportPanel {
  void draw(PanelContext& ctx);

 private:
  std::vector<std::array<float, 2>> stroke_;  // the stroke being painted, 0..1 image coordinates
  std::string paint_error_;
};

}  // namespace unitscope::engine
