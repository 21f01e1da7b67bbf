#include <doctest/doctest.h>

#include "render/buffer.h"
#include "render/renderer.h"
#include "render/shared_memory.h"
#include "render/vulkan_error.h"
#include "render_gpu_fixture.h"

#include <cstring>
#include <numeric>

#include <unistd.h>

using namespace unitscope::render;
using unitscope::test::GpuFixture;

namespace {

ContextOptions interop_options() {
  ContextOptions options;
  options.external_interop = true;
  return options;
}

struct InteropFixture : GpuFixture {
  InteropFixture() : GpuFixture(interop_options()) {}
};

// What CUDA's cudaImportExternalMemory does, done with Vulkan on the same device: the imported
// buffer aliases the exported memory.
struct ImportedBuffer {
  ImportedBuffer(const Context& context, int fd, VkDeviceSize size, VkDeviceSize allocation_size)
      : device(context.device()) {
    VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
    external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, &external};
    info.size = size;
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    UNITSCOPE_VK_CHECK(vkCreateBuffer(device, &info, nullptr, &buffer));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device, buffer, &req);
    VkMemoryDedicatedAllocateInfo dedicated{VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO};
    dedicated.buffer = buffer;
    VkImportMemoryFdInfoKHR import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR, &dedicated};
    import.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    import.fd = fd;
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &import};
    alloc.allocationSize = allocation_size;
    alloc.memoryTypeIndex = context.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    UNITSCOPE_VK_CHECK(vkAllocateMemory(device, &alloc, nullptr, &memory));
    UNITSCOPE_VK_CHECK(vkBindBufferMemory(device, buffer, memory, 0));
  }
  ~ImportedBuffer() {
    vkDestroyBuffer(device, buffer, nullptr);
    vkFreeMemory(device, memory, nullptr);
  }
  ImportedBuffer(const ImportedBuffer&) = delete;
  ImportedBuffer& operator=(const ImportedBuffer&) = delete;
  VkDevice device;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
};

void copy(VkCommandBuffer cmd, VkBuffer from, VkBuffer to, VkDeviceSize bytes) {
  const VkBufferCopy region{0, 0, bytes};
  vkCmdCopyBuffer(cmd, from, to, 1, &region);
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("shared memory needs a context with external interop") {
    ContextOptions options;
    options.validation = Validation::kOff;
    Context context(std::move(options));
    CHECK_THROWS_AS(SharedBuffer(context, 256, VK_BUFFER_USAGE_TRANSFER_SRC_BIT), VulkanError);
    CHECK_THROWS_AS(SharedTimeline(context, 0, true), VulkanError);
  }

  TEST_CASE_FIXTURE(InteropFixture, "exported memory and timeline are what an importer sees") {
    constexpr VkDeviceSize kBytes = 4096;
    SharedBuffer shared(context(), kBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    CHECK(shared.allocation_size() >= kBytes);
    ImportedBuffer imported(context(), shared.export_fd(), kBytes, shared.allocation_size());  // takes the fd

    Buffer upload(context(), kBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryUsage::kUpload);
    Buffer readback(context(), kBytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, MemoryUsage::kReadback);
    std::vector<std::uint8_t> pattern(kBytes);
    std::iota(pattern.begin(), pattern.end(), std::uint8_t(3));
    std::memcpy(upload.mapped(), pattern.data(), kBytes);

    // The "CUDA side" (the imported alias) writes, then signals the timeline; the renderer's frame
    // waits on the timeline value before reading the shared buffer.
    // lavapipe cannot export semaphores (CUDA GPUs can): check the message, then use a plain one.
    const bool exportable = context().external_semaphores();
    if (exportable) {
      SharedTimeline probe(context(), 0, true);
      const int fd = probe.export_fd();
      CHECK(fd >= 0);
      ::close(fd);
    } else {
      CHECK_THROWS_WITH_AS(SharedTimeline(context(), 0, true), doctest::Contains("VK_KHR_external_semaphore_fd"),
                           VulkanError);
    }
    SharedTimeline timeline(context(), 0, exportable);
    context().submit_and_wait([&](VkCommandBuffer cmd) { copy(cmd, upload.handle(), imported.buffer, kBytes); });

    Renderer renderer(context());
    Frame& frame = renderer.begin_frame();
    copy(frame.cmd(), shared.handle(), readback.handle(), kBytes);
    unitscope::test::transfer_to_host_barrier(frame.cmd());
    SubmitSync sync;
    sync.wait = timeline.handle();
    sync.wait_stage = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
    sync.wait_value = 7;
    renderer.end_frame(sync);
    CHECK(timeline.value() == 0);
    timeline.signal(7);  // what cudaSignalExternalSemaphoresAsync does after the copy
    renderer.wait_idle();
    CHECK(timeline.value() == 7);
    readback.invalidate();
    CHECK(std::memcmp(readback.mapped(), pattern.data(), kBytes) == 0);
  }
}
