// Where the studio's nine panels go: the default layout for a window size, fitting a layout made
// for one size into another, and the frame-by-frame decision between the default and the user's.
// Pure geometry without ImGui, so it is tested (and sanitized) without a window.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

namespace unitscope::engine {

// A rectangle in ImGui's display coordinates: pixels from the window's top-left corner.
struct LayoutRect {
  float x = 0, y = 0, w = 0, h = 0;
  float right() const { return x + w; }
  float bottom() const { return y + h; }
  bool operator==(const LayoutRect&) const = default;
};

// Indexes PanelRects and panel_titles(), in the order the studio draws its panels.
enum class PanelId {
  kSource,
  kModel,
  kToggles,
  kViewport,
  kFeatureMaps,
  kInspector,
  kDissection,
  kAblation,
  kRecord
};
inline constexpr std::size_t kPanelCount = 9;
using PanelRects = std::array<LayoutRect, kPanelCount>;
// Per panel: its rectangle, where one is known (a window that exists or is saved in imgui.ini).
using KnownRects = std::array<std::optional<LayoutRect>, kPanelCount>;

// The windows' titles, which ImGui (and imgui.ini) knows them by.
const std::array<const char*, kPanelCount>& panel_titles();

// The display below the main menu bar: what the panels share.
LayoutRect work_area(float display_width, float display_height, float menu_bar_height);

// Tiles `area` without gaps or overlaps, edges on whole pixels: a settings column on the left,
// viewport and feature maps above, inspector, dissection, ablation and record below. The columns
// keep their minimum widths from 1024x640 up; below that the minimums shrink in proportion.
PanelRects default_layout(const LayoutRect& area);

// Maps a layout made for `from` into `to`: per axis one increasing affine map, taking the span of
// `from` and every panel onto `to`. Every panel ends up inside `to`, panels that did not overlap
// still don't, and from == to with every panel inside is the identity. Edges land on whole pixels.
PanelRects fit_layout(const PanelRects& rects, const LayoutRect& from, const LayoutRect& to);

// With `tolerance` pixels of slack, for rounding.
bool contains(const LayoutRect& outer, const LayoutRect& inner, float tolerance = 0.5f);
bool overlaps(const LayoutRect& a, const LayoutRect& b, float tolerance = 0.5f);
bool nearly_equal(const LayoutRect& a, const LayoutRect& b, float tolerance = 0.5f);

// What imgui.ini keeps about its window rectangles besides them: whether the user made the layout,
// and the display size they were saved at.
struct SavedLayout {
  bool customised = false;
  int display_width = 0, display_height = 0;
};

// Decides each frame where the panels go. The default layout follows the window until the user
// moves or resizes a panel; from then on the layout is theirs, kept as it is and fitted again
// (fit_layout from where they made it) whenever the window's size changes, until reset().
class LayoutKeeper {
 public:
  // Once, before the first arrange(): the rectangles ImGui restored (imgui.ini) and what was saved
  // with them. A layout with no restored rectangle at all is the default, whatever `saved` says.
  void start(const KnownRects& restored, const SavedLayout& saved);
  bool started() const { return started_; }
  // Before the panels each frame: where to place them now, or nullopt to leave them where they are
  // (the same area as last time). An empty area (a minimised window) changes nothing.
  std::optional<PanelRects> arrange(const LayoutRect& area);
  // After the panels: their rectangles as drawn. A panel away from where it was placed was moved or
  // resized by the user, and the layout becomes theirs.
  void observe(const KnownRects& drawn);
  // The next arrange() places the default layout, which is no longer the user's.
  void reset() { reset_ = true; }

  bool customised() const { return customised_; }
  // The area the panels were last placed in; empty before the first arrange().
  LayoutRect area() const { return area_.value_or(LayoutRect{}); }
  SavedLayout saved() const;

 private:
  std::optional<PanelRects> place(const PanelRects& rects, const LayoutRect& area);

  bool started_ = false;
  bool reset_ = false;
  bool customised_ = false;
  KnownRects restored_{};
  SavedLayout restored_with_{};
  std::optional<LayoutRect> area_;
  PanelRects placed_{};
  // The user's layout as they left it, and the area they made it in: every fit starts from these,
  // so resizing back and forth does not wear the layout down by rounding.
  PanelRects base_{};
  LayoutRect base_area_{};
};

}  // namespace unitscope::engine
