// Window: a GLFW window without a GL context, for a Vulkan surface; GLFW is initialised on demand.
#pragma once

#include <vulkan/vulkan.h>

#include <string>
#include <vector>

struct GLFWwindow;

namespace unitscope::render {

// Main thread only (GLFW's rule). The first Window initialises GLFW, the last one terminates it.
class Window {
 public:
  Window(const std::string& title, int width, int height);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  GLFWwindow* handle() const { return window_; }
  // {0, 0} while minimised: callers skip the frame.
  VkExtent2D framebuffer_extent() const;
  bool iconified() const;
  bool should_close() const;
  void request_close();
  void set_size(int width, int height);
  void iconify();
  void restore();
  // The caller (Swapchain) owns the surface.
  VkSurfaceKHR create_surface(VkInstance instance) const;

  // Instance extensions the surface needs; initialises GLFW if needed (throws if no display).
  static std::vector<std::string> required_instance_extensions();
  static void poll_events();

 private:
  GLFWwindow* window_ = nullptr;
};

}  // namespace unitscope::render
