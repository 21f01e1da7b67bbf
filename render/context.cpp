#include "render/context.h"

#include "render/config.h"
#include "render/vulkan_error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace unitscope::render {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool has_layer(const char* name) {
  std::uint32_t count = 0;
  UNITSCOPE_VK_CHECK(vkEnumerateInstanceLayerProperties(&count, nullptr));
  std::vector<VkLayerProperties> layers(count);
  UNITSCOPE_VK_CHECK(vkEnumerateInstanceLayerProperties(&count, layers.data()));
  return std::any_of(layers.begin(), layers.end(),
                     [&](const VkLayerProperties& l) { return std::strcmp(l.layerName, name) == 0; });
}

bool has_device_extension(VkPhysicalDevice device, const char* name) {
  std::uint32_t count = 0;
  UNITSCOPE_VK_CHECK(vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr));
  std::vector<VkExtensionProperties> extensions(count);
  UNITSCOPE_VK_CHECK(vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data()));
  return std::any_of(extensions.begin(), extensions.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

}  // namespace

Validation ContextOptions::default_validation() {
  if (const char* env = std::getenv("UNITSCOPE_VALIDATION")) return env[0] == '1' ? Validation::kIfAvailable : Validation::kOff;
#ifdef NDEBUG
  return Validation::kOff;
#else
  return Validation::kIfAvailable;
#endif
}

Context::Context(ContextOptions options) : options_(std::move(options)) {
  try {
    create_instance();
    pick_physical_device();
    create_device();
  } catch (...) {
    destroy();
    throw;
  }
}

Context::~Context() { destroy(); }

void Context::destroy() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    if (setup_pool_) vkDestroyCommandPool(device_, setup_pool_, nullptr);
    vkDestroyDevice(device_, nullptr);
    device_ = VK_NULL_HANDLE;
    setup_pool_ = VK_NULL_HANDLE;
  }
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    destroy(instance_, messenger_, nullptr);
    messenger_ = VK_NULL_HANDLE;
  }
  if (instance_) {
    vkDestroyInstance(instance_, nullptr);
    instance_ = VK_NULL_HANDLE;
  }
}

VKAPI_ATTR VkBool32 VKAPI_CALL Context::debug_callback(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* self = static_cast<Context*>(user);
  ValidationMessage message{severity, data->pMessage ? data->pMessage : "(no message)"};
  std::cerr << "[vulkan] " << message.text << "\n";
  {
    std::lock_guard lock(self->log_mutex_);
    self->log_.push_back(message);
  }
  if (self->options_.on_message) self->options_.on_message(message);
  return VK_FALSE;
}

void Context::create_instance() {
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "unitscope";
  app.pEngineName = "unitscope";
  app.apiVersion = VK_API_VERSION_1_3;

  std::vector<const char*> layers;
  std::vector<const char*> extensions;
  for (const std::string& e : options_.instance_extensions) extensions.push_back(e.c_str());

  if (options_.validation != Validation::kOff) {
    if (has_layer(kValidationLayer)) {
      validation_enabled_ = true;
    } else if (options_.validation == Validation::kRequired) {
      throw VulkanError(std::string("the Vulkan validation layer ") + kValidationLayer +
                        " is not installed (Debian: apt install vulkan-validationlayers)");
    }
  }
  if (validation_enabled_) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }

  VkDebugUtilsMessengerCreateInfoEXT messenger_info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  messenger_info.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messenger_info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messenger_info.pfnUserCallback = &Context::debug_callback;
  messenger_info.pUserData = this;

  VkValidationFeatureEnableEXT sync_feature = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync_feature;

  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  info.enabledLayerCount = std::uint32_t(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = std::uint32_t(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  if (validation_enabled_) {
    // Chained so that instance creation and destruction are reported too.
    info.pNext = &messenger_info;
    if (options_.sync_validation) messenger_info.pNext = &features;
  }
  const VkResult result = vkCreateInstance(&info, nullptr, &instance_);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER)
    throw VulkanError("no Vulkan 1.3 driver found (install mesa-vulkan-drivers for lavapipe)", result);
  UNITSCOPE_VK_CHECK(result);

  if (validation_enabled_) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    messenger_info.pNext = nullptr;
    UNITSCOPE_VK_CHECK(create(instance_, &messenger_info, nullptr, &messenger_));
  }
}

