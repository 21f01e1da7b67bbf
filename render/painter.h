// Painter: the draw passes of render/: images, the feature-map grid, mask and heat-map overlays,
// and comparison views. Call its draws between OffscreenTarget::begin() and end().
#pragma once

#include "render/colormap.h"
#include "render/feature_atlas.h"
#include "render/pipeline.h"
#include "render/rect.h"
#include "render/texture.h"

#include <array>

namespace unitscope::render {

class Context;
class Frame;

struct ImageStyle {
  gpu::vec4 uv_rect = kFullUv;
  std::array<float, 4> tint{1.0f, 1.0f, 1.0f, 1.0f};
  bool nearest = false;  // magnify with nearest texels instead of bilinear
};

// Network dissection's look: the map (any size) is bilinearly upsampled over the image.
struct OverlayStyle {
  enum class Mode { kMask, kHeatmap };
  Mode mode = Mode::kMask;
  float threshold = 0.5f;
  float dim = 0.45f;          // brightness outside the mask (1 = unchanged)
  float desaturate = 0.8f;    // 0 keeps colour outside, 1 makes it grey
  std::array<float, 4> tint{1.0f, 0.85f, 0.2f, 0.0f};  // rgb + strength inside
  std::array<float, 3> outline_color{1.0f, 0.85f, 0.2f};
  float outline_px = 2.0f;    // 0: no outline
  float heat_lo = 0.0f;       // heat-map mode: value range mapped to the colormap
  float heat_hi = 1.0f;
  float heat_alpha = 0.5f;
  Colormap colormap = Colormap::kInferno;
};

struct DifferenceStyle {
  float gain = 1.0f;  // |b - a| of 1/gain saturates the colormap
  Colormap colormap = Colormap::kDiverging;
};

// Owns the pipelines (for one colour format), samplers and the colormap LUT. Draws allocate their
// descriptor sets and per-draw data from the frame, so nothing here changes per frame.
class Painter {
 public:
  Painter(const Context& context, VkFormat color_format);

  void image(Frame& frame, VkExtent2D target, const Texture& texture, const Rect& rect,
             const ImageStyle& style = {});
  void atlas(Frame& frame, VkExtent2D target, const FeatureAtlas& atlas, const Rect& rect,
             const AtlasStyle& style = {});
  void overlay(Frame& frame, VkExtent2D target, const Texture& image, const Texture& map, const Rect& rect,
               const OverlayStyle& style = {});
  void difference(Frame& frame, VkExtent2D target, const Texture& a, const Texture& b, const Rect& rect,
                  const DifferenceStyle& style = {});
  // Two images in the two halves of `rect`, each letterboxed to keep its aspect ratio.
  void side_by_side(Frame& frame, VkExtent2D target, const Texture& a, const Texture& b, const Rect& rect,
                    float gap_px = 4.0f);

  const Texture& colormap_texture() const { return colormaps_.texture(); }
  const Sampler& linear_sampler() const { return linear_; }

 private:
  const Context* context_;
  ColormapTexture colormaps_;
  Sampler linear_;
  Sampler nearest_;
  Pipeline image_;
  Pipeline atlas_;
  Pipeline overlay_;
  Pipeline difference_;
};

// The largest rect with the texture's aspect ratio, centred in `area`.
Rect letterbox(const Rect& area, std::uint32_t width, std::uint32_t height);

}  // namespace unitscope::render
