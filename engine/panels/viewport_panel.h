// The viewport: what the model sees (or the GAN draws), with the selected or hovered unit's mask
// over it, the edited and original GAN output side by side, captions, and the GANPaint brush.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "engine/panels/panel.h"

struct ImDrawList;
struct ImVec2;

namespace unitscope::engine {

class Studio;

struct ViewportPanel {
  void draw(PanelContext& ctx);

 private:
  // The brush over the image (at image_min, image_size on screen): a drag on the view's input
  // widget (the last item) grows stroke_ each frame; the release paints it as one stroke.
  void paint(Studio& studio, ImDrawList* list, const ImVec2& image_min, const ImVec2& image_size);

  std::vector<std::array<float, 2>> stroke_;  // the stroke being painted, 0..1 image coordinates
  std::string paint_error_;
};

}  // namespace unitscope::engine
