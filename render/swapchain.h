// Swapchain: the window's images, acquired and presented each frame; the scene is blitted in.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <vector>

namespace unitscope::render {

class Context;
class Texture;

enum class SwapchainStatus {
  kOk,       // an image was acquired (or presented)
  kResized,  // the swapchain was rebuilt for a new size; an image was acquired with it
  kSkip,     // no image: minimised (zero extent) or still out of date; draw nothing this frame
};

struct Acquired {
  SwapchainStatus status = SwapchainStatus::kSkip;
  std::uint32_t image = 0;
};

// Owns the surface it is given. Render-finished semaphores belong to the images (a semaphore is
// reused only when its image comes back from the presentation engine). Rebuilding waits for idle.
class Swapchain {
 public:
  Swapchain(const Context& context, VkSurfaceKHR surface, VkExtent2D extent, bool vsync = true);
  ~Swapchain();
  Swapchain(const Swapchain&) = delete;
  Swapchain& operator=(const Swapchain&) = delete;

  // `window_extent` is the framebuffer size now; {0, 0} (minimised) gives kSkip without acquiring.
  // A size change or an out-of-date swapchain rebuilds it first. `signal` must be unsignalled
  // with no pending operation (a frame slot's acquire semaphore after its fence wait).
  Acquired acquire(VkSemaphore signal, VkExtent2D window_extent);
  // Records: scene -> swapchain image (scaled blit), leaving the image ready to present.
  void record_blit(VkCommandBuffer cmd, Texture& scene, std::uint32_t image);
  VkSemaphore render_finished(std::uint32_t image) const { return render_finished_[image]; }
  // kResized when the swapchain must be rebuilt (the next acquire does it).
  SwapchainStatus present(std::uint32_t image);

  VkExtent2D extent() const { return extent_; }
  VkFormat format() const { return format_; }
  std::uint32_t image_count() const { return std::uint32_t(images_.size()); }
  std::uint32_t rebuilds() const { return rebuilds_; }

 private:
  void create(VkExtent2D extent);
  void destroy_images();

  const Context* context_;
  VkSurfaceKHR surface_;
  bool vsync_;
  VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
  VkFormat format_ = VK_FORMAT_UNDEFINED;
  VkExtent2D extent_{};
  std::vector<VkImage> images_;
  std::vector<VkSemaphore> render_finished_;
  bool out_of_date_ = false;
  std::uint32_t rebuilds_ = 0;
};

}  // namespace unitscope::render
