// UploadArena: a frame slot's linear allocator for staging, vertex, index and per-draw data.
#pragma once

#include "render/buffer.h"

#include <vulkan/vulkan.h>

#include <cstddef>

namespace unitscope::render {

class Context;
class RetireList;

struct ArenaAllocation {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
  std::byte* data = nullptr;  // mapped, write-only from the CPU
};

// Owned by one frame slot; reset() only after the slot's fence has signalled. Allocations are
// aligned to kArenaAlignment; when the buffer is full it doubles and the old one is retired.
class UploadArena {
 public:
  UploadArena(const Context& context, VkDeviceSize initial_bytes);
  ArenaAllocation allocate(VkDeviceSize bytes, RetireList& retire);
  void reset() { used_ = 0; }
  VkDeviceSize used() const { return used_; }
  VkDeviceSize capacity() const { return buffer_.size(); }

 private:
  const Context* context_;
  Buffer buffer_;
  VkDeviceSize used_ = 0;
};

}  // namespace unitscope::render
