// Texture: a 2D image, its memory and view, with the layout it was last transitioned to.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>

namespace unitscope::render {

class Context;

struct TextureDesc {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  VkFormat format = VK_FORMAT_R8G8B8A8_UNORM;
  VkImageUsageFlags usage = VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
};

// Single owner, movable. The tracked layout is the one at the end of the commands recorded so far,
// so record transitions in submission order. Retire (don't destroy) while frames may sample it.
class Texture {
 public:
  Texture() = default;
  Texture(const Context& context, const TextureDesc& desc);
  ~Texture();
  Texture(Texture&& other) noexcept;
  Texture& operator=(Texture&& other) noexcept;
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  VkImage image() const { return image_; }
  VkImageView view() const { return view_; }
  VkFormat format() const { return desc_.format; }
  std::uint32_t width() const { return desc_.width; }
  std::uint32_t height() const { return desc_.height; }
  VkExtent2D extent() const { return {desc_.width, desc_.height}; }
  VkImageLayout layout() const { return layout_; }
  explicit operator bool() const { return image_ != VK_NULL_HANDLE; }

  // Barrier from the tracked layout (its stages and accesses) to `layout`. With discard the old
  // contents are dropped (oldLayout UNDEFINED) but earlier reads are still waited for.
  void transition(VkCommandBuffer cmd, VkImageLayout layout, bool discard = false);
  // Copies a tightly packed region from `buffer`; the texture must be in TRANSFER_DST layout.
  void copy_from(VkCommandBuffer cmd, VkBuffer buffer, VkDeviceSize offset, VkOffset2D at,
                 VkExtent2D size) const;

  static std::uint32_t texel_bytes(VkFormat format);

 private:
  void reset();

  VkDevice device_ = VK_NULL_HANDLE;
  TextureDesc desc_;
  VkImage image_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkImageView view_ = VK_NULL_HANDLE;
  VkImageLayout layout_ = VK_IMAGE_LAYOUT_UNDEFINED;
};

// A sampler with clamp-to-edge addressing. Single owner, not movable.
class Sampler {
 public:
  Sampler(const Context& context, VkFilter filter);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;
  VkSampler handle() const { return sampler_; }

 private:
  VkDevice device_;
  VkSampler sampler_ = VK_NULL_HANDLE;
};

// Stage and access masks that go with an image layout in our passes (sync2 flags).
struct LayoutUse {
  VkPipelineStageFlags2 stage;
  VkAccessFlags2 access;
};
LayoutUse layout_use(VkImageLayout layout);

// A sync2 image barrier for one colour mip/layer, recorded immediately.
void image_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, LayoutUse from_use,
                   VkImageLayout to, LayoutUse to_use);

}  // namespace unitscope::render
