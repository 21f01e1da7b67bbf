#include "engine/panels/viewport_panel.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_views.h"

namespace unitscope::engine {

namespace {

void draw_text_box(ImDrawList* list, ImVec2 at, ImU32 color, const std::string& text, float wrap) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
  list->AddRectFilled(ImVec2(at.x - 4, at.y - 2), ImVec2(at.x + size.x + 4, at.y + size.y + 2), IM_COL32(0, 0, 0, 190),
                      3.0f);
  list->AddText(ImGui::GetFont(), ImGui::GetFontSize(), at, color, text.c_str(), nullptr, wrap);
}

// A point joins the stroke once the mouse moved this far (screen pixels) from the last one.
constexpr float kMinStepPixels = 1.0f;

// The stroke so far, as wide as the brush: what the release will paint.
void draw_stroke(ImDrawList* list, const std::vector<ImVec2>& points, float radius, ImU32 color) {
  const ImU32 fill = (color & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 90);
  list->AddCircleFilled(points.front(), radius, fill, 24);
  if (points.size() > 1) {
    list->AddPolyline(points.data(), int(points.size()), fill, ImDrawFlags_None, 2.0f * radius);
    list->AddCircleFilled(points.back(), radius, fill, 24);
  }
  list->AddPolyline(points.data(), int(points.size()), color, ImDrawFlags_None, 2.0f);
}

}  // namespace

void ViewportPanel::paint(Studio& studio, ImDrawList* list, const ImVec2& image_min, const ImVec2& image_size) {
  const Brush& brush = studio.brush();
  if (!brush.active || !studio.is_generator() || image_size.x <= 0 || image_size.y <= 0) {
    stroke_.clear();
    return;
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const float x = (mouse.x - image_min.x) / image_size.x, y = (mouse.y - image_min.y) / image_size.y;
  const bool inside = x >= 0 && y >= 0 && x < 1 && y < 1;
  const float radius_px = brush.radius * image_size.x;
  const ImU32 color = brush.remove ? IM_COL32(255, 80, 80, 255) : IM_COL32(255, 220, 60, 255);
  // A stroke starts where the drag first reaches the image and then follows the mouse clamped to
  // the image's edge, so leaving the image and coming back never paints a chord across it.
  if (ImGui::IsItemActive() && (inside || !stroke_.empty())) {
    const std::array<float, 2> p{std::clamp(x, 0.0f, 1.0f), std::clamp(y, 0.0f, 1.0f)};
    const bool moved = stroke_.empty() || std::hypot((p[0] - stroke_.back()[0]) * image_size.x,
                                                     (p[1] - stroke_.back()[1]) * image_size.y) >= kMinStepPixels;
    if (moved) stroke_.push_back(p);
  }
  if (inside && (ImGui::IsItemHovered() || ImGui::IsItemActive())) list->AddCircle(mouse, radius_px, color, 32, 2.0f);
  if (!stroke_.empty()) {
    std::vector<ImVec2> screen;
    screen.reserve(stroke_.size());
    for (const auto& p : stroke_) screen.emplace_back(image_min.x + p[0] * image_size.x, image_min.y + p[1] * image_size.y);
    draw_stroke(list, screen, radius_px, color);
  }
  if (!ImGui::IsItemActive() && !stroke_.empty()) {
    paint_error_ = studio.paint_stroke(stroke_, brush);
    stroke_.clear();
  }
}

void ViewportPanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  if (!ImGui::Begin("Viewport")) {
    studio.request_view(ViewId::kViewport, 0, 0);
    ImGui::End();
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const int w = std::max(0, int(avail.x)), h = std::max(0, int(avail.y));
  studio.request_view(ViewId::kViewport, w, h);
  const ImTextureID texture = ctx.views ? ctx.views->texture(ViewId::kViewport) : ImTextureID{};
  if (!texture || w < 8 || h < 8) {
    ImGui::TextUnformatted(studio.computing() ? "computing..." : "no frame yet");
    ImGui::End();
    return;
  }
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 view_size{float(w), float(h)};
  // The view is an input widget with the image drawn under it: a drag on it belongs to the panel
  // (a brush stroke), where over a plain ImGui::Image it would move the window.
  ImGui::InvisibleButton("##view", view_size);
  ImDrawList* list = ImGui::GetWindowDrawList();
  list->AddImage(texture, origin, ImVec2(origin.x + view_size.x, origin.y + view_size.y));
  ctx.views->set_screen_origin(ViewId::kViewport, origin.x, origin.y);
  const ViewLayout& layout = ctx.views->layout(ViewId::kViewport);
  // GANPaint: drag over the (edited) image to paint the brush's concept into the scene.
  paint(studio, list, ImVec2(origin.x + layout.image.x, origin.y + layout.image.y),
        ImVec2(layout.image.width, layout.image.height));

  // Status: side-by-side captions, computing, errors, and the script's caption. The status lines
  // start below the captions so that neither hides the other.
  float y = origin.y + 6;
  if (layout.original) {
    const auto label = [&](const render::Rect& r, const char* text) {
      const float x = origin.x + r.x + (r.width - ImGui::CalcTextSize(text).x) * 0.5f;
      draw_text_box(list, ImVec2(x, std::max(y, origin.y + r.y + 6)), IM_COL32(255, 255, 255, 255), text, 0);
    };
    label(*layout.original, "original");
    label(layout.image, "edited");
    y = std::max(y, origin.y + layout.image.y + 6) + ImGui::GetTextLineHeightWithSpacing() + 4;
  }
  if (studio.computing()) {
    draw_text_box(list, ImVec2(origin.x + 8, y), IM_COL32(200, 200, 200, 255), "computing...", 0);
    y += ImGui::GetTextLineHeightWithSpacing() + 4;
  }
  const std::string* const errors[] = {&studio.inference_error(), &paint_error_};
  for (const std::string* e : errors) {
    if (e->empty()) continue;
    draw_text_box(list, ImVec2(origin.x + 8, y), ImGui::ColorConvertFloat4ToU32(kErrorColor), *e, float(w) - 24);
    y += ImGui::CalcTextSize(e->c_str(), nullptr, false, float(w) - 24).y + 8;
  }
  if (!studio.caption().empty()) {
    const float wrap = float(w) - 48;
    const ImVec2 size = ImGui::CalcTextSize(studio.caption().c_str(), nullptr, false, wrap);
    draw_text_box(list, ImVec2(origin.x + (float(w) - size.x) * 0.5f, origin.y + float(h) - size.y - 14),
                  IM_COL32(255, 255, 255, 255), studio.caption(), wrap);
  }
  ImGui::End();
}

}  // namespace unitscope::engine
