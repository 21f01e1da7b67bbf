#include "render/renderer.h"

#include "render/context.h"
#include "render/texture.h"
#include "render/vulkan_error.h"

#include <cassert>
#include <cstring>

namespace unitscope::render {

void Frame::upload(Texture& texture, const void* texels, VkOffset2D at, VkExtent2D size) {
  assert(at.x >= 0 && at.y >= 0 && at.x + size.width <= texture.width() && at.y + size.height <= texture.height());
  const VkDeviceSize bytes = VkDeviceSize(size.width) * size.height * Texture::texel_bytes(texture.format());
  ArenaAllocation staging = allocate(bytes);
  std::memcpy(staging.data, texels, bytes);
  const bool whole = at.x == 0 && at.y == 0 && size.width == texture.width() && size.height == texture.height();
  if (texture.layout() != VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL)
    texture.transition(cmd(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, whole);
  texture.copy_from(cmd(), staging.buffer, staging.offset, at, size);
  texture.transition(cmd(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
}

void Frame::upload(Texture& texture, const void* texels) {
  upload(texture, texels, {0, 0}, texture.extent());
}

Renderer::Renderer(const Context& context) : context_(&context) {
  for (auto& slot : slots_) slot = std::make_unique<FrameSlot>(context);
}

Renderer::~Renderer() {
  try {
    wait_idle();
  } catch (const VulkanError&) {
    // Device lost while shutting down: the slots' destructors still free what they own.
  }
}

Frame& Renderer::begin_frame() {
  // A frame abandoned by an exception (no end_frame) was never submitted: its slot is the one
  // reused now, and wait_and_reset() drops what it recorded.
  frame_.reset();
  const std::uint32_t index = std::uint32_t(number_ % kFramesInFlight);
  slots_[index]->wait_and_reset();
  frame_ = std::make_unique<Frame>(*slots_[index], index, number_);
  return *frame_;
}

void Renderer::end_frame(const SubmitSync& sync) {
  assert(frame_ && "end_frame() without begin_frame()");
  FrameSlot& slot = frame_->slot();
  frame_.reset();
  UNITSCOPE_VK_CHECK(vkEndCommandBuffer(slot.cmd()));

  VkCommandBufferSubmitInfo cmd_info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO};
  cmd_info.commandBuffer = slot.cmd();
  VkSemaphoreSubmitInfo wait{VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO};
  wait.semaphore = sync.wait;
  wait.stageMask = sync.wait_stage;
  wait.value = sync.wait_value;
  VkSemaphoreSubmitInfo signal{VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO};
  signal.semaphore = sync.signal;
  signal.stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT;
  signal.value = sync.signal_value;
  VkSubmitInfo2 info{VK_STRUCTURE_TYPE_SUBMIT_INFO_2};
  info.commandBufferInfoCount = 1;
  info.pCommandBufferInfos = &cmd_info;
  if (sync.wait) {
    info.waitSemaphoreInfoCount = 1;
    info.pWaitSemaphoreInfos = &wait;
  }
  if (sync.signal) {
    info.signalSemaphoreInfoCount = 1;
    info.pSignalSemaphoreInfos = &signal;
  }
  context_->submit(info, slot.fence());
  slot.mark_submitted();
  ++number_;
}

void Renderer::wait_idle() {
  for (auto& slot : slots_) slot->wait_idle();
}

}  // namespace unitscope::render
