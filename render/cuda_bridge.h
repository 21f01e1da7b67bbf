// CUDA side of the interop: imports Vulkan memory and a timeline semaphore from file descriptors
// and copies device buffers into that memory. Plain C++ types only (no Vulkan, no CUDA, no torch),
// so the engine can hand it a tensor's data pointer from analysis/ and fds from render/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <array>
#include <stdexcept>

namespace unitscope::render::cuda {

// A CUDA runtime failure; the message names the call and cudaGetErrorString.
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int device_count();
// The CUDA device whose UUID equals the Vulkan device's (Context::device_uuid()), if any.
std::optional<int> find_device(const std::array<std::uint8_t, 16>& uuid);

// Memory exported by SharedBuffer::export_fd(). Takes ownership of fd once the import succeeds.
class ImportedMemory {
 public:
  ImportedMemory(int device, int fd, std::uint64_t allocation_size, std::uint64_t bytes);
  ~ImportedMemory();
  ImportedMemory(const ImportedMemory&) = delete;
  ImportedMemory& operator=(const ImportedMemory&) = delete;
  void* device_pointer() const;
  std::uint64_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A timeline semaphore exported by SharedTimeline::export_fd(). Takes ownership of fd on success.
class ImportedTimeline {
 public:
  ImportedTimeline(int device, int fd);
  ~ImportedTimeline();
  ImportedTimeline(const ImportedTimeline&) = delete;
  ImportedTimeline& operator=(const ImportedTimeline&) = delete;
  // Enqueued on `stream` (a cudaStream_t; nullptr is the default stream).
  void signal(std::uint64_t value, void* stream = nullptr);
  void wait(std::uint64_t value, void* stream = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Enqueues a device-to-device copy of `bytes` from `source` (e.g. a CUDA tensor's data pointer)
// into `target`, then a signal of `timeline` to `value`: the Vulkan frame waits on that value
// before it copies the shared buffer into a texture. Returns without waiting.
void copy_and_signal(ImportedMemory& target, const void* source, std::uint64_t bytes, ImportedTimeline& timeline,
                     std::uint64_t value, void* stream = nullptr);

}  // namespace unitscope::render::cuda
