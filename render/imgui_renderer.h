// ImGuiRenderer: draws Dear ImGui draw data with our pipeline, frame slots and textures.
#pragma once

#include "render/pipeline.h"
#include "render/texture.h"

#include <imgui.h>
#include <vulkan/vulkan.h>

namespace unitscope::render {

class Context;
class Frame;

// ImGui 1.86's Vulkan backend ignores ImTextureID, so this renderer replaces it: ImTextureID is a
// `const Texture*`, bound through a descriptor set allocated from the frame. Vertices and indices
// go into the frame's arena, so nothing is shared between frames in flight.
// Needs a current ImGui context at construction (it builds and uploads the font atlas). A texture
// shown through texture_id() must outlive the frames that draw it (retire it, don't destroy it).
class ImGuiRenderer {
 public:
  ImGuiRenderer(const Context& context, VkFormat color_format);
  ~ImGuiRenderer();
  ImGuiRenderer(const ImGuiRenderer&) = delete;
  ImGuiRenderer& operator=(const ImGuiRenderer&) = delete;

  static ImTextureID texture_id(const Texture& texture) {
    return reinterpret_cast<ImTextureID>(const_cast<Texture*>(&texture));
  }
  // Records the draw commands; call inside the target's rendering (after the scene passes).
  void draw(Frame& frame, VkExtent2D target, const ImDrawData* data);

  const Texture& font_texture() const { return font_; }

 private:
  const Context* context_;
  Pipeline pipeline_;
  Sampler sampler_;
  Texture font_;
};

}  // namespace unitscope::render