std::vector<std::string> Context::list_devices(VkInstance instance) {
  std::uint32_t count = 0;
  UNITSCOPE_VK_CHECK(vkEnumeratePhysicalDevices(instance, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  UNITSCOPE_VK_CHECK(vkEnumeratePhysicalDevices(instance, &count, devices.data()));
  std::vector<std::string> names;
  for (VkPhysicalDevice d : devices) {
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(d, &p);
    names.emplace_back(p.deviceName);
  }
  return names;
}

void Context::pick_physical_device() {
  std::string wanted = options_.device_name;
  if (wanted.empty())
    if (const char* env = std::getenv(kDeviceEnvVar)) wanted = env;
  if (wanted.empty()) wanted = kDefaultDeviceName;

  std::uint32_t count = 0;
  UNITSCOPE_VK_CHECK(vkEnumeratePhysicalDevices(instance_, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  UNITSCOPE_VK_CHECK(vkEnumeratePhysicalDevices(instance_, &count, devices.data()));
  std::string seen;
  for (VkPhysicalDevice d : devices) {
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(d, &p);
    seen += std::string(seen.empty() ? "" : ", ") + "\"" + p.deviceName + "\"";
    if (lower(p.deviceName).find(lower(wanted)) == std::string::npos) continue;
    if (p.apiVersion < VK_API_VERSION_1_3) {
      throw VulkanError(std::string("GPU \"") + p.deviceName + "\" supports only Vulkan " +
                        std::to_string(VK_API_VERSION_MAJOR(p.apiVersion)) + "." +
                        std::to_string(VK_API_VERSION_MINOR(p.apiVersion)) + "; unitscope needs 1.3");
    }
    physical_device_ = d;
    device_name_ = p.deviceName;
    limits_ = p.limits;
    break;
  }
  if (!physical_device_) {
    throw VulkanError("no Vulkan device matches \"" + wanted + "\" (set " + kDeviceEnvVar +
                      " to part of a name); devices found: " + (seen.empty() ? "none" : seen));
  }
  VkPhysicalDeviceIDProperties id{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &id};
  vkGetPhysicalDeviceProperties2(physical_device_, &props2);
  std::copy(std::begin(id.deviceUUID), std::end(id.deviceUUID), device_uuid_.begin());
  vkGetPhysicalDeviceMemoryProperties(physical_device_, &memory_properties_);

  std::uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical_device_, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical_device_, &family_count, families.data());
  const VkQueueFlags needed = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_TRANSFER_BIT;
  auto it = std::find_if(families.begin(), families.end(),
                         [&](const VkQueueFamilyProperties& f) { return (f.queueFlags & needed) == needed; });
  if (it == families.end()) throw VulkanError("GPU \"" + device_name_ + "\" has no graphics queue");
  queue_family_ = std::uint32_t(it - families.begin());
}

void Context::create_device() {
  VkPhysicalDeviceVulkan13Features have13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDeviceVulkan12Features have12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, &have13};
  VkPhysicalDeviceFeatures2 have{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &have12};
  vkGetPhysicalDeviceFeatures2(physical_device_, &have);
  if (!have13.dynamicRendering || !have13.synchronization2 || !have12.timelineSemaphore)
    throw VulkanError("GPU \"" + device_name_ +
                      "\" lacks dynamicRendering, synchronization2 or timelineSemaphore");

  VkPhysicalDeviceVulkan13Features want13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  want13.dynamicRendering = VK_TRUE;
  want13.synchronization2 = VK_TRUE;
  VkPhysicalDeviceVulkan12Features want12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, &want13};
  want12.timelineSemaphore = VK_TRUE;
  VkPhysicalDeviceFeatures2 want{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &want12};

  std::vector<const char*> extensions;
  auto require = [&](const char* name) {
    if (!has_device_extension(physical_device_, name))
      throw VulkanError("GPU \"" + device_name_ + "\" lacks the device extension " + name);
    extensions.push_back(name);
  };
  if (options_.swapchain) require(VK_KHR_SWAPCHAIN_EXTENSION_NAME);
  if (options_.external_interop) {
    require(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
    external_interop_ = true;
    // lavapipe (Mesa 22.3) exports memory but not semaphores; SharedTimeline says so when asked.
    if (has_device_extension(physical_device_, VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME)) {
      extensions.push_back(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME);
      external_semaphores_ = true;
    }
  }

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;

  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &want};
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue_info;
  info.enabledExtensionCount = std::uint32_t(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  UNITSCOPE_VK_CHECK(vkCreateDevice(physical_device_, &info, nullptr, &device_));
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);

  VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  pool.queueFamilyIndex = queue_family_;
  UNITSCOPE_VK_CHECK(vkCreateCommandPool(device_, &pool, nullptr, &setup_pool_));
}

std::uint32_t Context::memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags flags) const {
  for (std::uint32_t i = 0; i < memory_properties_.memoryTypeCount; ++i) {
    if ((type_bits & (1u << i)) && (memory_properties_.memoryTypes[i].propertyFlags & flags) == flags) return i;
  }
  throw VulkanError("GPU \"" + device_name_ + "\" has no memory type with flags " + std::to_string(flags));
}

