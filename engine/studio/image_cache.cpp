#include "engine/studio/image_cache.h"

#include <cassert>
#include <utility>
#include <vector>

#include "render/imgui_renderer.h"
#include "render/renderer.h"
#include "render/texture.h"

namespace unitscope::engine {

namespace {
// Frames a texture survives without being asked for (a panel collapsed, an exemplar replaced).
constexpr std::uint64_t kUnusedFrames = 120;
}  // namespace

struct ImageCache::Entry {
  std::unique_ptr<render::Texture> texture;
  std::vector<std::unique_ptr<render::Texture>> replaced;  // retired at the next record
  std::vector<std::uint8_t> rgba;  // pending upload; empty once uploaded
  std::uint64_t version = 0;
  std::uint64_t last_used = 0;
};

ImageCache::ImageCache(const render::Context& context) : context_(&context) {}
ImageCache::~ImageCache() = default;

ImTextureID ImageCache::texture(const std::string& key, std::uint64_t version, const analysis::Image& image) {
  assert(!image.empty() && (image.channels == 3 || image.channels == 4));
  auto& slot = entries_[key];
  if (!slot) slot = std::make_unique<Entry>();
  Entry& e = *slot;
  e.last_used = frame_;
  const bool same_size = e.texture && int(e.texture->width()) == image.width && int(e.texture->height()) == image.height;
  if (e.texture && same_size && e.version == version) return render::ImGuiRenderer::texture_id(*e.texture);
  if (!same_size) {
    if (e.texture) e.replaced.push_back(std::move(e.texture));
    e.texture = std::make_unique<render::Texture>(
        *context_, render::TextureDesc{std::uint32_t(image.width), std::uint32_t(image.height)});
  }
  e.version = version;
  const std::size_t n = std::size_t(image.width) * image.height;
  e.rgba.resize(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = image.pixels.data() + i * std::size_t(image.channels);
    e.rgba[i * 4 + 0] = p[0];
    e.rgba[i * 4 + 1] = p[1];
    e.rgba[i * 4 + 2] = p[2];
    e.rgba[i * 4 + 3] = image.channels == 4 ? p[3] : 255;
  }
  return render::ImGuiRenderer::texture_id(*e.texture);
}

void ImageCache::show(const std::string& key, std::uint64_t version, const analysis::Image& image, ImVec2 size) {
  if (image.empty()) return;
  if (size.x <= 0 || size.y <= 0) size = ImVec2(float(image.width), float(image.height));
  ImGui::Image(texture(key, version, image), size);
}

void ImageCache::record_uploads(render::Frame& frame) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = *it->second;
    for (auto& old : e.replaced) frame.retire(std::move(*old));
    e.replaced.clear();
    if (frame_ - e.last_used > kUnusedFrames) {
      if (e.texture) frame.retire(std::move(*e.texture));
      it = entries_.erase(it);
      continue;
    }
    if (!e.rgba.empty()) {
      frame.upload(*e.texture, e.rgba.data());
      e.rgba.clear();
    }
    ++it;
  }
  ++frame_;
}

}  // namespace unitscope::engine
