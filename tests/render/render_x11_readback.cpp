// What the X server shows in a GLFW window, for the windowed test: reads presented pixels back.
// Kept apart from the tests because Xlib's global `Window` clashes with render::Window.
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <array>

struct GLFWwindow;

// From glfw3native.h, which cannot be included here: it pulls in Xrandr headers we do not have.
extern "C" Display* glfwGetX11Display(void);
extern "C" Window glfwGetX11Window(GLFWwindow* window);

namespace unitscope::test {

std::array<int, 3> x11_window_pixel(GLFWwindow* window, int x, int y) {
  XImage* image = XGetImage(glfwGetX11Display(), glfwGetX11Window(window), x, y, 1, 1, AllPlanes, ZPixmap);
  if (!image) return {-1, -1, -1};
  const unsigned long p = XGetPixel(image, 0, 0);
  XDestroyImage(image);
  return {int((p >> 16) & 0xff), int((p >> 8) & 0xff), int(p & 0xff)};
}

}  // namespace unitscope::test
