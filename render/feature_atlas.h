// FeatureAtlas: many single-channel float maps packed in one texture, with per-map value ranges.
#pragma once

#include "render/colormap.h"
#include "render/rect.h"
#include "render/texture.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace unitscope::render {

class Context;
class Frame;

enum class AtlasFormat { kFloat32, kFloat16 };

// How the grid is drawn; hovered/selected are map indices.
struct AtlasStyle {
  std::uint32_t columns = 0;  // 0: ceil(sqrt(count))
  float gap_px = 2.0f;
  float border_px = 2.0f;
  std::optional<std::uint32_t> hovered;
  std::optional<std::uint32_t> selected;
  Colormap colormap = Colormap::kViridis;
  std::array<float, 3> hover_color{1.0f, 1.0f, 1.0f};
  std::array<float, 3> select_color{1.0f, 0.55f, 0.0f};
};

// CPU mirror of the grid layout in atlas.vert: the cell of map i inside `area`, and hit-testing.
struct AtlasGrid {
  std::uint32_t count = 0;
  std::uint32_t columns = 1;
  std::uint32_t rows = 1;
  float gap_px = 0;
  Rect area;

  static AtlasGrid make(std::uint32_t count, const Rect& area, const AtlasStyle& style);
  Rect cell(std::uint32_t map) const;
  std::optional<std::uint32_t> map_at(float x, float y) const;
};

// CPU writes go to a mirror; upload() copies the whole mirror through the frame's staging memory
// when anything changed. Single owner; the texture is retired, not destroyed, on reallocation.
class FeatureAtlas {
 public:
  FeatureAtlas(const Context& context, std::uint32_t count, std::uint32_t map_width, std::uint32_t map_height,
               AtlasFormat format = AtlasFormat::kFloat32);

  std::uint32_t count() const { return count_; }
  std::uint32_t map_width() const { return map_width_; }
  std::uint32_t map_height() const { return map_height_; }
  std::uint32_t atlas_columns() const { return atlas_columns_; }
  const Texture& texture() const { return texture_; }
  std::span<const float> ranges() const { return ranges_; }  // lo, hi per map

  // `values` holds map_width * map_height floats, row-major, top row first.
  void set_map(std::uint32_t map, std::span<const float> values);
  void set_range(std::uint32_t map, float lo, float hi);
  // Sets every map's range to its own min..max (a flat map gets lo == hi and draws colormap(0)).
  void normalize_each();
  // Records the upload if any map changed since the last upload; call before the render pass.
  void upload(Frame& frame);

 private:
  std::uint32_t count_;
  std::uint32_t map_width_;
  std::uint32_t map_height_;
  std::uint32_t atlas_columns_;
  AtlasFormat format_;
  Texture texture_;
  std::vector<float> values_;         // whole atlas, row-major
  std::vector<std::uint16_t> half_;   // upload buffer for kFloat16
  std::vector<float> ranges_;
  bool dirty_ = true;
};

// IEEE binary16 from binary32, round to nearest even (for R16F atlases).
std::uint16_t float_to_half(float value);

}  // namespace unitscope::render
