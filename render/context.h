// Context: the Vulkan instance, validation messenger, chosen physical device, device and queue.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace unitscope::render {

enum class Validation { kOff, kIfAvailable, kRequired };

struct ValidationMessage {
  VkDebugUtilsMessageSeverityFlagBitsEXT severity;
  std::string text;
};

struct ContextOptions {
  // Case-insensitive substring of the device name; empty: $UNITSCOPE_GPU, then lavapipe.
  std::string device_name;
  // kIfAvailable in debug builds (or when $UNITSCOPE_VALIDATION=1), kOff in release.
  Validation validation = default_validation();
  // Synchronization validation catches missing barriers; tests turn it on.
  bool sync_validation = false;
  // Extra instance extensions, e.g. what glfwGetRequiredInstanceExtensions returns.
  std::vector<std::string> instance_extensions;
  bool swapchain = false;          // enables VK_KHR_swapchain on the device
  // Requires VK_KHR_external_memory_fd and enables VK_KHR_external_semaphore_fd where present.
  bool external_interop = false;
  // Called (on any thread the driver uses) for every warning or error the layer reports, in
  // addition to the context's own log and stderr.
  std::function<void(const ValidationMessage&)> on_message;

  static Validation default_validation();
};

// Owns every object it creates and destroys them in reverse order. Not movable: other objects keep
// its VkDevice. Thread: create and destroy on one thread; queue submits go through submit().
class Context {
 public:
  explicit Context(ContextOptions options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkInstance instance() const { return instance_; }
  VkPhysicalDevice physical_device() const { return physical_device_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  std::uint32_t queue_family() const { return queue_family_; }
  const std::string& device_name() const { return device_name_; }
  const std::array<std::uint8_t, VK_UUID_SIZE>& device_uuid() const { return device_uuid_; }
  const VkPhysicalDeviceLimits& limits() const { return limits_; }
  bool validation_enabled() const { return validation_enabled_; }
  bool external_interop() const { return external_interop_; }
  bool external_semaphores() const { return external_semaphores_; }

  // Index of a memory type allowed by `type_bits` with all of `flags`; throws VulkanError if none.
  std::uint32_t memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags flags) const;

  // Records with `record`, submits and waits for the queue: for set-up and tests, never per frame.
  void submit_and_wait(const std::function<void(VkCommandBuffer)>& record) const;
  // vkQueueSubmit2 under the queue lock (swapchain present takes the same lock).
  void submit(const VkSubmitInfo2& info, VkFence fence) const;
  VkResult present(const VkPresentInfoKHR& info) const;
  // Waits on the fence; on timeout or device loss throws a VulkanError that says so.
  void wait_fence(VkFence fence) const;
  void wait_idle() const;

  // Warnings and errors reported by the validation layer so far.
  std::vector<ValidationMessage> validation_messages() const;

  // Names of every physical device the loader sees (for error messages and --list-gpus).
  static std::vector<std::string> list_devices(VkInstance instance);

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL debug_callback(
      VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
      const VkDebugUtilsMessengerCallbackDataEXT* data, void* user);
  void create_instance();
  void pick_physical_device();
  void create_device();
  void destroy();

  ContextOptions options_;
  mutable std::mutex log_mutex_;
  std::vector<ValidationMessage> log_;

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_device_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool setup_pool_ = VK_NULL_HANDLE;
  std::uint32_t queue_family_ = 0;
  std::string device_name_;
  std::array<std::uint8_t, VK_UUID_SIZE> device_uuid_{};
  VkPhysicalDeviceLimits limits_{};
  VkPhysicalDeviceMemoryProperties memory_properties_{};
  bool validation_enabled_ = false;
  bool external_interop_ = false;
  bool external_semaphores_ = false;
  mutable std::mutex queue_mutex_;
};

}  // namespace unitscope::render
