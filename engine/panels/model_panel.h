// The model and layer panel: pick the demo classifier, the demo GAN or a TorchScript file, see its
// layers and their shapes, choose the layer, and watch the live top-5 predictions.
#pragma once

#include <string>

#include "engine/panels/panel.h"

namespace unitscope::engine {

struct ModelPanel {
  void draw(PanelContext& ctx);

 private:
  std::string path_edit_;
  std::string segmenter_edit_;
  std::string segmenter_model_;  // the model segmenter_edit_ was filled for
  void draw_segmenter(Studio& studio);
};

}  // namespace unitscope::engine
