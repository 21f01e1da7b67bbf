#include "render/presenter.h"

#include "render/context.h"
#include "render/renderer.h"
#include "render/window.h"


namespace unitscope::render {

Presenter::Presenter(const Context& context, const Window& window, bool vsync)
    : window_(&window),
      swapchain_(context, window.create_surface(context.instance()), window.framebuffer_extent(), vsync),
      target_(context, swapchain_.extent()) {}

std::optional<SwapchainStatus> Presenter::acquire(Frame& frame) {
  return acquire(frame, window_->framebuffer_extent());
}

std::optional<SwapchainStatus> Presenter::acquire(Frame& frame, VkExtent2D window_extent) {
  const Acquired acquired = swapchain_.acquire(frame.slot().acquire_semaphore(), window_extent);
  if (acquired.status == SwapchainStatus::kSkip) return std::nullopt;
  image_ = acquired.image;
  target_.resize(frame, swapchain_.extent());
  return acquired.status;
}

SwapchainStatus Presenter::present(Renderer& renderer, Frame& frame) {
  swapchain_.record_blit(frame.cmd(), target_.texture(), image_);
  SubmitSync sync;
  sync.wait = frame.slot().acquire_semaphore();
  sync.wait_stage = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;  // record_blit's first barrier chains here
  sync.signal = swapchain_.render_finished(image_);
  renderer.end_frame(sync);
  return swapchain_.present(image_);
}

}  // namespace unitscope::render
