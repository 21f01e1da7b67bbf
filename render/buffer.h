// Buffer: one VkBuffer with its own memory; host-visible buffers stay mapped for their lifetime.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>

namespace unitscope::render {

class Context;

enum class MemoryUsage {
  kDeviceLocal,  // GPU only; filled by transfers
  kUpload,       // host-visible, coherent, mapped: staging, vertex and per-frame data
  kReadback,     // host-visible, cached when the device offers it, mapped: read-back targets
};

// Single owner, movable. Destroy only when no frame in flight uses it (see RetireList).
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Context& context, VkDeviceSize size, VkBufferUsageFlags usage, MemoryUsage memory);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  VkDeviceMemory memory() const { return memory_; }
  VkDeviceSize size() const { return size_; }
  // Null unless host-visible.
  std::byte* mapped() const { return mapped_; }
  // Makes device writes visible to mapped() on non-coherent read-back memory.
  void invalidate() const;
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE; }

 private:
  void reset();

  VkDevice device_ = VK_NULL_HANDLE;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize size_ = 0;
  std::byte* mapped_ = nullptr;
  bool coherent_ = true;
};

}  // namespace unitscope::render
