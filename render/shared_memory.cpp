#include "render/shared_memory.h"

#include "render/config.h"
#include "render/context.h"
#include "render/vulkan_error.h"

namespace unitscope::render {
namespace {

constexpr auto kMemoryHandle = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
constexpr auto kSemaphoreHandle = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;

void require_interop(const Context& context) {
  if (!context.external_interop())
    throw VulkanError("shared GPU memory needs a context created with external_interop = true");
}

template <class T>
T device_function(VkDevice device, const char* name) {
  auto f = reinterpret_cast<T>(vkGetDeviceProcAddr(device, name));
  if (!f) throw VulkanError(std::string(name) + " is not available on this device");
  return f;
}

}  // namespace

SharedBuffer::SharedBuffer(const Context& context, VkDeviceSize size, VkBufferUsageFlags usage)
    : device_(context.device()), size_(size) {
  require_interop(context);
  VkPhysicalDeviceExternalBufferInfo query{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO};
  query.usage = usage;
  query.handleType = kMemoryHandle;
  VkExternalBufferProperties props{VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
  vkGetPhysicalDeviceExternalBufferProperties(context.physical_device(), &query, &props);
  if (!(props.externalMemoryProperties.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT))
    throw VulkanError("GPU \"" + context.device_name() + "\" cannot export buffer memory as an opaque fd");

  try {
    VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
    external.handleTypes = kMemoryHandle;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, &external};
    info.size = size;
    info.usage = usage;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    UNITSCOPE_VK_CHECK(vkCreateBuffer(device_, &info, nullptr, &buffer_));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device_, buffer_, &req);
    // CUDA imports whole allocations: a dedicated one keeps offset 0 and the size exact.
    VkMemoryDedicatedAllocateInfo dedicated{VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO};
    dedicated.buffer = buffer_;
    VkExportMemoryAllocateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO, &dedicated};
    export_info.handleTypes = kMemoryHandle;
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &export_info};
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = context.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    UNITSCOPE_VK_CHECK(vkAllocateMemory(device_, &alloc, nullptr, &memory_));
    UNITSCOPE_VK_CHECK(vkBindBufferMemory(device_, buffer_, memory_, 0));
    allocation_size_ = req.size;
  } catch (...) {
    destroy();
    throw;
  }
}

SharedBuffer::~SharedBuffer() { destroy(); }

void SharedBuffer::destroy() {
  if (buffer_) vkDestroyBuffer(device_, buffer_, nullptr);
  if (memory_) vkFreeMemory(device_, memory_, nullptr);
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
}

int SharedBuffer::export_fd() const {
  auto get_fd = device_function<PFN_vkGetMemoryFdKHR>(device_, "vkGetMemoryFdKHR");
  VkMemoryGetFdInfoKHR info{VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR};
  info.memory = memory_;
  info.handleType = kMemoryHandle;
  int fd = -1;
  UNITSCOPE_VK_CHECK(get_fd(device_, &info, &fd));
  return fd;
}

SharedTimeline::SharedTimeline(const Context& context, std::uint64_t initial_value, bool exportable)
    : device_(context.device()), exportable_(exportable) {
  VkSemaphoreTypeCreateInfo type{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  type.initialValue = initial_value;
  if (!exportable) {
    VkSemaphoreCreateInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, &type};
    UNITSCOPE_VK_CHECK(vkCreateSemaphore(device_, &info, nullptr, &semaphore_));
    return;
  }
  require_interop(context);
  if (!context.external_semaphores())
    throw VulkanError("GPU \"" + context.device_name() +
                      "\" lacks VK_KHR_external_semaphore_fd: it cannot share a timeline semaphore with CUDA");
  VkPhysicalDeviceExternalSemaphoreInfo query{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_SEMAPHORE_INFO, &type};
  query.handleType = kSemaphoreHandle;
  VkExternalSemaphoreProperties props{VK_STRUCTURE_TYPE_EXTERNAL_SEMAPHORE_PROPERTIES};
  vkGetPhysicalDeviceExternalSemaphoreProperties(context.physical_device(), &query, &props);
  if (!(props.externalSemaphoreFeatures & VK_EXTERNAL_SEMAPHORE_FEATURE_EXPORTABLE_BIT))
    throw VulkanError("GPU \"" + context.device_name() + "\" cannot export a timeline semaphore as an opaque fd");
  VkExportSemaphoreCreateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_SEMAPHORE_CREATE_INFO, &type};
  export_info.handleTypes = kSemaphoreHandle;
  VkSemaphoreCreateInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, &export_info};
  UNITSCOPE_VK_CHECK(vkCreateSemaphore(device_, &info, nullptr, &semaphore_));
}

SharedTimeline::~SharedTimeline() { vkDestroySemaphore(device_, semaphore_, nullptr); }

int SharedTimeline::export_fd() const {
  if (!exportable_) throw VulkanError("this timeline semaphore was created without export support");
  auto get_fd = device_function<PFN_vkGetSemaphoreFdKHR>(device_, "vkGetSemaphoreFdKHR");
  VkSemaphoreGetFdInfoKHR info{VK_STRUCTURE_TYPE_SEMAPHORE_GET_FD_INFO_KHR};
  info.semaphore = semaphore_;
  info.handleType = kSemaphoreHandle;
  int fd = -1;
  UNITSCOPE_VK_CHECK(get_fd(device_, &info, &fd));
  return fd;
}

std::uint64_t SharedTimeline::value() const {
  std::uint64_t v = 0;
  UNITSCOPE_VK_CHECK(vkGetSemaphoreCounterValue(device_, semaphore_, &v));
  return v;
}

void SharedTimeline::signal(std::uint64_t value) const {
  VkSemaphoreSignalInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO};
  info.semaphore = semaphore_;
  info.value = value;
  UNITSCOPE_VK_CHECK(vkSignalSemaphore(device_, &info));
}

void SharedTimeline::wait(std::uint64_t value) const {
  VkSemaphoreWaitInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  info.semaphoreCount = 1;
  info.pSemaphores = &semaphore_;
  info.pValues = &value;
  const VkResult result = vkWaitSemaphores(device_, &info, kFenceTimeoutNs);
  if (result == VK_TIMEOUT) throw VulkanError("timed out waiting for the shared timeline to reach " + std::to_string(value), result);
  UNITSCOPE_VK_CHECK(result);
}

}  // namespace unitscope::render
