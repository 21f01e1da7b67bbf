#include "engine/app/studio_layout.h"

#include <algorithm>
#include <cmath>

namespace unitscope::engine {

namespace {

// The default layout's proportions, from the 1280x720 layout the studio was designed at, and the
// limits that keep every panel's controls usable from 1024x640 to 2560x1440: the settings column
// and the analysis row stop growing where more space would only be empty, leaving it to the views.
constexpr float kSettingsShare = 0.235f, kSettingsMin = 240.0f, kSettingsMax = 420.0f;
constexpr float kBottomShare = 0.40f, kBottomMin = 240.0f, kBottomMax = 480.0f;
// On a window too small for those minimums, the views still get at least this share.
constexpr float kSettingsMaxShare = 0.4f, kBottomMaxShare = 0.5f;
// A panel this far from where it was placed was moved or resized by the user, not by rounding.
constexpr float kMoveTolerance = 1.0f;

// Splits [start, start + total] into parts by weight, none below its minimum while the minimums fit
// (otherwise they shrink in proportion). Returns the parts' edges, on whole pixels.
template <std::size_t N>
std::array<float, N + 1> split(float start, float total, const std::array<float, N>& weights,
                               const std::array<float, N>& minimums) {
  std::array<float, N> size{};
  float min_sum = 0;
  for (float m : minimums) min_sum += m;
  if (min_sum >= total) {
    for (std::size_t i = 0; i < N; ++i)
      size[i] = min_sum > 0 ? minimums[i] * total / min_sum : total / N;
  } else {
    // A part whose share falls below its minimum takes the minimum; the others share what is left,
    // so their shares only shrink and a part once at its minimum stays there.
    std::array<bool, N> at_min{};
    for (bool changed = true; changed;) {
      changed = false;
      float free = total, weight = 0;
      for (std::size_t i = 0; i < N; ++i) {
        if (at_min[i])
          free -= minimums[i];
        else
          weight += weights[i];
      }
      for (std::size_t i = 0; i < N; ++i) {
        if (at_min[i]) continue;
        size[i] = free * weights[i] / weight;
        if (size[i] < minimums[i]) at_min[i] = changed = true;
      }
    }
    for (std::size_t i = 0; i < N; ++i)
      if (at_min[i]) size[i] = minimums[i];
  }
  std::array<float, N + 1> edges{};
  float at = start;
  edges[0] = std::round(start);
  for (std::size_t i = 0; i < N; ++i) edges[i + 1] = std::round(at += size[i]);
  edges[N] = std::round(start + total);
  return edges;
}

LayoutRect between(float x0, float x1, float y0, float y1) { return {x0, y0, x1 - x0, y1 - y0}; }

// One axis of fit_layout: [lo, hi] onto [to_lo, to_hi], onto whole pixels inside the target.
struct AxisMap {
  float lo, hi, to_lo, to_hi;
  float operator()(float v) const {
    const float mapped = hi > lo ? to_lo + (v - lo) * (to_hi - to_lo) / (hi - lo) : to_lo;
    const float first = std::ceil(to_lo);
    return std::clamp(std::round(mapped), first, std::max(first, std::floor(to_hi)));
  }
};

}  // namespace

const std::array<const char*, kPanelCount>& panel_titles() {
  static constexpr std::array<const char*, kPanelCount> kTitles = {
      "Source",         "Model and layer", "Toggles",         "Viewport", "Feature maps",
      "Unit inspector", "Dissection pass", "Ablation curves", "Record",
  };
  return kTitles;
}

LayoutRect work_area(float display_width, float display_height, float menu_bar_height) {
  const float top = std::min(menu_bar_height, display_height);
  return {0.0f, top, std::max(display_width, 0.0f), std::max(display_height - top, 0.0f)};
}

PanelRects default_layout(const LayoutRect& a) {
  const float settings = std::min(std::clamp(kSettingsShare * a.w, kSettingsMin, kSettingsMax),
                                  kSettingsMaxShare * a.w);
  const float bottom =
      std::min(std::clamp(kBottomShare * a.h, kBottomMin, kBottomMax), kBottomMaxShare * a.h);
  const float x1 = std::round(a.x + settings), y1 = std::round(a.bottom() - bottom);
  const float right = std::round(a.right()), top = std::round(a.y), end = std::round(a.bottom());
  // Model and layer gets the most: its layer list and all five Top-5 rows fit at 1280x720 while
  // Source still shows the GAN's six controls.
  const auto column = split<3>(a.y, a.h, {0.27f, 0.39f, 0.34f}, {140.0f, 160.0f, 150.0f});
  const auto views = split<2>(x1, right - x1, {0.53f, 0.47f}, {320.0f, 280.0f});
  const auto row =
      split<4>(x1, right - x1, {0.333f, 0.235f, 0.248f, 0.184f}, {230.0f, 170.0f, 180.0f, 180.0f});
  const float left = std::round(a.x);
  PanelRects r;
  r[std::size_t(PanelId::kSource)] = between(left, x1, column[0], column[1]);
  r[std::size_t(PanelId::kModel)] = between(left, x1, column[1], column[2]);
  r[std::size_t(PanelId::kToggles)] = between(left, x1, column[2], column[3]);
  r[std::size_t(PanelId::kViewport)] = between(views[0], views[1], top, y1);
  r[std::size_t(PanelId::kFeatureMaps)] = between(views[1], views[2], top, y1);
  r[std::size_t(PanelId::kInspector)] = between(row[0], row[1], y1, end);
  r[std::size_t(PanelId::kDissection)] = between(row[1], row[2], y1, end);
  r[std::size_t(PanelId::kAblation)] = between(row[2], row[3], y1, end);
  r[std::size_t(PanelId::kRecord)] = between(row[3], row[4], y1, end);
  return r;
}

PanelRects fit_layout(const PanelRects& rects, const LayoutRect& from, const LayoutRect& to) {
  AxisMap x{from.x, from.right(), to.x, to.right()};
  AxisMap y{from.y, from.bottom(), to.y, to.bottom()};
  for (const LayoutRect& r : rects) {
    x.lo = std::min(x.lo, r.x);
    x.hi = std::max(x.hi, r.x + std::max(r.w, 0.0f));
    y.lo = std::min(y.lo, r.y);
    y.hi = std::max(y.hi, r.y + std::max(r.h, 0.0f));
  }
  PanelRects out;
  for (std::size_t i = 0; i < kPanelCount; ++i) {
    const LayoutRect& r = rects[i];
    out[i] = between(x(r.x), x(r.x + std::max(r.w, 0.0f)), y(r.y), y(r.y + std::max(r.h, 0.0f)));
  }
  return out;
}

bool contains(const LayoutRect& outer, const LayoutRect& inner, float tolerance) {
  return inner.x >= outer.x - tolerance && inner.y >= outer.y - tolerance &&
         inner.right() <= outer.right() + tolerance && inner.bottom() <= outer.bottom() + tolerance;
}

bool overlaps(const LayoutRect& a, const LayoutRect& b, float tolerance) {
  return std::min(a.right(), b.right()) - std::max(a.x, b.x) > tolerance &&
         std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y) > tolerance;
}

