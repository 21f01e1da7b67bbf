#include "render/window.h"

#include "render/vulkan_error.h"

#include <algorithm>
#include <atomic>

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>

namespace unitscope::render {
namespace {

int g_windows = 0;
// Atomic because wake() may be called from worker threads.
std::atomic<bool> g_initialised{false};

void ensure_glfw() {
  if (g_initialised) return;
  glfwSetErrorCallback(nullptr);
  if (!glfwInit())
    throw VulkanError("cannot initialise GLFW: no display? (set DISPLAY, or run under xvfb-run)");
  if (!glfwVulkanSupported()) {
    glfwTerminate();
    throw VulkanError("GLFW finds no Vulkan loader with surface support");
  }
  g_initialised = true;
}

}  // namespace

Window::Window(const std::string& title, int width, int height) {
  ensure_glfw();
  glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
  glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE);
  window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (!window_) {
    const char* why = nullptr;
    glfwGetError(&why);
    throw VulkanError(std::string("cannot create a window: ") + (why ? why : "unknown GLFW error"));
  }
  ++g_windows;
  glfwSetWindowUserPointer(window_, this);
  glfwSetCursorPosCallback(window_, [](GLFWwindow* w, double, double) { count_event(w); });
  glfwSetMouseButtonCallback(window_, [](GLFWwindow* w, int, int, int) { count_event(w); });
  glfwSetScrollCallback(window_, [](GLFWwindow* w, double, double) { count_event(w); });
  glfwSetKeyCallback(window_, [](GLFWwindow* w, int, int, int, int) { count_event(w); });
  glfwSetCharCallback(window_, [](GLFWwindow* w, unsigned) { count_event(w); });
  glfwSetCursorEnterCallback(window_, [](GLFWwindow* w, int) { count_event(w); });
  glfwSetWindowFocusCallback(window_, [](GLFWwindow* w, int) { count_event(w); });
  glfwSetWindowIconifyCallback(window_, [](GLFWwindow* w, int) { count_event(w); });
  glfwSetFramebufferSizeCallback(window_, [](GLFWwindow* w, int, int) { count_event(w); });
  glfwSetWindowRefreshCallback(window_, [](GLFWwindow* w) { count_event(w); });
  glfwSetWindowCloseCallback(window_, [](GLFWwindow* w) { count_event(w); });
}

void Window::count_event(GLFWwindow* window) {
  if (auto* self = static_cast<Window*>(glfwGetWindowUserPointer(window))) ++self->events_;
}

Window::~Window() {
  glfwDestroyWindow(window_);
  if (--g_windows == 0 && g_initialised) {
    glfwTerminate();
    g_initialised = false;
  }
}

VkExtent2D Window::framebuffer_extent() const {
  if (iconified()) return {0, 0};
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return {std::uint32_t(std::max(w, 0)), std::uint32_t(std::max(h, 0))};
}

bool Window::iconified() const { return glfwGetWindowAttrib(window_, GLFW_ICONIFIED) == GLFW_TRUE; }
bool Window::focused() const { return glfwGetWindowAttrib(window_, GLFW_FOCUSED) == GLFW_TRUE; }
bool Window::should_close() const { return glfwWindowShouldClose(window_) == GLFW_TRUE; }
void Window::request_close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }
void Window::set_size(int width, int height) { glfwSetWindowSize(window_, width, height); }
void Window::iconify() { glfwIconifyWindow(window_); }
void Window::restore() { glfwRestoreWindow(window_); }

VkSurfaceKHR Window::create_surface(VkInstance instance) const {
  VkSurfaceKHR surface = VK_NULL_HANDLE;
  UNITSCOPE_VK_CHECK(glfwCreateWindowSurface(instance, window_, nullptr, &surface));
  return surface;
}

std::vector<std::string> Window::required_instance_extensions() {
  ensure_glfw();
  std::uint32_t count = 0;
  const char** names = glfwGetRequiredInstanceExtensions(&count);
  if (!names) throw VulkanError("GLFW cannot present with Vulkan on this display");
  return std::vector<std::string>(names, names + count);
}

void Window::poll_events() { glfwPollEvents(); }

void Window::wait_events(double timeout_seconds) {
  if (timeout_seconds < 0)
    glfwWaitEvents();
  else if (timeout_seconds > 0)
    glfwWaitEventsTimeout(timeout_seconds);
  else
    glfwPollEvents();
}

void Window::wake() {
  if (g_initialised) glfwPostEmptyEvent();
}

}  // namespace unitscope::render
