#include "render/swapchain.h"

#include "render/context.h"
#include "render/texture.h"
#include "render/vulkan_error.h"

#include <algorithm>

namespace unitscope::render {

Swapchain::Swapchain(const Context& context, VkSurfaceKHR surface, VkExtent2D extent, bool vsync)
    : context_(&context), surface_(surface), vsync_(vsync) {
  try {
    VkBool32 supported = VK_FALSE;
    UNITSCOPE_VK_CHECK(vkGetPhysicalDeviceSurfaceSupportKHR(context.physical_device(), context.queue_family(),
                                                            surface_, &supported));
    if (!supported)
      throw VulkanError("GPU \"" + context.device_name() + "\" cannot present to this window from its graphics queue");
    create(extent);
  } catch (...) {
    destroy_images();
    if (swapchain_) vkDestroySwapchainKHR(context.device(), swapchain_, nullptr);
    vkDestroySurfaceKHR(context.instance(), surface_, nullptr);
    throw;
  }
}

Swapchain::~Swapchain() {
  vkDeviceWaitIdle(context_->device());
  destroy_images();
  if (swapchain_) vkDestroySwapchainKHR(context_->device(), swapchain_, nullptr);
  vkDestroySurfaceKHR(context_->instance(), surface_, nullptr);
}

void Swapchain::destroy_images() {
  for (VkSemaphore s : render_finished_) vkDestroySemaphore(context_->device(), s, nullptr);
  render_finished_.clear();
  images_.clear();
}

void Swapchain::create(VkExtent2D wanted) {
  const VkPhysicalDevice gpu = context_->physical_device();
  const VkDevice device = context_->device();
  VkSurfaceCapabilitiesKHR caps;
  UNITSCOPE_VK_CHECK(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(gpu, surface_, &caps));
  if (!(caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT))
    throw VulkanError("swapchain images of \"" + context_->device_name() + "\" cannot be blit targets");

  std::uint32_t count = 0;
  UNITSCOPE_VK_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(gpu, surface_, &count, nullptr));
  std::vector<VkSurfaceFormatKHR> formats(count);
  UNITSCOPE_VK_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(gpu, surface_, &count, formats.data()));
  // UNORM like the offscreen target, so the window shows exactly the bytes a capture reads back.
  VkSurfaceFormatKHR chosen = formats.front();
  for (const VkSurfaceFormatKHR& f : formats)
    if (f.format == VK_FORMAT_B8G8R8A8_UNORM || f.format == VK_FORMAT_R8G8B8A8_UNORM) {
      chosen = f;
      break;
    }

  VkPresentModeKHR mode = VK_PRESENT_MODE_FIFO_KHR;  // always available
  if (!vsync_) {
    UNITSCOPE_VK_CHECK(vkGetPhysicalDeviceSurfacePresentModesKHR(gpu, surface_, &count, nullptr));
    std::vector<VkPresentModeKHR> modes(count);
    UNITSCOPE_VK_CHECK(vkGetPhysicalDeviceSurfacePresentModesKHR(gpu, surface_, &count, modes.data()));
    for (VkPresentModeKHR m : modes)
      if (m == VK_PRESENT_MODE_MAILBOX_KHR || m == VK_PRESENT_MODE_IMMEDIATE_KHR) mode = m;
  }

  VkExtent2D extent = caps.currentExtent;
  if (extent.width == 0xFFFFFFFFu) {
    extent.width = std::clamp(wanted.width, caps.minImageExtent.width, caps.maxImageExtent.width);
    extent.height = std::clamp(wanted.height, caps.minImageExtent.height, caps.maxImageExtent.height);
  }
  std::uint32_t image_count = caps.minImageCount + 1;
  if (caps.maxImageCount) image_count = std::min(image_count, caps.maxImageCount);

  VkSwapchainCreateInfoKHR info{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
  info.surface = surface_;
  info.minImageCount = image_count;
  info.imageFormat = chosen.format;
  info.imageColorSpace = chosen.colorSpace;
  info.imageExtent = extent;
  info.imageArrayLayers = 1;
  info.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.preTransform = caps.currentTransform;
  info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  info.presentMode = mode;
  info.clipped = VK_TRUE;
  info.oldSwapchain = swapchain_;
  VkSwapchainKHR created = VK_NULL_HANDLE;
  UNITSCOPE_VK_CHECK(vkCreateSwapchainKHR(device, &info, nullptr, &created));
  if (swapchain_) {
    destroy_images();
    vkDestroySwapchainKHR(device, swapchain_, nullptr);
  }
  swapchain_ = created;
  format_ = chosen.format;
  extent_ = extent;

  UNITSCOPE_VK_CHECK(vkGetSwapchainImagesKHR(device, swapchain_, &count, nullptr));
  images_.resize(count);
  UNITSCOPE_VK_CHECK(vkGetSwapchainImagesKHR(device, swapchain_, &count, images_.data()));
  VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  for (std::uint32_t i = 0; i < count; ++i) {
    VkSemaphore s = VK_NULL_HANDLE;
    UNITSCOPE_VK_CHECK(vkCreateSemaphore(device, &semaphore, nullptr, &s));
    render_finished_.push_back(s);
  }
  out_of_date_ = false;
}

