// What every studio panel's draw() gets. A panel is one small struct in its own file whose draw()
// never blocks: long work runs as a JobSlot job, and results are shown once they arrive.
#pragma once

namespace unitscope::engine {

class Studio;
class ImageCache;
class StudioViews;
class StudioCapture;

struct PanelContext {
  Studio& studio;
  ImageCache& images;
  StudioViews* views = nullptr;      // the GPU views (viewport, feature grid, inspector)
  StudioCapture* capture = nullptr;  // recording, ring buffer and stills
};

}  // namespace unitscope::engine
