// Test support for render_test: a Vulkan context whose validation messages fail the test, one-shot
// offscreen rendering, and image comparison against expected pixels or golden PNGs.
#pragma once

#include "render/context.h"
#include "render/offscreen_target.h"
#include "render/renderer.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace unitscope::test {

// Creates the context with the validation layer required (and synchronization validation on); the
// destructor destroys it and then fails the test if the layer reported anything, including at
// device or instance destruction. Declare GPU objects inside the test body so they die first.
struct GpuFixture {
  GpuFixture() : GpuFixture(render::ContextOptions{}) {}
  // Validation is forced on whatever `options` says; on_message is replaced.
  explicit GpuFixture(render::ContextOptions options);
  ~GpuFixture();
  GpuFixture(const GpuFixture&) = delete;
  GpuFixture& operator=(const GpuFixture&) = delete;

  render::Context& context() { return *context_; }
  std::vector<std::string> messages() const;

  std::unique_ptr<render::Context> context_;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

// Runs one frame into a target of `extent`: `upload` before the pass, `draw` inside it (cleared to
// `clear`), then reads back. Waits for the GPU.
render::CapturedFrame render_frame(render::Renderer& renderer, render::OffscreenTarget& target,
                                   const std::function<void(render::Frame&)>& upload,
                                   const std::function<void(render::Frame&)>& draw,
                                   std::array<float, 4> clear = {0, 0, 0, 1});

struct ImageDifference {
  int max_error = 0;       // largest per-channel difference, 0..255
  double mean_error = 0;   // mean per-channel difference
};

// Compares RGBA8 frames (alpha included). On failure of the tolerances, writes actual.png,
// expected.png and diff.png (|difference| x 4) into scratch_dir(name) and returns false.
bool images_match(const std::string& name, const render::CapturedFrame& actual,
                  const std::vector<std::uint8_t>& expected, int max_tolerance, double mean_tolerance,
                  ImageDifference* difference = nullptr);

// As images_match against tests/golden/<name>.png. With UNITSCOPE_UPDATE_GOLDEN=1 the golden file
// is (re)written from `actual` instead, and the check passes.
bool matches_golden(const std::string& name, const render::CapturedFrame& actual, int max_tolerance,
                    double mean_tolerance);

// Pixel (x, y) of a frame as {r, g, b, a}.
std::array<int, 4> pixel(const render::CapturedFrame& frame, std::uint32_t x, std::uint32_t y);

// |a - b| <= tolerance for every channel of rgb (alpha ignored), with 0..1 floats scaled to 255.
bool near_rgb(const std::array<int, 4>& actual, const std::array<float, 3>& expected, int tolerance);

// Makes transfer writes recorded before it visible to host reads once the submission has finished.
void transfer_to_host_barrier(VkCommandBuffer cmd);

}  // namespace unitscope::test