Acquired Swapchain::acquire(VkSemaphore signal, VkExtent2D window_extent) {
  if (window_extent.width == 0 || window_extent.height == 0) return {SwapchainStatus::kSkip, 0};
  bool rebuilt = false;
  if (out_of_date_ || window_extent.width != extent_.width || window_extent.height != extent_.height) {
    context_->wait_idle();
    create(window_extent);
    ++rebuilds_;
    rebuilt = true;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::uint32_t index = 0;
    const VkResult result =
        vkAcquireNextImageKHR(context_->device(), swapchain_, UINT64_MAX, signal, VK_NULL_HANDLE, &index);
    if (result == VK_SUCCESS || result == VK_SUBOPTIMAL_KHR) {
      if (result == VK_SUBOPTIMAL_KHR) out_of_date_ = true;  // use this image, rebuild next frame
      return {rebuilt ? SwapchainStatus::kResized : SwapchainStatus::kOk, index};
    }
    if (result != VK_ERROR_OUT_OF_DATE_KHR) UNITSCOPE_VK_CHECK(result);
    context_->wait_idle();
    create(window_extent);
    ++rebuilds_;
    rebuilt = true;
  }
  return {SwapchainStatus::kSkip, 0};
}

void Swapchain::record_blit(VkCommandBuffer cmd, Texture& scene, std::uint32_t image) {
  scene.transition(cmd, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  // The acquire semaphore is waited at ALL_TRANSFER, so the layout change chains after it.
  const LayoutUse after_acquire{VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT, VK_ACCESS_2_NONE};
  image_barrier(cmd, images_[image], VK_IMAGE_LAYOUT_UNDEFINED, after_acquire, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                layout_use(VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL));
  VkImageBlit region{};
  region.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.srcOffsets[1] = {std::int32_t(scene.width()), std::int32_t(scene.height()), 1};
  region.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.dstOffsets[1] = {std::int32_t(extent_.width), std::int32_t(extent_.height), 1};
  vkCmdBlitImage(cmd, scene.image(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, images_[image],
                 VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region, VK_FILTER_LINEAR);
  image_barrier(cmd, images_[image], VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                layout_use(VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                {VK_PIPELINE_STAGE_2_NONE, VK_ACCESS_2_NONE});
}

SwapchainStatus Swapchain::present(std::uint32_t image) {
  VkPresentInfoKHR info{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
  info.waitSemaphoreCount = 1;
  info.pWaitSemaphores = &render_finished_[image];
  info.swapchainCount = 1;
  info.pSwapchains = &swapchain_;
  info.pImageIndices = &image;
  const VkResult result = context_->present(info);
  if (result == VK_ERROR_OUT_OF_DATE_KHR || result == VK_SUBOPTIMAL_KHR) {
    out_of_date_ = true;
    return SwapchainStatus::kResized;
  }
  UNITSCOPE_VK_CHECK(result);
  return SwapchainStatus::kOk;
}

}  // namespace unitscope::render
