// VulkanError and UNITSCOPE_VK_CHECK: result checks that stay on in release builds.
#pragma once

#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace unitscope::render {

// Thrown for failed Vulkan calls and for start-up problems (no device, missing layer); the message
// names the call, the VkResult, and the file and line, so it can be shown to a user as it is.
class VulkanError : public std::runtime_error {
 public:
  VulkanError(std::string message, VkResult result = VK_ERROR_UNKNOWN)
      : std::runtime_error(std::move(message)), result_(result) {}
  VkResult result() const { return result_; }
  bool device_lost() const { return result_ == VK_ERROR_DEVICE_LOST; }

 private:
  VkResult result_;
};

// "VK_ERROR_DEVICE_LOST" etc.; "VkResult(<n>)" for values this build does not know.
std::string result_name(VkResult result);

[[noreturn]] void throw_vulkan_error(VkResult result, const char* call, const char* file, int line);

}  // namespace unitscope::render

// Evaluates a Vulkan call once; any negative VkResult throws VulkanError. Positive codes
// (VK_SUBOPTIMAL_KHR, VK_TIMEOUT...) pass: callers that care inspect them without this macro.
#define UNITSCOPE_VK_CHECK(call)                                                      \
  do {                                                                                \
    const VkResult unitscope_vk_result_ = (call);                                     \
    if (unitscope_vk_result_ < 0)                                                     \
      ::unitscope::render::throw_vulkan_error(unitscope_vk_result_, #call, __FILE__, __LINE__); \
  } while (false)
