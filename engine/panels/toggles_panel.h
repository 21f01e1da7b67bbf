// The toggles panel: switch units off, or on with a strength, in the classifier or the GAN; switch
// a concept's top units at once; the GANPaint brush; and the side-by-side view of the edit.
#pragma once

#include <string>

#include "engine/panels/panel.h"

namespace unitscope::engine {

struct TogglesPanel {
  void draw(PanelContext& ctx);

 private:
  int concept_ = -1;      // label number in the dissection
  int concept_units_ = 20;
  std::string switched_;  // what the last concept switch did, e.g. "switched off 12 tree units"
  float on_strength_ = 1.0f;
};

}  // namespace unitscope::engine
