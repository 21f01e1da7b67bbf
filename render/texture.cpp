#include "render/texture.h"

#include "render/context.h"
#include "render/vulkan_error.h"

#include <cassert>
#include <utility>

namespace unitscope::render {

LayoutUse layout_use(VkImageLayout layout) {
  switch (layout) {
    case VK_IMAGE_LAYOUT_UNDEFINED:
      return {VK_PIPELINE_STAGE_2_NONE, VK_ACCESS_2_NONE};
    case VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL:
      return {VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT, VK_ACCESS_2_TRANSFER_WRITE_BIT};
    case VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL:
      return {VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT, VK_ACCESS_2_TRANSFER_READ_BIT};
    case VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL:
      return {VK_PIPELINE_STAGE_2_FRAGMENT_SHADER_BIT, VK_ACCESS_2_SHADER_SAMPLED_READ_BIT};
    case VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL:
      return {VK_PIPELINE_STAGE_2_COLOR_ATTACHMENT_OUTPUT_BIT,
              VK_ACCESS_2_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT};
    case VK_IMAGE_LAYOUT_GENERAL:
      return {VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT, VK_ACCESS_2_MEMORY_READ_BIT | VK_ACCESS_2_MEMORY_WRITE_BIT};
    default:
      assert(false && "layout without a known use");
      return {VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT, VK_ACCESS_2_MEMORY_READ_BIT | VK_ACCESS_2_MEMORY_WRITE_BIT};
  }
}

void image_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, LayoutUse from_use,
                   VkImageLayout to, LayoutUse to_use) {
  VkImageMemoryBarrier2 barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER_2};
  barrier.srcStageMask = from_use.stage;
  barrier.srcAccessMask = from_use.access;
  barrier.dstStageMask = to_use.stage;
  barrier.dstAccessMask = to_use.access;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  VkDependencyInfo dep{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dep.imageMemoryBarrierCount = 1;
  dep.pImageMemoryBarriers = &barrier;
  vkCmdPipelineBarrier2(cmd, &dep);
}

std::uint32_t Texture::texel_bytes(VkFormat format) {
  switch (format) {
    case VK_FORMAT_R8_UNORM:
      return 1;
    case VK_FORMAT_R16_SFLOAT:
      return 2;
    case VK_FORMAT_R32_SFLOAT:
    case VK_FORMAT_R8G8B8A8_UNORM:
    case VK_FORMAT_R8G8B8A8_SRGB:
    case VK_FORMAT_B8G8R8A8_UNORM:
    case VK_FORMAT_B8G8R8A8_SRGB:
      return 4;
    case VK_FORMAT_R16G16B16A16_SFLOAT:
      return 8;
    case VK_FORMAT_R32G32B32A32_SFLOAT:
      return 16;
    default:
      throw VulkanError("texture format " + std::to_string(int(format)) + " is not supported by render/");
  }
}

Texture::Texture(const Context& context, const TextureDesc& desc) : device_(context.device()), desc_(desc) {
  if (desc.width == 0 || desc.height == 0)
    throw VulkanError("cannot create a " + std::to_string(desc.width) + "x" + std::to_string(desc.height) +
                      " texture");
  VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = desc.format;
  info.extent = {desc.width, desc.height, 1};
  info.mipLevels = 1;
  info.arrayLayers = 1;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = desc.usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  const VkResult created = vkCreateImage(device_, &info, nullptr, &image_);
  if (created == VK_ERROR_FORMAT_NOT_SUPPORTED || created == VK_ERROR_OUT_OF_DEVICE_MEMORY) {
    throw VulkanError("cannot create a " + std::to_string(desc.width) + "x" + std::to_string(desc.height) +
                          " texture on \"" + context.device_name() + "\": " + result_name(created),
                      created);
  }
  UNITSCOPE_VK_CHECK(created);
  try {
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(device_, image_, &req);
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = context.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    UNITSCOPE_VK_CHECK(vkAllocateMemory(device_, &alloc, nullptr, &memory_));
    UNITSCOPE_VK_CHECK(vkBindImageMemory(device_, image_, memory_, 0));
    VkImageViewCreateInfo view{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    view.image = image_;
    view.viewType = VK_IMAGE_VIEW_TYPE_2D;
    view.format = desc.format;
    view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    UNITSCOPE_VK_CHECK(vkCreateImageView(device_, &view, nullptr, &view_));
  } catch (...) {
    reset();
    throw;
  }
}

Texture::~Texture() { reset(); }

Texture::Texture(Texture&& other) noexcept
    : device_(std::exchange(other.device_, VK_NULL_HANDLE)),
      desc_(other.desc_),
      image_(std::exchange(other.image_, VK_NULL_HANDLE)),
      memory_(std::exchange(other.memory_, VK_NULL_HANDLE)),
      view_(std::exchange(other.view_, VK_NULL_HANDLE)),
      layout_(std::exchange(other.layout_, VK_IMAGE_LAYOUT_UNDEFINED)) {}

Texture& Texture::operator=(Texture&& other) noexcept {
  if (this != &other) {
    reset();
    device_ = std::exchange(other.device_, VK_NULL_HANDLE);
    desc_ = other.desc_;
    image_ = std::exchange(other.image_, VK_NULL_HANDLE);
    memory_ = std::exchange(other.memory_, VK_NULL_HANDLE);
    view_ = std::exchange(other.view_, VK_NULL_HANDLE);
    layout_ = std::exchange(other.layout_, VK_IMAGE_LAYOUT_UNDEFINED);
  }
  return *this;
}

void Texture::reset() {
  if (view_) vkDestroyImageView(device_, view_, nullptr);
  if (image_) vkDestroyImage(device_, image_, nullptr);
  if (memory_) vkFreeMemory(device_, memory_, nullptr);
  view_ = VK_NULL_HANDLE;
  image_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
}

void Texture::transition(VkCommandBuffer cmd, VkImageLayout layout, bool discard) {
  image_barrier(cmd, image_, discard ? VK_IMAGE_LAYOUT_UNDEFINED : layout_, layout_use(layout_), layout,
                layout_use(layout));
  layout_ = layout;
}

void Texture::copy_from(VkCommandBuffer cmd, VkBuffer buffer, VkDeviceSize offset, VkOffset2D at,
                        VkExtent2D size) const {
  assert(layout_ == VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
  VkBufferImageCopy region{};
  region.bufferOffset = offset;
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageOffset = {at.x, at.y, 0};
  region.imageExtent = {size.width, size.height, 1};
  vkCmdCopyBufferToImage(cmd, buffer, image_, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
}

Sampler::Sampler(const Context& context, VkFilter filter) : device_(context.device()) {
  VkSamplerCreateInfo info{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  info.magFilter = filter;
  info.minFilter = filter;
  info.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  info.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  info.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  info.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  info.maxLod = 0.0f;
  UNITSCOPE_VK_CHECK(vkCreateSampler(device_, &info, nullptr, &sampler_));
}

Sampler::~Sampler() { vkDestroySampler(device_, sampler_, nullptr); }

}  // namespace unitscope::render
