// SharedBuffer and SharedTimeline: Vulkan memory and a timeline semaphore exported as opaque file
// descriptors, for the CUDA bridge (render/cuda_bridge.h) to import. Needs a context created with
// ContextOptions::external_interop.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>

namespace unitscope::render {

class Context;

// A device-local buffer whose memory can be exported. Single owner, not movable.
class SharedBuffer {
 public:
  SharedBuffer(const Context& context, VkDeviceSize size, VkBufferUsageFlags usage);
  ~SharedBuffer();
  SharedBuffer(const SharedBuffer&) = delete;
  SharedBuffer& operator=(const SharedBuffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  VkDeviceSize size() const { return size_; }
  // What an importer must be told as the memory's size (>= size()).
  VkDeviceSize allocation_size() const { return allocation_size_; }
  // A new descriptor on each call; the caller owns it (a successful CUDA import takes it over).
  int export_fd() const;

 private:
  void destroy();

  VkDevice device_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize size_ = 0;
  VkDeviceSize allocation_size_ = 0;
};

// A timeline semaphore that CUDA signals after its copy and Vulkan waits on before sampling.
class SharedTimeline {
 public:
  // exportable = false makes a plain timeline (same waits and signals, no fd), for devices that
  // cannot export semaphores; exportable = true throws VulkanError on them.
  SharedTimeline(const Context& context, std::uint64_t initial_value, bool exportable = true);
  ~SharedTimeline();
  SharedTimeline(const SharedTimeline&) = delete;
  SharedTimeline& operator=(const SharedTimeline&) = delete;

  VkSemaphore handle() const { return semaphore_; }
  int export_fd() const;
  std::uint64_t value() const;
  void signal(std::uint64_t value) const;  // from the host
  void wait(std::uint64_t value) const;    // on the host, with the fence timeout

 private:
  VkDevice device_;
  VkSemaphore semaphore_ = VK_NULL_HANDLE;
  bool exportable_;
};

}  // namespace unitscope::render
