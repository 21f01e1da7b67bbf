#include "render/cuda_bridge.h"

#include <cuda_runtime.h>

#include <cstring>
#include <string>
#include <unistd.h>

namespace unitscope::render::cuda {
namespace {

void check(cudaError_t result, const char* call) {
  if (result != cudaSuccess) throw CudaError(std::string(call) + " failed: " + cudaGetErrorString(result));
}

#define UNITSCOPE_CUDA_CHECK(call) check((call), #call)

}  // namespace

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;  // no driver: no devices
  return count;
}

std::optional<int> find_device(const std::array<std::uint8_t, 16>& uuid) {
  const int count = device_count();
  for (int device = 0; device < count; ++device) {
    cudaDeviceProp props{};
    UNITSCOPE_CUDA_CHECK(cudaGetDeviceProperties(&props, device));
    if (std::memcmp(props.uuid.bytes, uuid.data(), 16) == 0) return device;
  }
  return std::nullopt;
}

struct ImportedMemory::Impl {
  cudaExternalMemory_t memory = nullptr;
  void* pointer = nullptr;
  std::uint64_t size = 0;
};

ImportedMemory::ImportedMemory(int device, int fd, std::uint64_t allocation_size, std::uint64_t bytes)
    : impl_(std::make_unique<Impl>()) {
  UNITSCOPE_CUDA_CHECK(cudaSetDevice(device));
  cudaExternalMemoryHandleDesc desc{};
  desc.type = cudaExternalMemoryHandleTypeOpaqueFd;
  desc.handle.fd = fd;
  desc.size = allocation_size;
  desc.flags = cudaExternalMemoryDedicated;  // SharedBuffer uses a dedicated allocation
  UNITSCOPE_CUDA_CHECK(cudaImportExternalMemory(&impl_->memory, &desc));  // owns fd from here on
  cudaExternalMemoryBufferDesc buffer{};
  buffer.offset = 0;
  buffer.size = bytes;
  try {
    UNITSCOPE_CUDA_CHECK(cudaExternalMemoryGetMappedBuffer(&impl_->pointer, impl_->memory, &buffer));
  } catch (...) {
    cudaDestroyExternalMemory(impl_->memory);
    throw;
  }
  impl_->size = bytes;
}

ImportedMemory::~ImportedMemory() {
  if (impl_->pointer) cudaFree(impl_->pointer);
  if (impl_->memory) cudaDestroyExternalMemory(impl_->memory);
}

void* ImportedMemory::device_pointer() const { return impl_->pointer; }
std::uint64_t ImportedMemory::size() const { return impl_->size; }

struct ImportedTimeline::Impl {
  cudaExternalSemaphore_t semaphore = nullptr;
};

ImportedTimeline::ImportedTimeline(int device, int fd) : impl_(std::make_unique<Impl>()) {
  UNITSCOPE_CUDA_CHECK(cudaSetDevice(device));
  cudaExternalSemaphoreHandleDesc desc{};
  desc.type = cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd;
  desc.handle.fd = fd;
  UNITSCOPE_CUDA_CHECK(cudaImportExternalSemaphore(&impl_->semaphore, &desc));
}

ImportedTimeline::~ImportedTimeline() {
  if (impl_->semaphore) cudaDestroyExternalSemaphore(impl_->semaphore);
}

void ImportedTimeline::signal(std::uint64_t value, void* stream) {
  cudaExternalSemaphoreSignalParams params{};
  params.params.fence.value = value;
  UNITSCOPE_CUDA_CHECK(
      cudaSignalExternalSemaphoresAsync(&impl_->semaphore, &params, 1, static_cast<cudaStream_t>(stream)));
}

void ImportedTimeline::wait(std::uint64_t value, void* stream) {
  cudaExternalSemaphoreWaitParams params{};
  params.params.fence.value = value;
  UNITSCOPE_CUDA_CHECK(
      cudaWaitExternalSemaphoresAsync(&impl_->semaphore, &params, 1, static_cast<cudaStream_t>(stream)));
}

void copy_and_signal(ImportedMemory& target, const void* source, std::uint64_t bytes, ImportedTimeline& timeline,
                     std::uint64_t value, void* stream) {
  if (bytes > target.size())
    throw CudaError("copy of " + std::to_string(bytes) + " bytes into a shared buffer of " +
                    std::to_string(target.size()));
  UNITSCOPE_CUDA_CHECK(cudaMemcpyAsync(target.device_pointer(), source, bytes, cudaMemcpyDeviceToDevice,
                                       static_cast<cudaStream_t>(stream)));
  timeline.signal(value, stream);
}

}  // namespace unitscope::render::cuda
