#include "render/offscreen_target.h"

#include "render/context.h"
#include "render/pipeline.h"
#include "render/renderer.h"
#include "render/vulkan_error.h"

#include <stb/stb_image_write.h>

#include <cstring>
#include <stdexcept>

namespace unitscope::render {
namespace {

constexpr VkImageUsageFlags kTargetUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT |
                                           VK_IMAGE_USAGE_SAMPLED_BIT;

}  // namespace

OffscreenTarget::OffscreenTarget(const Context& context, VkExtent2D extent)
    : context_(&context), texture_(context, TextureDesc{extent.width, extent.height, kFormat, kTargetUsage}) {}

void OffscreenTarget::resize(Frame& frame, VkExtent2D extent) {
  if (extent.width == texture_.width() && extent.height == texture_.height()) return;
  frame.retire(std::move(texture_));
  texture_ = Texture(*context_, TextureDesc{extent.width, extent.height, kFormat, kTargetUsage});
}

void OffscreenTarget::begin(VkCommandBuffer cmd, std::optional<std::array<float, 4>> clear) {
  texture_.transition(cmd, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, clear.has_value());
  VkRenderingAttachmentInfo color{VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO};
  color.imageView = texture_.view();
  color.imageLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL;
  color.loadOp = clear ? VK_ATTACHMENT_LOAD_OP_CLEAR : VK_ATTACHMENT_LOAD_OP_LOAD;
  color.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  if (clear) std::memcpy(color.clearValue.color.float32, clear->data(), sizeof(float) * 4);
  VkRenderingInfo info{VK_STRUCTURE_TYPE_RENDERING_INFO};
  info.renderArea = {{0, 0}, texture_.extent()};
  info.layerCount = 1;
  info.colorAttachmentCount = 1;
  info.pColorAttachments = &color;
  vkCmdBeginRendering(cmd, &info);
  set_viewport(cmd, texture_.extent());
}

void OffscreenTarget::end(VkCommandBuffer cmd) { vkCmdEndRendering(cmd); }

void OffscreenTarget::prepare_for_sampling(VkCommandBuffer cmd) {
  texture_.transition(cmd, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
}

void OffscreenTarget::read_back(Frame& frame, std::function<void(CapturedFrame&&)> done) {
  const VkCommandBuffer cmd = frame.cmd();
  const VkDeviceSize bytes = VkDeviceSize(texture_.width()) * texture_.height() * 4;
  // Owned by the slot, so the callback may outlive this target (it runs before the slot reuses it).
  const Buffer& buffer = frame.slot().readback_buffer(bytes);
  texture_.transition(cmd, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {texture_.width(), texture_.height(), 1};
  vkCmdCopyImageToBuffer(cmd, texture_.image(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer.handle(), 1, &region);

  // Make the copy visible to the host once the fence has signalled.
  VkBufferMemoryBarrier2 barrier{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER_2};
  barrier.srcStageMask = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
  barrier.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  barrier.dstStageMask = VK_PIPELINE_STAGE_2_HOST_BIT;
  barrier.dstAccessMask = VK_ACCESS_2_HOST_READ_BIT;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.buffer = buffer.handle();
  barrier.size = VK_WHOLE_SIZE;
  VkDependencyInfo dep{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dep.bufferMemoryBarrierCount = 1;
  dep.pBufferMemoryBarriers = &barrier;
  vkCmdPipelineBarrier2(cmd, &dep);

  const Buffer* source = &buffer;
  const std::uint32_t width = texture_.width();
  const std::uint32_t height = texture_.height();
  const std::uint64_t number = frame.number();
  frame.slot().on_complete([source, width, height, number, bytes, done = std::move(done)] {
    source->invalidate();
    CapturedFrame captured{width, height, number, std::vector<std::uint8_t>(bytes)};
    std::memcpy(captured.rgba.data(), source->mapped(), bytes);
    done(std::move(captured));
  });
}

void write_png(const std::filesystem::path& path, const CapturedFrame& frame) {
  if (frame.rgba.size() != std::size_t(frame.width) * frame.height * 4)
    throw std::runtime_error("cannot write " + path.string() + ": frame is not tightly packed RGBA8");
  if (!stbi_write_png(path.string().c_str(), int(frame.width), int(frame.height), 4, frame.rgba.data(),
                      int(frame.width) * 4))
    throw std::runtime_error("cannot write PNG " + path.string() + " (directory missing or disk full?)");
}

}  // namespace unitscope::render
