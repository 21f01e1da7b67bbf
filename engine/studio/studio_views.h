// StudioViews: the GPU side of the studio's views: the current frame and unit maps as textures,
// the feature-map atlas, and the offscreen targets the viewport, grid and inspector draw into.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <imgui.h>

#include "engine/studio/studio.h"
#include "engine/studio/unit_grid.h"
#include "render/feature_atlas.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/texture.h"

namespace unitscope::engine {

// Where a view's content sits inside its target, for mapping mouse positions (paint strokes).
struct ViewLayout {
  render::Rect image;       // the (edited) image, in view pixels
  std::optional<render::Rect> original;  // the unedited image beside it, when side by side
  int width = 0, height = 0;  // the view's size
  float screen_x = 0, screen_y = 0;  // where the panel drew the view, in window pixels
};

class StudioViews {
 public:
  StudioViews(const render::Context& context, render::Painter& painter);

  // The view's texture for ImGui::Image, or null before it was first rendered. Stable while the
  // view exists (resizing keeps the id).
  ImTextureID texture(ViewId view) const;
  const ViewLayout& layout(ViewId view) const { return layouts_[int(view)]; }
  void set_screen_origin(ViewId view, float x, float y) {
    layouts_[int(view)].screen_x = x;
    layouts_[int(view)].screen_y = y;
  }

  // The feature grid: which units the cells show, in order (set by the feature-map panel; until
  // then every unit in index order; kBlankCell entries show none), the columns (0: square-ish),
  // and hit-testing in view pixels.
  void set_grid_order(std::vector<int> units, std::uint32_t columns = 0) {
    grid_order_ = std::move(units);
    grid_order_set_ = true;
    grid_style.columns = columns;
  }
  const std::vector<int>& grid_order() const { return grid_order_; }
  std::optional<int> unit_at(float x, float y) const;
  // What the grid texture shows now (it lags set_grid_order by a frame): the units by cell and
  // the cells' layout in view pixels, for drawing over the image.
  const std::vector<int>& shown_order() const { return atlas_order_; }
  std::optional<render::AtlasGrid> shown_grid() const;
  render::AtlasStyle grid_style;

  // Records uploads of the studio's frame and renders every view requested this frame (outside
  // any render pass). Targets are resized to their request, the old images retired into `frame`.
  void record(render::Frame& frame, Studio& studio);
  // Records a read-back of a view rendered this frame (no-op when it was not).
  void read_back(render::Frame& frame, ViewId view, std::function<void(render::CapturedFrame&&)> done);
  // The viewport re-rendered at `extent` into a fresh target, for stills; `done` gets the pixels
  // once the frame finished on the GPU.
  void render_still(render::Frame& frame, Studio& studio, VkExtent2D extent,
                    std::function<void(render::CapturedFrame&&)> done);

 private:
  void upload_frame(render::Frame& frame, Studio& studio);
  void draw_viewport(render::Frame& frame, Studio& studio, render::OffscreenTarget& target, ViewLayout& layout,
                     bool inspector);
  int shown_unit(const Studio& studio) const;
  bool side_by_side(const Studio& studio) const;

  // What a view showed when it was last drawn: an unchanged view keeps its target's pixels
  // instead of being drawn again (lavapipe draws on the same two cores as inference).
  struct Drawn {
    std::uint64_t serial = 0;
    int unit = -3, selected = -3, hovered = -3;
    int width = 0, height = 0;
    std::uint32_t columns = 0;
    const void* dissection = nullptr;
    bool side = false;
    std::vector<int> order;
    bool operator==(const Drawn&) const = default;
  };
  Drawn drawn_key(ViewId view, const Studio& studio) const;

  const render::Context* context_;
  render::Painter* painter_;
  std::array<std::unique_ptr<render::OffscreenTarget>, std::size_t(ViewId::kCount)> targets_;
  std::array<ViewLayout, std::size_t(ViewId::kCount)> layouts_;
  std::array<std::optional<Drawn>, std::size_t(ViewId::kCount)> drawn_;
  render::Texture image_, unedited_, map_;
  std::unique_ptr<render::FeatureAtlas> atlas_;
  std::vector<int> grid_order_;
  bool grid_order_set_ = false;
  std::vector<int> atlas_order_;  // what the atlas holds now
  std::uint32_t atlas_columns_ = 0;  // the columns it was drawn with
  std::uint64_t uploaded_serial_ = 0;
  int map_unit_ = -2;
  std::vector<float> map_values_;
  std::vector<float> blank_;  // a flat map for blank grid cells
  std::vector<std::uint8_t> rgba_;
};

}  // namespace unitscope::engine
