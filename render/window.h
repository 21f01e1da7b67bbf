// Window: a GLFW window without a GL context, for a Vulkan surface; GLFW is initialised on demand.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
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
  // Sleeps until an event arrives, or at most `timeout_seconds` (< 0: no limit), then handles the
  // events. An idle app waits here instead of drawing frames nobody needs.
  static void wait_events(double timeout_seconds);
  // Wakes a wait_events() on the main thread; safe from any thread.
  static void wake();

  bool focused() const;
  // Counts the events this window received (input, resize, focus, iconify, expose): the loop draws
  // a few more frames after each, and nothing once they stop. Callbacks that ImGui's GLFW backend
  // installs later chain to these.
  std::uint64_t event_count() const { return events_; }

 private:
  static void count_event(GLFWwindow* window);

  GLFWwindow* window_ = nullptr;
  std::uint64_t events_ = 0;
};

}  // namespace unitscope::render
