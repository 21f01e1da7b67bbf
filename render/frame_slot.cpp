#include "render/frame_slot.h"

#include "render/config.h"
#include "render/context.h"
#include "render/vulkan_error.h"

namespace unitscope::render {

FrameSlot::FrameSlot(const Context& context) : context_(&context), arena_(context, kInitialArenaBytes) {
  const VkDevice device = context.device();
  try {
    VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    pool.queueFamilyIndex = context.queue_family();
    UNITSCOPE_VK_CHECK(vkCreateCommandPool(device, &pool, nullptr, &pool_));
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = pool_;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    UNITSCOPE_VK_CHECK(vkAllocateCommandBuffers(device, &alloc, &cmd_));
    VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    fence.flags = VK_FENCE_CREATE_SIGNALED_BIT;
    UNITSCOPE_VK_CHECK(vkCreateFence(device, &fence, nullptr, &fence_));
    VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    UNITSCOPE_VK_CHECK(vkCreateSemaphore(device, &semaphore, nullptr, &acquire_semaphore_));
    const VkDescriptorPoolSize sizes[] = {
        {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 4 * kDescriptorSetsPerFrame},
        {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kDescriptorSetsPerFrame},
        {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, kDescriptorSetsPerFrame},
    };
    VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dp.maxSets = kDescriptorSetsPerFrame;
    dp.poolSizeCount = std::uint32_t(std::size(sizes));
    dp.pPoolSizes = sizes;
    UNITSCOPE_VK_CHECK(vkCreateDescriptorPool(device, &dp, nullptr, &descriptor_pool_));
  } catch (...) {
    destroy();
    throw;
  }
}

FrameSlot::~FrameSlot() { destroy(); }

void FrameSlot::destroy() {
  const VkDevice device = context_->device();
  retire_.clear();
  readback_.clear();
  if (descriptor_pool_) vkDestroyDescriptorPool(device, descriptor_pool_, nullptr);
  if (acquire_semaphore_) vkDestroySemaphore(device, acquire_semaphore_, nullptr);
  if (fence_) vkDestroyFence(device, fence_, nullptr);
  if (pool_) vkDestroyCommandPool(device, pool_, nullptr);
  descriptor_pool_ = VK_NULL_HANDLE;
  acquire_semaphore_ = VK_NULL_HANDLE;
  fence_ = VK_NULL_HANDLE;
  pool_ = VK_NULL_HANDLE;
}

void FrameSlot::run_completions() {
  auto callbacks = std::move(completions_);
  completions_.clear();
  for (auto& callback : callbacks) callback();
}

void FrameSlot::wait_idle() {
  if (!submitted_) return;
  context_->wait_fence(fence_);
  submitted_ = false;
  run_completions();
  retire_.clear();
}

void FrameSlot::wait_and_reset() {
  const VkDevice device = context_->device();
  if (!submitted_) completions_.clear();  // an abandoned frame: its read-backs never ran
  wait_idle();
  retire_.clear();
  UNITSCOPE_VK_CHECK(vkResetFences(device, 1, &fence_));
  arena_.reset();
  readback_used_ = 0;
  UNITSCOPE_VK_CHECK(vkResetDescriptorPool(device, descriptor_pool_, 0));
  UNITSCOPE_VK_CHECK(vkResetCommandPool(device, pool_, 0));
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  UNITSCOPE_VK_CHECK(vkBeginCommandBuffer(cmd_, &begin));
}

const Buffer& FrameSlot::readback_buffer(VkDeviceSize bytes) {
  if (readback_used_ == readback_.size()) readback_.emplace_back();
  Buffer& buffer = readback_[readback_used_++];
  if (buffer.size() != bytes) {
    if (buffer) retire_.retire(std::move(buffer));
    buffer = Buffer(*context_, bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, MemoryUsage::kReadback);
  }
  return buffer;
}

VkDescriptorSet FrameSlot::allocate_set(VkDescriptorSetLayout layout) {
  VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  alloc.descriptorPool = descriptor_pool_;
  alloc.descriptorSetCount = 1;
  alloc.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  const VkResult result = vkAllocateDescriptorSets(context_->device(), &alloc, &set);
  if (result == VK_ERROR_OUT_OF_POOL_MEMORY || result == VK_ERROR_FRAGMENTED_POOL)
    throw VulkanError("more than kDescriptorSetsPerFrame (" + std::to_string(kDescriptorSetsPerFrame) +
                          ") descriptor sets in one frame; raise it in render/config.h",
                      result);
  UNITSCOPE_VK_CHECK(result);
  return set;
}

}  // namespace unitscope::render