void Context::submit(const VkSubmitInfo2& info, VkFence fence) const {
  std::lock_guard lock(queue_mutex_);
  UNITSCOPE_VK_CHECK(vkQueueSubmit2(queue_, 1, &info, fence));
}

VkResult Context::present(const VkPresentInfoKHR& info) const {
  std::lock_guard lock(queue_mutex_);
  return vkQueuePresentKHR(queue_, &info);
}

void Context::submit_and_wait(const std::function<void(VkCommandBuffer)>& record) const {
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = setup_pool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  UNITSCOPE_VK_CHECK(vkAllocateCommandBuffers(device_, &alloc, &cmd));
  VkFence fence = VK_NULL_HANDLE;
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  try {
    UNITSCOPE_VK_CHECK(vkCreateFence(device_, &fence_info, nullptr, &fence));
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    UNITSCOPE_VK_CHECK(vkBeginCommandBuffer(cmd, &begin));
    record(cmd);
    UNITSCOPE_VK_CHECK(vkEndCommandBuffer(cmd));
    VkCommandBufferSubmitInfo cmd_info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO};
    cmd_info.commandBuffer = cmd;
    VkSubmitInfo2 submit_info{VK_STRUCTURE_TYPE_SUBMIT_INFO_2};
    submit_info.commandBufferInfoCount = 1;
    submit_info.pCommandBufferInfos = &cmd_info;
    submit(submit_info, fence);
    wait_fence(fence);
  } catch (...) {
    if (fence) vkDestroyFence(device_, fence, nullptr);
    vkFreeCommandBuffers(device_, setup_pool_, 1, &cmd);
    throw;
  }
  vkDestroyFence(device_, fence, nullptr);
  vkFreeCommandBuffers(device_, setup_pool_, 1, &cmd);
}

void Context::wait_fence(VkFence fence) const {
  const VkResult result = vkWaitForFences(device_, 1, &fence, VK_TRUE, kFenceTimeoutNs);
  if (result == VK_TIMEOUT)
    throw VulkanError("the GPU did not finish a frame within " + std::to_string(kFenceTimeoutNs / 1'000'000'000ull) +
                          " s on \"" + device_name_ + "\" (hung device?)",
                      VK_TIMEOUT);
  UNITSCOPE_VK_CHECK(result);
}

void Context::wait_idle() const {
  std::lock_guard lock(queue_mutex_);
  UNITSCOPE_VK_CHECK(vkDeviceWaitIdle(device_));
}

std::vector<ValidationMessage> Context::validation_messages() const {
  std::lock_guard lock(log_mutex_);
  return log_;
}

}  // namespace unitscope::render
