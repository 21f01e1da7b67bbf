#include "analysis/world/scene_canvas.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace unitscope::analysis {

namespace {

inline float frac(float v) { return v - std::floor(v); }

// 1 where the pattern shows color2 at pattern coordinates (px, py).
inline bool pattern_at(Fill fill, float px, float py, const Paint& p) {
  const float period = p.period;
  const float inv = 1.0f / period;
  switch (fill) {
    case Fill::kStriped:
      return frac((px * p.dir_x + py * p.dir_y) * inv) < 0.5f;
    case Fill::kDotted: {
      float dx = frac(px * inv) - 0.5f, dy = frac(py * inv) - 0.5f;
      return dx * dx + dy * dy < 0.09f;
    }
    case Fill::kChequered:
      return ((int(std::floor(px * inv)) + int(std::floor(py * inv))) & 1) != 0;
    case Fill::kZigzagged: {
      float tri = std::fabs(frac(px * inv) - 0.5f) * period;
      return frac((py + tri) * inv) < 0.5f;
    }
    case Fill::kGrid:
      return frac(px * inv) < 0.22f || frac(py * inv) < 0.22f;
    case Fill::kCrosshatched:
      return frac((px + py) * inv) < 0.25f || frac((px - py) * inv) < 0.25f;
    case Fill::kWavy: {
      float v = py + 0.3f * period * std::sin(px * inv * 3.14159265f);
      return frac(v * inv) < 0.5f;
    }
    case Fill::kBrick: {
      float half = period * 0.5f;
      float row = std::floor(py / half);
      float shift = (int(row) & 1) ? half : 0.0f;
      return frac(py / half) < 0.2f || frac((px + shift) * inv) < 0.1f;
    }
    case Fill::kPlanks:
      return frac(py * inv) < 0.15f;
    case Fill::kSolid:
      return false;
  }
  return false;
}

}  // namespace

Canvas::Canvas(int width, int height) { reset(width, height); }

void Canvas::reset(int width, int height) {
  assert(width > 0 && height > 0);
  width_ = width;
  height_ = height;
  std::size_t n = std::size_t(width) * height;
  rgb_.assign(n * 3, 0.0f);
  for (auto& p : planes_) p.assign(n, 0);
}

void Canvas::span(int y, int x0, int x1, const Paint& paint, float ox, float oy, float t) {
  x0 = std::max(x0, 0);
  x1 = std::min(x1, width_);
  if (x0 >= x1 || y < 0 || y >= height_) return;
  const Rgb c = lerp(paint.color, paint.color_bottom, t);
  const std::size_t row = std::size_t(y) * width_;
  float* out = rgb_.data() + (row + x0) * 3;
  if (paint.fill == Fill::kSolid) {
    for (int x = x0; x < x1; ++x, out += 3) {
      out[0] = c.r;
      out[1] = c.g;
      out[2] = c.b;
    }
  } else {
    const Rgb c2 = paint.color2;
    const float py = float(y) + 0.5f - oy;
    for (int x = x0; x < x1; ++x, out += 3) {
      const Rgb& v = pattern_at(paint.fill, float(x) + 0.5f - ox, py, paint) ? c2 : c;
      out[0] = v.r;
      out[1] = v.g;
      out[2] = v.b;
    }
  }
  for (int p = 0; p < kLabelPlaneCount; ++p) {
    std::fill(planes_[p].begin() + std::ptrdiff_t(row + x0),
              planes_[p].begin() + std::ptrdiff_t(row + x1), paint.labels[p]);
  }
}

void Canvas::fill_polygon(std::span<const Vec2> points, const Paint& paint) {
  if (points.size() < 3) return;
  float min_x = points[0].x, min_y = points[0].y, max_y = points[0].y;
  for (const Vec2& p : points) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  const float height = std::max(max_y - min_y, 1e-3f);
  int y_begin = std::max(0, int(std::ceil(min_y - 0.5f)));
  int y_end = std::min(height_, int(std::ceil(max_y - 0.5f)));
  const std::size_t n = points.size();
  for (int y = y_begin; y < y_end; ++y) {
    const float yc = float(y) + 0.5f;
    crossings_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const Vec2& a = points[i];
      const Vec2& b = points[(i + 1) % n];
      if ((a.y <= yc && b.y > yc) || (b.y <= yc && a.y > yc)) {
        crossings_.push_back(a.x + (yc - a.y) / (b.y - a.y) * (b.x - a.x));
      }
    }
    std::sort(crossings_.begin(), crossings_.end());
    const float t = std::clamp((yc - min_y) / height, 0.0f, 1.0f);
    for (std::size_t i = 0; i + 1 < crossings_.size(); i += 2) {
      int x0 = int(std::ceil(crossings_[i] - 0.5f));
      int x1 = int(std::ceil(crossings_[i + 1] - 0.5f));
      span(y, x0, x1, paint, min_x, min_y, t);
    }
  }
}

void Canvas::fill_ellipse(float cx, float cy, float rx, float ry, const Paint& paint) {
  if (rx <= 0 || ry <= 0) return;
  int y_begin = std::max(0, int(std::ceil(cy - ry - 0.5f)));
  int y_end = std::min(height_, int(std::ceil(cy + ry - 0.5f)));
  for (int y = y_begin; y < y_end; ++y) {
    const float dy = (float(y) + 0.5f - cy) / ry;
    const float q = 1.0f - dy * dy;
    if (q <= 0) continue;
    const float half = rx * std::sqrt(q);
    int x0 = int(std::ceil(cx - half - 0.5f));
    int x1 = int(std::ceil(cx + half - 0.5f));
    span(y, x0, x1, paint, cx - rx, cy - ry, std::clamp((dy + 1.0f) * 0.5f, 0.0f, 1.0f));
  }
}

void Canvas::fill_rect(float x0, float y0, float x1, float y1, const Paint& paint) {
  const Vec2 quad[4] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
  fill_polygon(quad, paint);
}

void Canvas::fill_line(Vec2 a, Vec2 b, float width, const Paint& paint) {
  float dx = b.x - a.x, dy = b.y - a.y;
  float len = std::sqrt(dx * dx + dy * dy);
  if (len <= 0) return;
  float nx = -dy / len * width * 0.5f, ny = dx / len * width * 0.5f;
  const Vec2 quad[4] = {
      {a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}};
  fill_polygon(quad, paint);
}

}  // namespace unitscope::analysis
