// Colormaps generated from data (polynomial fits and control points), and their LUT texture.
#pragma once

#include "render/texture.h"

#include "shaders/shared/gpu_types.h"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace unitscope::render {

class Context;

// Values are the rows of the LUT texture (UNITSCOPE_COLORMAP_* in the shaders).
enum class Colormap : std::uint32_t {
  kViridis = UNITSCOPE_COLORMAP_VIRIDIS,
  kMagma = UNITSCOPE_COLORMAP_MAGMA,
  kInferno = UNITSCOPE_COLORMAP_INFERNO,
  kGray = UNITSCOPE_COLORMAP_GRAY,
  kDiverging = UNITSCOPE_COLORMAP_DIVERGING,  // blue - light grey - red, for signed differences
};
inline constexpr std::uint32_t kColormapCount = UNITSCOPE_COLORMAP_COUNT;
inline constexpr std::uint32_t kColormapLutSize = UNITSCOPE_COLORMAP_LUT_SIZE;

std::string_view colormap_name(Colormap map);

// Linear RGB in 0..1 for t in 0..1 (clamped), straight from the fits.
std::array<float, 3> colormap_rgb(Colormap map, float t);
// kColormapLutSize RGBA8 texels per colormap, rows in enum order: the LUT texture's contents.
std::vector<std::uint8_t> colormap_lut();

// The LUT as a kColormapLutSize x kColormapCount RGBA8 texture, uploaded once at creation.
class ColormapTexture {
 public:
  explicit ColormapTexture(const Context& context);
  const Texture& texture() const { return texture_; }

 private:
  Texture texture_;
};

}  // namespace unitscope::render
