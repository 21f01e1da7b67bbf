// Presenter: the windowed end of a frame: acquire a swapchain image, keep the scene target at the
// window's size, blit the target into the image, submit and present.
#pragma once

#include "render/offscreen_target.h"
#include "render/swapchain.h"

#include <optional>

namespace unitscope::render {

class Context;
class Frame;
class Renderer;
class Window;

// Frames draw into target() exactly as headless frames draw into their OffscreenTarget; only the
// last step differs. Owns the swapchain (and through it the window's surface) and the target.
class Presenter {
 public:
  Presenter(const Context& context, const Window& window, bool vsync = true);

  // Call right after Renderer::begin_frame(). nullopt: nothing to draw (minimised), so end the
  // frame with Renderer::end_frame() and draw nothing; else draw into target() then call present().
  std::optional<SwapchainStatus> acquire(Frame& frame);
  // As above with the framebuffer size given ({0, 0} = minimised), e.g. from an event handler.
  std::optional<SwapchainStatus> acquire(Frame& frame, VkExtent2D window_extent);
  OffscreenTarget& target() { return target_; }
  // Blits, ends the frame (waiting on the acquire, signalling the image's semaphore) and presents.
  SwapchainStatus present(Renderer& renderer, Frame& frame);

  const Swapchain& swapchain() const { return swapchain_; }

 private:
  const Window* window_;
  Swapchain swapchain_;
  OffscreenTarget target_;
  std::uint32_t image_ = 0;
};

}  // namespace unitscope::render
