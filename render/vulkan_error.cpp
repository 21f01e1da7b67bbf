#include "render/vulkan_error.h"

namespace unitscope::render {

std::string result_name(VkResult result) {
  switch (result) {
#define UNITSCOPE_RESULT_CASE(name) \
  case name:                        \
    return #name;
    UNITSCOPE_RESULT_CASE(VK_SUCCESS)
    UNITSCOPE_RESULT_CASE(VK_NOT_READY)
    UNITSCOPE_RESULT_CASE(VK_TIMEOUT)
    UNITSCOPE_RESULT_CASE(VK_EVENT_SET)
    UNITSCOPE_RESULT_CASE(VK_EVENT_RESET)
    UNITSCOPE_RESULT_CASE(VK_INCOMPLETE)
    UNITSCOPE_RESULT_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    UNITSCOPE_RESULT_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    UNITSCOPE_RESULT_CASE(VK_ERROR_INITIALIZATION_FAILED)
    UNITSCOPE_RESULT_CASE(VK_ERROR_DEVICE_LOST)
    UNITSCOPE_RESULT_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    UNITSCOPE_RESULT_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    UNITSCOPE_RESULT_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    UNITSCOPE_RESULT_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    UNITSCOPE_RESULT_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    UNITSCOPE_RESULT_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    UNITSCOPE_RESULT_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    UNITSCOPE_RESULT_CASE(VK_ERROR_FRAGMENTED_POOL)
    UNITSCOPE_RESULT_CASE(VK_ERROR_UNKNOWN)
    UNITSCOPE_RESULT_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    UNITSCOPE_RESULT_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    UNITSCOPE_RESULT_CASE(VK_ERROR_FRAGMENTATION)
    UNITSCOPE_RESULT_CASE(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    UNITSCOPE_RESULT_CASE(VK_PIPELINE_COMPILE_REQUIRED)
    UNITSCOPE_RESULT_CASE(VK_ERROR_SURFACE_LOST_KHR)
    UNITSCOPE_RESULT_CASE(VK_ERROR_NATIVE_WINDOW_IN_USE_KHR)
    UNITSCOPE_RESULT_CASE(VK_SUBOPTIMAL_KHR)
    UNITSCOPE_RESULT_CASE(VK_ERROR_OUT_OF_DATE_KHR)
    UNITSCOPE_RESULT_CASE(VK_ERROR_INCOMPATIBLE_DISPLAY_KHR)
    UNITSCOPE_RESULT_CASE(VK_ERROR_VALIDATION_FAILED_EXT)
#undef UNITSCOPE_RESULT_CASE
    default:
      return "VkResult(" + std::to_string(static_cast<int>(result)) + ")";
  }
}

void throw_vulkan_error(VkResult result, const char* call, const char* file, int line) {
  std::string message = std::string(call) + " failed with " + result_name(result) + " at " + file +
                        ":" + std::to_string(line);
  if (result == VK_ERROR_DEVICE_LOST)
    message += " (the GPU device was lost: a driver crash, a GPU reset or a shader that ran too "
               "long; the renderer cannot continue and must be restarted)";
  else if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
    message += " (out of memory: try a smaller capture resolution or fewer live textures)";
  throw VulkanError(std::move(message), result);
}

}  // namespace unitscope::render