bool nearly_equal(const LayoutRect& a, const LayoutRect& b, float tolerance) {
  return std::abs(a.x - b.x) <= tolerance && std::abs(a.y - b.y) <= tolerance &&
         std::abs(a.w - b.w) <= tolerance && std::abs(a.h - b.h) <= tolerance;
}

void LayoutKeeper::start(const KnownRects& restored, const SavedLayout& saved) {
  started_ = true;
  restored_ = restored;
  restored_with_ = saved;
}

std::optional<PanelRects> LayoutKeeper::arrange(const LayoutRect& area) {
  if (area.w <= 0 || area.h <= 0) return std::nullopt;
  if (reset_) {
    reset_ = false;
    customised_ = false;
    return place(default_layout(area), area);
  }
  if (area_) {
    if (*area_ == area) return std::nullopt;
    return place(customised_ ? fit_layout(base_, base_area_, area) : default_layout(area), area);
  }
  // The first frame: the user's layout from imgui.ini, fitted from the display it was saved at
  // (a bigger window's, or one a panel was left hanging out of), else the default.
  const bool any_restored =
      std::any_of(restored_.begin(), restored_.end(), [](const auto& r) { return r.has_value(); });
  customised_ = restored_with_.customised && any_restored;
  if (!customised_) return place(default_layout(area), area);
  const SavedLayout& s = restored_with_;
  base_area_ = s.display_width > 0 && s.display_height > 0
                   ? work_area(float(s.display_width), float(s.display_height), area.y)
                   : area;
  const PanelRects fallback = default_layout(base_area_);
  for (std::size_t i = 0; i < kPanelCount; ++i) base_[i] = restored_[i].value_or(fallback[i]);
  return place(fit_layout(base_, base_area_, area), area);
}

void LayoutKeeper::observe(const KnownRects& drawn) {
  if (!area_) return;
  bool moved = false;
  for (std::size_t i = 0; i < kPanelCount; ++i)
    moved |= drawn[i] && !nearly_equal(*drawn[i], placed_[i], kMoveTolerance);
  if (!moved) return;
  customised_ = true;
  for (std::size_t i = 0; i < kPanelCount; ++i)
    if (drawn[i]) placed_[i] = *drawn[i];
  base_ = placed_;
  base_area_ = *area_;
}

SavedLayout LayoutKeeper::saved() const {
  if (!area_) return restored_with_;
  return {customised_, int(std::lround(area_->right())), int(std::lround(area_->bottom()))};
}

std::optional<PanelRects> LayoutKeeper::place(const PanelRects& rects, const LayoutRect& area) {
  placed_ = rects;
  area_ = area;
  return rects;
}

}  // namespace unitscope::engine
