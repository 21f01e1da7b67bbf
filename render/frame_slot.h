// FrameSlot: what one frame in flight owns: commands, fence, acquire semaphore, uploads, retire list.
#pragma once

#include "render/buffer.h"
#include "render/retire_list.h"
#include "render/upload_arena.h"

#include <vulkan/vulkan.h>

#include <functional>
#include <vector>

namespace unitscope::render {

class Context;

// Reused every kFramesInFlight frames. wait_and_reset() is the only place where the slot's fence is
// waited on; after it, everything the slot's previous frame used may be recycled or destroyed.
class FrameSlot {
 public:
  explicit FrameSlot(const Context& context);
  ~FrameSlot();
  FrameSlot(const FrameSlot&) = delete;
  FrameSlot& operator=(const FrameSlot&) = delete;

  // Waits for the slot's previous frame, runs its completion callbacks, empties the retire list,
  // resets arena, descriptors and commands, and begins the command buffer.
  void wait_and_reset();
  // Waits (if submitted) and runs completion callbacks, without starting a new frame.
  void wait_idle();

  VkCommandBuffer cmd() const { return cmd_; }
  VkFence fence() const { return fence_; }
  VkSemaphore acquire_semaphore() const { return acquire_semaphore_; }
  UploadArena& arena() { return arena_; }
  RetireList& retire_list() { return retire_; }
  VkDescriptorSet allocate_set(VkDescriptorSetLayout layout);
  // Runs on the render thread once this slot's frame has finished on the GPU (read-backs).
  void on_complete(std::function<void()> callback) { completions_.push_back(std::move(callback)); }
  void mark_submitted() { submitted_ = true; }
  // A host-readable buffer of `bytes` owned by the slot, reused across frames; valid for this
  // frame's completion callbacks. Each call in one frame returns a different buffer.
  const Buffer& readback_buffer(VkDeviceSize bytes);

 private:
  void run_completions();
  void destroy();

  const Context* context_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkSemaphore acquire_semaphore_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  UploadArena arena_;
  RetireList retire_;
  std::vector<std::function<void()>> completions_;
  std::vector<Buffer> readback_;
  std::size_t readback_used_ = 0;
  bool submitted_ = false;
};

}  // namespace unitscope::render
