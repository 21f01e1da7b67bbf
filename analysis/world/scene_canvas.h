// SceneWorld's rasteriser: span fills of polygons and ellipses into RGB and label planes at once.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace unitscope::analysis {

struct Rgb {
  float r = 0, g = 0, b = 0;
};
inline Rgb operator*(Rgb c, float s) { return {c.r * s, c.g * s, c.b * s}; }
inline Rgb lerp(Rgb a, Rgb b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

struct Vec2 {
  float x = 0, y = 0;
};

// Label planes drawn together with the colours; every fill writes all of them.
enum LabelPlane : std::uint8_t {
  kObjectPlane,
  kPartPlane,
  kSubpartPlane,
  kMaterialPlane,
  kTexturePlane,
  kLabelPlaneCount
};

// How a fill mixes color and color2. The first seven are the world_texture patterns (labelled);
// brick and planks are material looks that carry no texture label.
enum class Fill : std::uint8_t {
  kStriped,
  kDotted,
  kChequered,
  kZigzagged,
  kGrid,
  kCrosshatched,
  kWavy,
  kBrick,
  kPlanks,
  kSolid
};

struct Paint {
  Rgb color;         // at the top of the shape
  Rgb color_bottom;  // at the bottom; colours are lerped down the shape's height
  Rgb color2;        // the pattern's second colour
  Fill fill = Fill::kSolid;
  float period = 6;                             // pattern period in pixels
  float dir_x = 1, dir_y = 0;                   // unit direction for stripes
  std::uint16_t labels[kLabelPlaneCount] = {};  // global label numbers, 0 = none

  static Paint solid(Rgb c) {
    Paint p;
    p.color = p.color_bottom = p.color2 = c;
    return p;
  }
};

class Canvas {
 public:
  Canvas(int width, int height);
  void reset(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  // RGB floats in 0..255, interleaved, row-major.
  std::vector<float>& rgb() { return rgb_; }
  const std::vector<float>& rgb() const { return rgb_; }
  std::vector<std::uint16_t>& plane(LabelPlane p) { return planes_[p]; }
  const std::vector<std::uint16_t>& plane(LabelPlane p) const { return planes_[p]; }

  // Even-odd fill of any simple or self-touching polygon; pixel centres inside are painted.
  void fill_polygon(std::span<const Vec2> points, const Paint& paint);
  void fill_ellipse(float cx, float cy, float rx, float ry, const Paint& paint);
  void fill_rect(float x0, float y0, float x1, float y1, const Paint& paint);
  // A quadrilateral band of thickness `width` from a to b.
  void fill_line(Vec2 a, Vec2 b, float width, const Paint& paint);

 private:
  // Paints [x0, x1) of row y; (ox, oy) is the pattern origin, t the colour gradient position.
  void span(int y, int x0, int x1, const Paint& paint, float ox, float oy, float t);

  int width_ = 0, height_ = 0;
  std::vector<float> rgb_;
  std::vector<std::uint16_t> planes_[kLabelPlaneCount];
  std::vector<float> crossings_;
};

}  // namespace unitscope::analysis
