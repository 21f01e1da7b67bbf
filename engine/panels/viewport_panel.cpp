#include "engine/panels/viewport_panel.h"

#include <imgui.h>

#include <algorithm>
#include <string>

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

}  // namespace

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
  ImGui::Image(texture, ImVec2(float(w), float(h)));
  ctx.views->set_screen_origin(ViewId::kViewport, origin.x, origin.y);
  const ViewLayout& layout = ctx.views->layout(ViewId::kViewport);
  ImDrawList* list = ImGui::GetWindowDrawList();
  const ImVec2 image_min(origin.x + layout.image.x, origin.y + layout.image.y);
  const ImVec2 image_max(image_min.x + layout.image.width, image_min.y + layout.image.height);

  // GANPaint: drag over the (edited) image to paint the brush's concept into the scene.
  const Brush& brush = studio.brush();
  if (brush.active && studio.is_generator() && layout.image.width > 0) {
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const bool inside = mouse.x >= image_min.x && mouse.y >= image_min.y && mouse.x < image_max.x && mouse.y < image_max.y;
    const float radius_px = brush.radius * layout.image.width;
    if (ImGui::IsItemHovered() && inside) {
      list->AddCircle(mouse, radius_px, brush.remove ? IM_COL32(255, 80, 80, 255) : IM_COL32(255, 220, 60, 255), 32, 2.0f);
      if (ImGui::IsMouseDown(ImGuiMouseButton_Left))
        stroke_.push_back({(mouse.x - image_min.x) / layout.image.width, (mouse.y - image_min.y) / layout.image.height});
    }
    for (const auto& p : stroke_)
      list->AddCircleFilled(ImVec2(image_min.x + p[0] * layout.image.width, image_min.y + p[1] * layout.image.height),
                            radius_px, IM_COL32(255, 220, 60, 90), 16);
    if (!stroke_.empty() && !ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
      paint_error_ = studio.paint_stroke(stroke_, brush);
      stroke_.clear();
    }
  } else {
    stroke_.clear();
  }

  // Status: computing, errors, and the script's caption.
  float y = origin.y + 6;
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
