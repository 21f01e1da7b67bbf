#include "render/feature_atlas.h"

#include "render/context.h"
#include "render/renderer.h"
#include "render/vulkan_error.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace unitscope::render {
namespace {

std::uint32_t default_columns(std::uint32_t count) {
  return std::max(1u, std::uint32_t(std::ceil(std::sqrt(double(count)))));
}

}  // namespace

std::uint16_t float_to_half(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const std::uint32_t exponent = (bits >> 23) & 0xffu;
  std::uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) return std::uint16_t(sign | 0x7c00u | (mantissa ? 0x200u : 0u));  // inf / nan
  const int e = int(exponent) - 127 + 15;
  if (e >= 31) return std::uint16_t(sign | 0x7c00u);  // overflow -> inf
  if (e <= 0) {
    if (e < -10) return std::uint16_t(sign);  // underflow -> signed zero
    mantissa |= 0x800000u;
    const int shift = 14 - e;
    std::uint32_t half = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return std::uint16_t(sign | half);
  }
  std::uint32_t half = (std::uint32_t(e) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into the exponent: fine
  return std::uint16_t(sign | half);
}

AtlasGrid AtlasGrid::make(std::uint32_t count, const Rect& area, const AtlasStyle& style) {
  AtlasGrid grid;
  grid.count = count;
  grid.columns = style.columns ? style.columns : default_columns(count);
  grid.rows = std::max(1u, (count + grid.columns - 1) / grid.columns);
  grid.gap_px = style.gap_px;
  grid.area = area;
  return grid;
}

Rect AtlasGrid::cell(std::uint32_t map) const {
  const float w = (area.width - gap_px * float(columns - 1)) / float(columns);
  const float h = (area.height - gap_px * float(rows - 1)) / float(rows);
  return {area.x + float(map % columns) * (w + gap_px), area.y + float(map / columns) * (h + gap_px), w, h};
}

std::optional<std::uint32_t> AtlasGrid::map_at(float x, float y) const {
  if (!area.contains(x, y)) return std::nullopt;
  const float w = (area.width - gap_px * float(columns - 1)) / float(columns);
  const float h = (area.height - gap_px * float(rows - 1)) / float(rows);
  const auto col = std::uint32_t((x - area.x) / (w + gap_px));
  const auto row = std::uint32_t((y - area.y) / (h + gap_px));
  if (col >= columns || row >= rows) return std::nullopt;
  const std::uint32_t map = row * columns + col;
  if (map >= count || !cell(map).contains(x, y)) return std::nullopt;  // in a gap
  return map;
}

FeatureAtlas::FeatureAtlas(const Context& context, std::uint32_t count, std::uint32_t map_width,
                           std::uint32_t map_height, AtlasFormat format)
    : count_(count),
      map_width_(map_width),
      map_height_(map_height),
      atlas_columns_(default_columns(count)),
      format_(format) {
  if (count == 0 || map_width == 0 || map_height == 0)
    throw VulkanError("a feature atlas needs at least one map of at least 1x1 texels");
  const std::uint32_t rows = (count + atlas_columns_ - 1) / atlas_columns_;
  const std::uint32_t width = atlas_columns_ * map_width;
  const std::uint32_t height = rows * map_height;
  if (width > context.limits().maxImageDimension2D || height > context.limits().maxImageDimension2D)
    throw VulkanError(std::to_string(count) + " maps of " + std::to_string(map_width) + "x" +
                      std::to_string(map_height) + " need a " + std::to_string(width) + "x" +
                      std::to_string(height) + " atlas, above this GPU's limit of " +
                      std::to_string(context.limits().maxImageDimension2D));
  texture_ = Texture(context, TextureDesc{width, height,
                                          format == AtlasFormat::kFloat32 ? VK_FORMAT_R32_SFLOAT : VK_FORMAT_R16_SFLOAT,
                                          VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT});
  values_.assign(std::size_t(width) * height, 0.0f);
  if (format == AtlasFormat::kFloat16) half_.assign(values_.size(), 0);
  ranges_.assign(std::size_t(count) * 2, 0.0f);
  for (std::uint32_t i = 0; i < count; ++i) ranges_[2 * i + 1] = 1.0f;
}

void FeatureAtlas::set_map(std::uint32_t map, std::span<const float> values) {
  assert(map < count_ && values.size() == std::size_t(map_width_) * map_height_);
  const std::size_t stride = std::size_t(atlas_columns_) * map_width_;
  const std::size_t x0 = std::size_t(map % atlas_columns_) * map_width_;
  const std::size_t y0 = std::size_t(map / atlas_columns_) * map_height_;
  for (std::uint32_t y = 0; y < map_height_; ++y)
    std::copy_n(values.data() + std::size_t(y) * map_width_, map_width_, values_.data() + (y0 + y) * stride + x0);
  dirty_ = true;
}

void FeatureAtlas::set_range(std::uint32_t map, float lo, float hi) {
  assert(map < count_);
  ranges_[2 * map] = lo;
  ranges_[2 * map + 1] = hi;
}

void FeatureAtlas::normalize_each() {
  const std::size_t stride = std::size_t(atlas_columns_) * map_width_;
  for (std::uint32_t map = 0; map < count_; ++map) {
    const std::size_t x0 = std::size_t(map % atlas_columns_) * map_width_;
    const std::size_t y0 = std::size_t(map / atlas_columns_) * map_height_;
    float lo = values_[y0 * stride + x0];
    float hi = lo;
    for (std::uint32_t y = 0; y < map_height_; ++y) {
      const float* row = values_.data() + (y0 + y) * stride + x0;
      for (std::uint32_t x = 0; x < map_width_; ++x) {
        lo = std::min(lo, row[x]);
        hi = std::max(hi, row[x]);
      }
    }
    set_range(map, lo, hi);
  }
}

void FeatureAtlas::upload(Frame& frame) {
  if (!dirty_) return;
  if (format_ == AtlasFormat::kFloat16) {
    std::transform(values_.begin(), values_.end(), half_.begin(), float_to_half);
    frame.upload(texture_, half_.data());
  } else {
    frame.upload(texture_, values_.data());
  }
  dirty_ = false;
}

}  // namespace unitscope::render
