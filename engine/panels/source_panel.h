// The source panel: what the model sees: SceneWorld drawn live, an image folder, a Broden dataset,
// a video (play, pause, step, scrub), or GAN samples from latent seeds with interpolation.
#pragma once

#include <string>

#include "engine/panels/panel.h"

namespace unitscope::engine {

struct SourcePanel {
  void draw(PanelContext& ctx);

 private:
  std::string path_edit_;  // the path being typed, applied with Open
  int path_kind_ = -1;     // the source kind path_edit_ belongs to
};

}  // namespace unitscope::engine
