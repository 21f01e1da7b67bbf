#include "render_gpu_fixture.h"

#include "test_paths.h"

#include <doctest/doctest.h>
#include <stb/stb_image.h>

#include <dlfcn.h>
#include <link.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace unitscope::test {

namespace {

// The loader unloads the driver and layer at vkDestroyInstance, so LeakSanitizer would report
// Mesa's own leaks (shader compilation) from "<unknown module>", which no suppression can match.
// Pinning them keeps their names in the stacks, so tests/lsan.supp can name them.
void pin_vulkan_modules() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void*) {
        const char* name = info->dlpi_name;
        if (name && (std::strstr(name, "libvulkan_") || std::strstr(name, "libVkLayer_")))
          dlopen(name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
        return 0;
      },
      nullptr);
}

// Tests that make a Context of their own, or whose Context fails halfway, never reach the pin
// above: the driver and the validation layer are loaded for good when the test program starts.
// (The loader opens them by full path later; the dynamic linker hands back these copies.)
[[maybe_unused]] const bool kVulkanModulesPinned = [] {
  for (const char* name : {"libvulkan_lvp.so", "libVkLayer_khronos_validation.so"}) {
    dlopen(name, RTLD_NOW | RTLD_NODELETE);
  }
  return true;
}();

}  // namespace

GpuFixture::GpuFixture(render::ContextOptions options) {
  options.validation = render::Validation::kRequired;
  options.sync_validation = true;
  options.on_message = [this](const render::ValidationMessage& message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(message.text);
  };
  context_ = std::make_unique<render::Context>(std::move(options));
  pin_vulkan_modules();
}

GpuFixture::~GpuFixture() {
  context_.reset();
  const std::vector<std::string> reported = messages();
  for (const std::string& m : reported) DOCTEST_FAIL_CHECK("validation layer: " << m);
  DOCTEST_CHECK_MESSAGE(reported.empty(), reported.size() << " validation message(s)");
}

std::vector<std::string> GpuFixture::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

render::CapturedFrame render_frame(render::Renderer& renderer, render::OffscreenTarget& target,
                                   const std::function<void(render::Frame&)>& upload,
                                   const std::function<void(render::Frame&)>& draw, std::array<float, 4> clear) {
  render::Frame& frame = renderer.begin_frame();
  if (upload) upload(frame);
  target.begin(frame.cmd(), clear);
  if (draw) draw(frame);
  target.end(frame.cmd());
  render::CapturedFrame captured;
  target.read_back(frame, [&](render::CapturedFrame&& f) { captured = std::move(f); });
  renderer.end_frame();
  renderer.wait_idle();
  return captured;
}

namespace {

render::CapturedFrame as_frame(std::uint32_t w, std::uint32_t h, std::vector<std::uint8_t> rgba) {
  render::CapturedFrame f;
  f.width = w;
  f.height = h;
  f.rgba = std::move(rgba);
  return f;
}

}  // namespace

bool images_match(const std::string& name, const render::CapturedFrame& actual,
                  const std::vector<std::uint8_t>& expected, int max_tolerance, double mean_tolerance,
                  ImageDifference* difference) {
  if (actual.rgba.size() != expected.size()) {
    DOCTEST_MESSAGE(name << ": size " << actual.rgba.size() << " != expected " << expected.size());
    return false;
  }
  ImageDifference d;
  std::vector<std::uint8_t> diff(expected.size(), 255);
  double total = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const int e = std::abs(int(actual.rgba[i]) - int(expected[i]));
    d.max_error = std::max(d.max_error, e);
    total += e;
    if (i % 4 != 3) diff[i] = std::uint8_t(std::min(255, e * 4));
  }
  d.mean_error = expected.empty() ? 0.0 : total / double(expected.size());
  if (difference) *difference = d;
  if (d.max_error <= max_tolerance && d.mean_error <= mean_tolerance) return true;
  const auto dir = scratch_dir(name);
  render::write_png(dir / "actual.png", actual);
  render::write_png(dir / "expected.png", as_frame(actual.width, actual.height, expected));
  render::write_png(dir / "diff.png", as_frame(actual.width, actual.height, diff));
  DOCTEST_MESSAGE(name << ": max error " << d.max_error << " (tolerance " << max_tolerance << "), mean "
                       << d.mean_error << " (tolerance " << mean_tolerance << "); images in " << dir.string());
  return false;
}

bool matches_golden(const std::string& name, const render::CapturedFrame& actual, int max_tolerance,
                    double mean_tolerance) {
  const auto path = source_dir() / "tests" / "golden" / (name + ".png");
  const char* update = std::getenv("UNITSCOPE_UPDATE_GOLDEN");
  if (update && update[0] == '1') {
    std::filesystem::create_directories(path.parent_path());
    render::write_png(path, actual);
    return true;
  }
  int w = 0, h = 0, channels = 0;
  stbi_uc* data = stbi_load(path.string().c_str(), &w, &h, &channels, 4);
  if (!data) {
    DOCTEST_MESSAGE("missing golden image " << path.string() << " (run with UNITSCOPE_UPDATE_GOLDEN=1)");
    return false;
  }
  std::vector<std::uint8_t> expected(data, data + std::size_t(w) * h * 4);
  stbi_image_free(data);
  if (std::uint32_t(w) != actual.width || std::uint32_t(h) != actual.height) {
    DOCTEST_MESSAGE("golden " << path.string() << " is " << w << "x" << h << ", render is " << actual.width << "x"
                              << actual.height);
    return false;
  }
  return images_match("golden_" + name, actual, expected, max_tolerance, mean_tolerance);
}

std::array<int, 4> pixel(const render::CapturedFrame& frame, std::uint32_t x, std::uint32_t y) {
  if (x >= frame.width || y >= frame.height) throw std::out_of_range("pixel outside the frame");
  const std::uint8_t* p = frame.rgba.data() + (std::size_t(y) * frame.width + x) * 4;
  return {p[0], p[1], p[2], p[3]};
}

bool near_rgb(const std::array<int, 4>& actual, const std::array<float, 3>& expected, int tolerance) {
  for (int c = 0; c < 3; ++c)
    if (std::abs(actual[c] - int(std::lround(expected[c] * 255.0f))) > tolerance) return false;
  return true;
}

void transfer_to_host_barrier(VkCommandBuffer cmd) {
  VkMemoryBarrier2 to_host{VK_STRUCTURE_TYPE_MEMORY_BARRIER_2};
  to_host.srcStageMask = VK_PIPELINE_STAGE_2_ALL_TRANSFER_BIT;
  to_host.srcAccessMask = VK_ACCESS_2_TRANSFER_WRITE_BIT;
  to_host.dstStageMask = VK_PIPELINE_STAGE_2_HOST_BIT;
  to_host.dstAccessMask = VK_ACCESS_2_HOST_READ_BIT;
  VkDependencyInfo dep{VK_STRUCTURE_TYPE_DEPENDENCY_INFO};
  dep.memoryBarrierCount = 1;
  dep.pMemoryBarriers = &to_host;
  vkCmdPipelineBarrier2(cmd, &dep);
}

}  // namespace unitscope::test
