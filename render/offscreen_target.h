// OffscreenTarget: an RGBA8 colour image rendered into without a window, and its read-back.
#pragma once

#include "render/texture.h"

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

namespace unitscope::render {

class Context;
class Frame;

// Tightly packed RGBA8 rows, top row first: what PNG writers and video recorders consume.
struct CapturedFrame {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint64_t frame_number = 0;
  std::vector<std::uint8_t> rgba;
};

// The swapchain path renders into one of these too and blits it to the window, so headless and
// windowed frames are drawn by the same code. Single owner; resize() needs the device idle.
class OffscreenTarget {
 public:
  static constexpr VkFormat kFormat = VK_FORMAT_R8G8B8A8_UNORM;

  OffscreenTarget(const Context& context, VkExtent2D extent);

  VkExtent2D extent() const { return texture_.extent(); }
  Texture& texture() { return texture_; }
  // Retires the old image into `frame` (frames in flight may still use it) and makes a new one.
  void resize(Frame& frame, VkExtent2D extent);

  // Starts dynamic rendering into the target, cleared to `clear` or keeping its contents.
  void begin(VkCommandBuffer cmd, std::optional<std::array<float, 4>> clear);
  void end(VkCommandBuffer cmd);
  // After end(): makes the image sampleable by later passes of the same frame (a view shown
  // inside an ImGui window through ImGuiRenderer::texture_id(target.texture())).
  void prepare_for_sampling(VkCommandBuffer cmd);

  // Records a copy of the target into this frame slot's read-back buffer. `done` runs on the
  // render thread once the frame has finished on the GPU (at a later begin_frame or wait_idle).
  void read_back(Frame& frame, std::function<void(CapturedFrame&&)> done);

 private:
  const Context* context_;
  Texture texture_;
};

// stb PNG writer; throws std::runtime_error naming the file on failure.
void write_png(const std::filesystem::path& path, const CapturedFrame& frame);

}  // namespace unitscope::render
