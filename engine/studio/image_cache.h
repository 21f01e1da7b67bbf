// ImageCache: CPU images (exemplars, thumbnails) that panels show with ImGui::Image. Each key owns
// one texture, re-uploaded when the caller's version changes and retired when unused.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <imgui.h>

#include "analysis/data/image.h"

namespace unitscope::render {
class Context;
class Frame;
class Texture;
}  // namespace unitscope::render

namespace unitscope::engine {

class ImageCache {
 public:
  explicit ImageCache(const render::Context& context);
  ~ImageCache();
  ImageCache(const ImageCache&) = delete;
  ImageCache& operator=(const ImageCache&) = delete;

  // The texture for `key` holding `image` (RGB or RGBA, any size). When `version` differs from the
  // last call's for this key the pixels are copied and uploaded at the next record_uploads(), which
  // runs before ImGui draws the frame, so the id is valid to draw with at once.
  ImTextureID texture(const std::string& key, std::uint64_t version, const analysis::Image& image);
  // Shorthand: ImGui::Image of the cached texture at `size` (0: the image's own size).
  void show(const std::string& key, std::uint64_t version, const analysis::Image& image,
            ImVec2 size = ImVec2(0, 0));

  // Render thread, once per frame before the ImGui pass: records pending uploads, and retires the
  // textures no panel asked for during the last few frames.
  void record_uploads(render::Frame& frame);

 private:
  struct Entry;
  const render::Context* context_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  std::uint64_t frame_ = 0;
};

}  // namespace unitscope::engine
