// Built only with UNITSCOPE_CUDA. Needs an NVIDIA GPU with its Vulkan driver chosen through
// UNITSCOPE_GPU (e.g. UNITSCOPE_GPU=NVIDIA); elsewhere it reports that it could not run.
#include <doctest/doctest.h>

#include "render/buffer.h"
#include "render/cuda_bridge.h"
#include "render/renderer.h"
#include "render/shared_memory.h"
#include "render_gpu_fixture.h"

#include <cuda_runtime.h>

#include <chrono>
#include <cstring>
#include <vector>

using namespace unitscope::render;
using unitscope::test::GpuFixture;

namespace {

ContextOptions interop_options() {
  ContextOptions options;
  options.external_interop = true;
  return options;
}

struct CudaFixture : GpuFixture {
  CudaFixture() : GpuFixture(interop_options()) {}
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE_FIXTURE(CudaFixture, "a CUDA buffer reaches Vulkan memory without the CPU") {
    const std::optional<int> device = cuda::find_device(context().device_uuid());
    if (!device) {
      MESSAGE("no CUDA device matches the Vulkan device \"" << context().device_name()
                                                             << "\" by UUID; set UNITSCOPE_GPU=NVIDIA on a CUDA machine");
      return;
    }
    constexpr std::uint64_t kBytes = 1280ull * 720 * 4;
    SharedBuffer shared(context(), kBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    SharedTimeline timeline(context(), 0, true);
    cuda::ImportedMemory memory(*device, shared.export_fd(), shared.allocation_size(), kBytes);
    cuda::ImportedTimeline cuda_timeline(*device, timeline.export_fd());

    std::vector<std::uint8_t> pattern(kBytes);
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = std::uint8_t(i * 13 + 1);
    void* source = nullptr;
    REQUIRE(cudaMalloc(&source, kBytes) == cudaSuccess);
    REQUIRE(cudaMemcpy(source, pattern.data(), kBytes, cudaMemcpyHostToDevice) == cudaSuccess);

    Buffer readback(context(), kBytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, MemoryUsage::kReadback);
    Renderer renderer(context());
    const auto interop_start = std::chrono::steady_clock::now();
    constexpr int kRounds = 20;
    for (std::uint64_t value = 1; value <= kRounds; ++value) {
      cuda::copy_and_signal(memory, source, kBytes, cuda_timeline, value);
      Frame& frame = renderer.begin_frame();
      const VkBufferCopy region{0, 0, kBytes};
      vkCmdCopyBuffer(frame.cmd(), shared.handle(), readback.handle(), 1, &region);
      SubmitSync sync;
      sync.wait = timeline.handle();
      sync.wait_stage = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
      sync.wait_value = value;
      renderer.end_frame(sync);
      renderer.wait_idle();
    }
    const double interop = seconds_since(interop_start) / kRounds;
    readback.invalidate();
    CHECK(std::memcmp(readback.mapped(), pattern.data(), kBytes) == 0);

    // The path without interop: device -> host, then host -> staging (what Frame::upload copies).
    std::vector<std::uint8_t> host(kBytes);
    Buffer staging(context(), kBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryUsage::kUpload);
    const auto cpu_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) {
      REQUIRE(cudaMemcpy(host.data(), source, kBytes, cudaMemcpyDeviceToHost) == cudaSuccess);
      std::memcpy(staging.mapped(), host.data(), kBytes);
    }
    const double cpu = seconds_since(cpu_start) / kRounds;
    MESSAGE("1280x720 RGBA8: interop copy + Vulkan wait " << interop * 1e3 << " ms, CPU path " << cpu * 1e3
                                                          << " ms (before its Vulkan upload)");
    cudaFree(source);
  }
}
