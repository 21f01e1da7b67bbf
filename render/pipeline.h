// Pipeline: a graphics pipeline for dynamic rendering with its set-0 layout, plus descriptor writes.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>
#include <vector>

namespace unitscope::render {

class Context;

struct PipelineDesc {
  std::span<const std::uint32_t> vertex_spirv;
  std::span<const std::uint32_t> fragment_spirv;
  std::vector<VkDescriptorSetLayoutBinding> bindings;  // set 0
  std::uint32_t push_constant_bytes = 0;               // visible to both stages
  std::vector<VkVertexInputBindingDescription> vertex_bindings;
  std::vector<VkVertexInputAttributeDescription> vertex_attributes;
  VkFormat color_format = VK_FORMAT_R8G8B8A8_UNORM;
  bool alpha_blend = false;  // premultiplied-free "over": src.a, 1 - src.a
};

// Single owner, not movable (held by value in the pass that uses it). Viewport and scissor are
// dynamic state. Destroy only when no frame in flight uses it (rare: resize waits for idle).
class Pipeline {
 public:
  Pipeline(const Context& context, const PipelineDesc& desc);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  void destroy();

  VkDevice device_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

// Collects descriptor writes and applies them in one vkUpdateDescriptorSets call.
class DescriptorWriter {
 public:
  DescriptorWriter& image(VkDescriptorSet set, std::uint32_t binding, VkImageView view, VkSampler sampler);
  DescriptorWriter& buffer(VkDescriptorSet set, std::uint32_t binding, VkDescriptorType type, VkBuffer buffer,
                           VkDeviceSize offset, VkDeviceSize range);
  void update(VkDevice device);

 private:
  std::vector<VkDescriptorImageInfo> images_;
  std::vector<VkDescriptorBufferInfo> buffers_;
  struct Pending {
    VkDescriptorSet set;
    std::uint32_t binding;
    VkDescriptorType type;
    std::size_t index;
  };
  std::vector<Pending> pending_;
};

// Binding helpers for PipelineDesc::bindings.
VkDescriptorSetLayoutBinding sampled_binding(std::uint32_t binding);
VkDescriptorSetLayoutBinding storage_binding(std::uint32_t binding);

// Sets viewport and scissor to the whole `extent` (y down, depth 0..1).
void set_viewport(VkCommandBuffer cmd, VkExtent2D extent);

}  // namespace unitscope::render
