#include "render/upload_arena.h"

#include "render/config.h"
#include "render/retire_list.h"

#include <algorithm>

namespace unitscope::render {
namespace {

constexpr VkBufferUsageFlags kArenaUsage =
    VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_VERTEX_BUFFER_BIT | VK_BUFFER_USAGE_INDEX_BUFFER_BIT |
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT;

}  // namespace

UploadArena::UploadArena(const Context& context, VkDeviceSize initial_bytes)
    : context_(&context), buffer_(context, initial_bytes, kArenaUsage, MemoryUsage::kUpload) {}

ArenaAllocation UploadArena::allocate(VkDeviceSize bytes, RetireList& retire) {
  const VkDeviceSize offset = (used_ + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  if (offset + bytes > buffer_.size()) {
    // Earlier allocations of this frame still point into the old buffer: retire, don't destroy.
    const VkDeviceSize grown = std::max<VkDeviceSize>(buffer_.size() * 2, bytes + kArenaAlignment);
    retire.retire(std::move(buffer_));
    buffer_ = Buffer(*context_, grown, kArenaUsage, MemoryUsage::kUpload);
    used_ = bytes;
    return {buffer_.handle(), 0, bytes, buffer_.mapped()};
  }
  used_ = offset + bytes;
  return {buffer_.handle(), offset, bytes, buffer_.mapped() + offset};
}

}  // namespace unitscope::render
