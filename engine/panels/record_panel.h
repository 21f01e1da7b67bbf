// The record panel: record the window or the viewport to MP4 or PNG at a fixed rate, keep a ring
// of the last seconds to save at any time, and export high-resolution stills for slides.
#pragma once

#include <string>

#include "engine/panels/panel.h"

namespace unitscope::engine {

struct RecordPanel {
  void draw(PanelContext& ctx);

 private:
  std::string path_ = "unitscope.mp4";
  std::string ring_path_ = "last_seconds.mp4";
  std::string still_path_ = "still.png";
  int fps_ = 30;
  int target_ = 0;  // 0: the window, 1: the viewport
  bool png_ = false;
  bool ring_ = false;
  float ring_seconds_ = 10.0f;
  int still_scale_ = 4;
};

}  // namespace unitscope::engine
