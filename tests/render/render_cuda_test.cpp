// Built only with UNITSCOPE_CUDA. Needs an NVIDIA GPU with its Vulkan driver chosen through
// UNITSCOPE_GPU (e.g. UNITSCOPE_GPU=NVIDIA); elsewhere it reports that it could not run.
#include <doctest/doctest.h>

#include "render/buffer.h"
#include "render/cuda_bridge.h"
#include "render/renderer.h"
#include "render/shared_memory.h"
#include "render_gpu_fixture.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <optional>
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

// The CUDA device behind the Vulkan device. None is a skip on machines without CUDA or with
// another Vulkan device chosen, but a failure for an NVIDIA Vulkan device beside CUDA devices.
std::optional<int> cuda_device_for(const Context& context) {
  const std::optional<int> device = cuda::find_device(context.device_uuid());
  if (device) {
    MESSAGE("CUDA device " << *device << " is the Vulkan device \"" << context.device_name() << "\"");
    return device;
  }
  std::string name = context.device_name();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (name.find("nvidia") != std::string::npos && cuda::device_count() > 0) {
    FAIL_CHECK("no CUDA device has the UUID of the Vulkan device \"" << context.device_name() << "\"");
  } else {
    MESSAGE("no CUDA device matches the Vulkan device \"" << context.device_name()
                                                         << "\" by UUID; set UNITSCOPE_GPU=NVIDIA on a CUDA machine");
  }
  return std::nullopt;
}

// cudaMalloc'd bytes holding a copy of `host`.
struct DeviceBytes {
  explicit DeviceBytes(const std::vector<std::uint8_t>& host) {
    REQUIRE(cudaMalloc(&pointer, host.size()) == cudaSuccess);
    REQUIRE(cudaMemcpy(pointer, host.data(), host.size(), cudaMemcpyHostToDevice) == cudaSuccess);
  }
  ~DeviceBytes() { cudaFree(pointer); }
  DeviceBytes(const DeviceBytes&) = delete;
  DeviceBytes& operator=(const DeviceBytes&) = delete;
  void* pointer = nullptr;
};

std::vector<std::uint8_t> pattern(std::size_t bytes, unsigned seed) {
  std::vector<std::uint8_t> p(bytes);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::uint8_t(i * 13 + seed + (i >> 12));
  return p;
}

// CUDA copies into the shared buffer and signals the timeline; a Vulkan frame waits on that value
// and copies the shared buffer into host-visible memory. Members die before the context.
class InteropLoop {
 public:
  InteropLoop(const Context& context, int device, std::uint64_t bytes)
      : shared_(context, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT),
        timeline_(context, 0, true),
        memory_(device, shared_.export_fd(), shared_.allocation_size(), bytes),
        cuda_timeline_(device, timeline_.export_fd()),
        readback_(context, bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, MemoryUsage::kReadback),
        renderer_(context),
        bytes_(bytes) {}

  // One round trip; returns once Vulkan's copy has finished.
  void round(const void* source) {
    ++value_;
    cuda::copy_and_signal(memory_, source, bytes_, cuda_timeline_, value_);
    Frame& frame = renderer_.begin_frame();
    const VkBufferCopy region{0, 0, bytes_};
    vkCmdCopyBuffer(frame.cmd(), shared_.handle(), readback_.handle(), 1, &region);
    unitscope::test::transfer_to_host_barrier(frame.cmd());
    SubmitSync sync;
    sync.wait = timeline_.handle();
    sync.wait_stage = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
    sync.wait_value = value_;
    renderer_.end_frame(sync);
    renderer_.wait_idle();
  }

  bool holds(const std::vector<std::uint8_t>& expected) const {
    readback_.invalidate();
    return std::memcmp(readback_.mapped(), expected.data(), bytes_) == 0;
  }
  std::uint64_t timeline_value() const { return timeline_.value(); }

 private:
  SharedBuffer shared_;
  SharedTimeline timeline_;
  cuda::ImportedMemory memory_;
  cuda::ImportedTimeline cuda_timeline_;
  Buffer readback_;
  Renderer renderer_;
  std::uint64_t bytes_;
  std::uint64_t value_ = 0;
};

constexpr std::uint64_t kFrameBytes = 1280ull * 720 * 4;

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE_FIXTURE(CudaFixture, "a CUDA buffer reaches Vulkan memory without the CPU") {
    const std::optional<int> device = cuda_device_for(context());
    if (!device) return;
    const std::vector<std::uint8_t> a = pattern(kFrameBytes, 1), b = pattern(kFrameBytes, 101);
    DeviceBytes source_a(a), source_b(b);
    InteropLoop loop(context(), *device, kFrameBytes);
    // Alternating sources: a round that read stale memory would still hold the other pattern.
    for (int round = 0; round < 4; ++round) {
      const bool even = round % 2 == 0;
      loop.round(even ? source_a.pointer : source_b.pointer);
      CHECK(loop.timeline_value() == std::uint64_t(round + 1));
      CHECK(loop.holds(even ? a : b));
    }
  }

  // The same path without the validation layer (which cannot see CUDA's signals), timed against
  // the CPU path it replaces.
  TEST_CASE("CUDA bridge timing without the validation layer against the CPU path") {
    ContextOptions options = interop_options();
    options.validation = Validation::kOff;
    Context context(std::move(options));
    const std::optional<int> device = cuda_device_for(context);
    if (!device) return;
    const std::vector<std::uint8_t> a = pattern(kFrameBytes, 7), b = pattern(kFrameBytes, 77);
    DeviceBytes source_a(a), source_b(b);
    InteropLoop loop(context, *device, kFrameBytes);
    loop.round(source_b.pointer);  // first-use costs stay out of the timing
    constexpr int kRounds = 20;
    const auto interop_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) loop.round(i % 2 == 0 ? source_a.pointer : source_b.pointer);
    const double interop = seconds_since(interop_start) / kRounds;
    CHECK(loop.timeline_value() == std::uint64_t(kRounds + 1));
    CHECK(loop.holds(b));

    // The path without interop: device -> host, then host -> staging (what Frame::upload copies).
    std::vector<std::uint8_t> host(kFrameBytes);
    Buffer staging(context, kFrameBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryUsage::kUpload);
    const auto cpu_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) {
      REQUIRE(cudaMemcpy(host.data(), source_a.pointer, kFrameBytes, cudaMemcpyDeviceToHost) == cudaSuccess);
      std::memcpy(staging.mapped(), host.data(), kFrameBytes);
    }
    const double cpu = seconds_since(cpu_start) / kRounds;
    MESSAGE("1280x720 RGBA8: interop copy + Vulkan wait " << interop * 1e3 << " ms, CPU path " << cpu * 1e3
                                                          << " ms (before its Vulkan upload)");
  }
}
