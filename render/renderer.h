// Renderer: the ring of frame slots; begin_frame() / end_frame() bracket the recording of one frame.
#pragma once

#include "render/config.h"
#include "render/frame_slot.h"

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <memory>

namespace unitscope::render {

class Context;
class Texture;

// The frame being recorded. Valid from begin_frame() to end_frame().
class Frame {
 public:
  Frame(FrameSlot& slot, std::uint32_t slot_index, std::uint64_t number)
      : slot_(&slot), slot_index_(slot_index), number_(number) {}

  VkCommandBuffer cmd() const { return slot_->cmd(); }
  FrameSlot& slot() const { return *slot_; }
  std::uint32_t slot_index() const { return slot_index_; }
  std::uint64_t number() const { return number_; }

  // Per-frame memory (staging, vertices, storage data), valid until this frame retires.
  ArenaAllocation allocate(VkDeviceSize bytes) { return slot_->arena().allocate(bytes, slot_->retire_list()); }
  VkDescriptorSet allocate_set(VkDescriptorSetLayout layout) { return slot_->allocate_set(layout); }
  template <class T>
  void retire(T&& object) { slot_->retire_list().retire(std::forward<T>(object)); }

  // Copies tightly packed texels into this frame's staging memory and records the copy, leaving the
  // texture in SHADER_READ_ONLY layout. Record uploads before the pass that samples the texture.
  // No CPU wait: the barrier orders the copy after earlier frames' reads of the same texture.
  void upload(Texture& texture, const void* texels, VkOffset2D at, VkExtent2D size);
  void upload(Texture& texture, const void* texels);

 private:
  FrameSlot* slot_;
  std::uint32_t slot_index_;
  std::uint64_t number_;
};

struct SubmitSync {
  VkSemaphore wait = VK_NULL_HANDLE;  // e.g. the slot's acquire semaphore
  VkPipelineStageFlags2 wait_stage = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT;
  VkSemaphore signal = VK_NULL_HANDLE;  // e.g. the swapchain image's render-finished semaphore
  // Timeline semaphores only (e.g. SharedTimeline, signalled by CUDA): ignored for binary ones.
  std::uint64_t wait_value = 0;
  std::uint64_t signal_value = 0;
};

// Owns kFramesInFlight slots. Destroying it waits for every slot, so retire lists run in time.
class Renderer {
 public:
  explicit Renderer(const Context& context);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  const Context& context() const { return *context_; }
  // Waits for the slot's previous use (never for the frame just submitted) and starts recording.
  // A frame left without end_frame() (an exception while recording) is dropped; textures it
  // touched keep a tracked layout that never happened, so clear or fully re-upload them.
  Frame& begin_frame();
  void end_frame(const SubmitSync& sync = {});
  // Waits for every frame in flight and runs their completion callbacks (read-backs).
  void wait_idle();
  std::uint64_t frames_submitted() const { return number_; }

 private:
  const Context* context_;
  std::array<std::unique_ptr<FrameSlot>, kFramesInFlight> slots_;
  std::unique_ptr<Frame> frame_;
  std::uint64_t number_ = 0;
};

}  // namespace unitscope::render
