#include "engine/studio/studio_views.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "render/imgui_renderer.h"
#include "render/renderer.h"

namespace unitscope::engine {

namespace {

constexpr std::array<float, 4> kClear{0.06f, 0.06f, 0.07f, 1.0f};
constexpr float kSideGap = 4.0f;

void to_rgba(const analysis::Image& image, std::vector<std::uint8_t>& out) {
  const std::size_t n = std::size_t(image.width) * image.height;
  out.resize(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = image.pixels.data() + i * std::size_t(image.channels);
    const bool grey = image.channels < 3;
    out[i * 4 + 0] = p[0];
    out[i * 4 + 1] = grey ? p[0] : p[1];
    out[i * 4 + 2] = grey ? p[0] : p[2];
    out[i * 4 + 3] = 255;
  }
}

// (Re)creates `texture` when the size or format differs, retiring the old one into the frame.
void ensure_texture(const render::Context& context, render::Frame& frame, render::Texture& texture, int width,
                    int height, VkFormat format) {
  if (texture && int(texture.width()) == width && int(texture.height()) == height && texture.format() == format)
    return;
  if (texture) frame.retire(std::move(texture));
  texture = render::Texture(context, render::TextureDesc{std::uint32_t(width), std::uint32_t(height), format});
}

}  // namespace

StudioViews::StudioViews(const render::Context& context, render::Painter& painter)
    : context_(&context), painter_(&painter) {
  grid_style.gap_px = 2.0f;
  grid_style.border_px = 2.0f;
}

ImTextureID StudioViews::texture(ViewId view) const {
  const auto& target = targets_[std::size_t(view)];
  return target ? render::ImGuiRenderer::texture_id(target->texture()) : ImTextureID{};
}

int StudioViews::shown_unit(const Studio& studio) const {
  return studio.hovered_unit() >= 0 ? studio.hovered_unit() : studio.settings.selected_unit;
}

bool StudioViews::side_by_side(const Studio& studio) const {
  const analysis::LiveFrame* f = studio.frame();
  // Only a GAN's image changes with edits; a classifier's would show the same picture twice.
  return f && unedited_ && !f->unedited.empty() && studio.is_generator() &&
         (studio.settings.side_by_side || !studio.settings.toggles.empty() || !studio.paint().empty());
}

StudioViews::Drawn StudioViews::drawn_key(ViewId view, const Studio& studio) const {
  Drawn d;
  d.serial = studio.frame_serial();
  d.width = studio.view(view).width;
  d.height = studio.view(view).height;
  d.dissection = studio.dissection();
  if (view == ViewId::kFeatureGrid) {
    d.selected = studio.settings.selected_unit;
    d.hovered = studio.hovered_unit();
    d.order = atlas_order_;
    d.columns = grid_style.columns;
  } else {
    d.unit = view == ViewId::kInspector ? studio.settings.selected_unit : shown_unit(studio);
    d.side = view == ViewId::kViewport && side_by_side(studio);
  }
  return d;
}

std::optional<render::AtlasGrid> StudioViews::shown_grid() const {
  const ViewLayout& l = layouts_[int(ViewId::kFeatureGrid)];
  if (!atlas_ || l.width <= 0) return std::nullopt;
  render::AtlasStyle style = grid_style;
  style.columns = atlas_columns_;  // as drawn, not as asked for the next frame
  return render::AtlasGrid::make(atlas_->count(), render::Rect{0, 0, float(l.width), float(l.height)}, style);
}

std::optional<int> StudioViews::unit_at(float x, float y) const {
  const auto grid = shown_grid();
  if (!grid) return std::nullopt;
  const auto cell = grid->map_at(x, y);
  if (!cell || *cell >= atlas_order_.size() || atlas_order_[*cell] < 0) return std::nullopt;  // a blank cell
  return atlas_order_[*cell];
}

void StudioViews::upload_frame(render::Frame& frame, Studio& studio) {
  const analysis::LiveFrame* f = studio.frame();
  if (!f || f->image.empty()) return;
  const bool new_frame = studio.frame_serial() != uploaded_serial_;
  if (new_frame) {
    uploaded_serial_ = studio.frame_serial();
    ensure_texture(*context_, frame, image_, f->image.width, f->image.height, VK_FORMAT_R8G8B8A8_UNORM);
    to_rgba(f->image, rgba_);
    frame.upload(image_, rgba_.data());
    if (!f->unedited.empty()) {
      ensure_texture(*context_, frame, unedited_, f->unedited.width, f->unedited.height, VK_FORMAT_R8G8B8A8_UNORM);
      to_rgba(f->unedited, rgba_);
      frame.upload(unedited_, rgba_.data());
    }
  }
  const std::size_t plane = std::size_t(f->height) * f->width;
  const int unit = shown_unit(studio);
  if (unit >= 0 && unit < f->channels && (new_frame || unit != map_unit_)) {
    map_unit_ = unit;
    ensure_texture(*context_, frame, map_, f->width, f->height, VK_FORMAT_R32_SFLOAT);
    frame.upload(map_, f->activations.data() + plane * std::size_t(unit));
  }
  if (studio.view(ViewId::kFeatureGrid).width <= 0 || f->channels <= 0) return;
  std::vector<int> order;
  for (int u : grid_order_)
    if (u == kBlankCell || (u >= 0 && u < f->channels)) order.push_back(u);
  if (!grid_order_set_) {
    order.resize(std::size_t(f->channels));
    std::iota(order.begin(), order.end(), 0);
  }
  if (order.empty()) {
    if (atlas_) frame.retire(std::move(atlas_));
    atlas_order_.clear();
    return;
  }
  if (!atlas_ || atlas_->count() != order.size() || int(atlas_->map_width()) != f->width ||
      int(atlas_->map_height()) != f->height) {
    if (atlas_) frame.retire(std::move(atlas_));
    atlas_ = std::make_unique<render::FeatureAtlas>(*context_, std::uint32_t(order.size()), std::uint32_t(f->width),
                                                    std::uint32_t(f->height));
    atlas_order_.clear();
  }
  if (new_frame || order != atlas_order_) {
    atlas_order_ = order;
    for (std::size_t cell = 0; cell < order.size(); ++cell) {
      if (order[cell] < 0) {
        // A header or padding cell: flat, and the panel paints over it.
        blank_.assign(plane, 0.0f);
        atlas_->set_map(std::uint32_t(cell), blank_);
        atlas_->set_range(std::uint32_t(cell), 0.0f, 1.0f);
        continue;
      }
      const float* map = f->activations.data() + plane * std::size_t(order[cell]);
      atlas_->set_map(std::uint32_t(cell), std::span<const float>(map, plane));
      // Each unit on its own scale from 0, as dissection figures show them.
      const float hi = f->unit_max[std::size_t(order[cell])];
      atlas_->set_range(std::uint32_t(cell), 0.0f, hi > 0.0f ? hi : 1.0f);
    }
  }
  atlas_->upload(frame);
}

void StudioViews::draw_viewport(render::Frame& frame, Studio& studio, render::OffscreenTarget& target,
                                ViewLayout& layout, bool inspector) {
  const VkExtent2D extent = target.extent();
  layout.width = int(extent.width);
  layout.height = int(extent.height);
  target.begin(frame.cmd(), kClear);
  const analysis::LiveFrame* f = studio.frame();
  if (f && image_) {
    const render::Rect full = render::full_rect(extent);
    const bool side = !inspector && side_by_side(studio);
    if (side) {
      painter_->side_by_side(frame, extent, unedited_, image_, full, kSideGap);
      const float half = (full.width - kSideGap) * 0.5f;
      layout.original = render::letterbox(render::Rect{0, 0, half, full.height}, unedited_.width(), unedited_.height());
      layout.image = render::letterbox(render::Rect{half + kSideGap, 0, half, full.height}, image_.width(),
                                       image_.height());
    } else {
      layout.original.reset();
      layout.image = render::letterbox(full, image_.width(), image_.height());
      const int unit = inspector ? studio.settings.selected_unit : shown_unit(studio);
      if (unit >= 0 && unit == map_unit_ && map_ && unit < f->channels) {
        render::OverlayStyle style;
        const analysis::LayerDissection* d = studio.dissection();
        if (d && unit < int(d->units.size())) {
          style.mode = render::OverlayStyle::Mode::kMask;
          style.threshold = float(d->units[std::size_t(unit)].threshold);
        } else {
          style.mode = render::OverlayStyle::Mode::kHeatmap;
          style.heat_lo = 0.0f;
          style.heat_hi = std::max(f->unit_max[std::size_t(unit)], 1e-6f);
        }
        painter_->overlay(frame, extent, image_, map_, layout.image, style);
      } else {
        painter_->image(frame, extent, image_, layout.image);
      }
    }
  }
  target.end(frame.cmd());
  target.prepare_for_sampling(frame.cmd());
}

void StudioViews::record(render::Frame& frame, Studio& studio) {
  upload_frame(frame, studio);
  for (int v = 0; v < int(ViewId::kCount); ++v) {
    const ViewRequest& request = studio.view(ViewId(v));
    if (request.width <= 0 || request.height <= 0) continue;
    const VkExtent2D extent{std::uint32_t(request.width), std::uint32_t(request.height)};
    auto& target = targets_[std::size_t(v)];
    if (!target) {
      target = std::make_unique<render::OffscreenTarget>(*context_, extent);
    } else if (target->extent().width != extent.width || target->extent().height != extent.height) {
      target->resize(frame, extent);
    }
    Drawn key = drawn_key(ViewId(v), studio);
    if (drawn_[std::size_t(v)] == key) continue;
    drawn_[std::size_t(v)] = std::move(key);
    ViewLayout& layout = layouts_[std::size_t(v)];
    if (ViewId(v) == ViewId::kFeatureGrid) {
      layout.width = request.width;
      layout.height = request.height;
      target->begin(frame.cmd(), kClear);
      if (atlas_ && studio.frame()) {
        render::AtlasStyle style = grid_style;
        atlas_columns_ = style.columns;
        auto cell_of = [&](int unit) -> std::optional<std::uint32_t> {
          auto it = std::find(atlas_order_.begin(), atlas_order_.end(), unit);
          if (unit < 0 || it == atlas_order_.end()) return std::nullopt;
          return std::uint32_t(it - atlas_order_.begin());
        };
        style.hovered = cell_of(studio.hovered_unit());
        style.selected = cell_of(studio.settings.selected_unit);
        painter_->atlas(frame, extent, *atlas_, render::full_rect(extent), style);
      }
      target->end(frame.cmd());
      target->prepare_for_sampling(frame.cmd());
    } else {
      draw_viewport(frame, studio, *target, layout, ViewId(v) == ViewId::kInspector);
    }
  }
}

void StudioViews::read_back(render::Frame& frame, ViewId view, std::function<void(render::CapturedFrame&&)> done) {
  auto& target = targets_[std::size_t(view)];
  if (target) target->read_back(frame, std::move(done));
}

void StudioViews::render_still(render::Frame& frame, Studio& studio, VkExtent2D extent,
                               std::function<void(render::CapturedFrame&&)> done) {
  render::OffscreenTarget target(*context_, extent);
  ViewLayout layout;
  draw_viewport(frame, studio, target, layout, false);
  target.read_back(frame, std::move(done));
  frame.retire(std::move(target));
}

}  // namespace unitscope::engine
