#include "engine/panels/feature_map_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <numeric>

#include "engine/studio/studio.h"
#include "engine/studio/studio_views.h"

namespace unitscope::engine {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// Each unit's largest balanced-accuracy drop over the classes.
std::vector<double> importance_of(const analysis::ImportanceResult* r, int units) {
  std::vector<double> out;
  if (!r || r->units != units) return out;
  out.assign(std::size_t(units), 0.0);
  for (const auto& c : r->classes)
    for (std::size_t u = 0; u < c.drop.size() && u < out.size(); ++u) out[u] = std::max(out[u], c.drop[u]);
  return out;
}

}  // namespace

std::vector<int> grid_units(int units, SortKey sort, const std::string& filter, const analysis::LiveFrame* frame,
                            const analysis::LayerDissection* dissection, const std::vector<double>& importance) {
  std::vector<int> out;
  const std::string f = lower(filter);
  const bool labelled = dissection && int(dissection->units.size()) == units;
  for (int u = 0; u < units; ++u) {
    if (!f.empty()) {
      if (!labelled) continue;
      const auto& s = dissection->units[std::size_t(u)];
      if (lower(s.label).find(f) == std::string::npos && lower(s.category).find(f) == std::string::npos) continue;
    }
    out.push_back(u);
  }
  auto by = [&](auto key) {
    std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return key(a) > key(b); });
  };
  switch (sort) {
    case SortKey::kUnit:
      break;
    case SortKey::kActivation:
      if (frame && int(frame->unit_max.size()) == units) by([&](int u) { return frame->unit_max[std::size_t(u)]; });
      break;
    case SortKey::kIou:
      if (labelled) by([&](int u) { return dissection->units[std::size_t(u)].iou; });
      break;
    case SortKey::kImportance:
      if (int(importance.size()) == units) by([&](int u) { return importance[std::size_t(u)]; });
      break;
    case SortKey::kLabel:
      if (labelled)
        std::stable_sort(out.begin(), out.end(), [&](int a, int b) {
          const auto& x = dissection->units[std::size_t(a)];
          const auto& y = dissection->units[std::size_t(b)];
          // Labelled units first, grouped by label, best IoU first within a label.
          if (x.label.empty() != y.label.empty()) return y.label.empty();
          if (x.label != y.label) return x.label < y.label;
          return x.iou > y.iou;
        });
      break;
  }
  return out;
}

void FeatureMapPanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  if (!ImGui::Begin("Feature maps")) {
    studio.request_view(ViewId::kFeatureGrid, 0, 0);
    studio.hover_unit(-1);
    ImGui::End();
    return;
  }
  const char* sorts[] = {"unit", "activation", "IoU", "importance", "label"};
  int sort = int(studio.settings.sort);
  ImGui::SetNextItemWidth(110);
  if (ImGui::Combo("sort", &sort, sorts, 5)) studio.settings.sort = SortKey(sort);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(140);
  ImGui::InputTextWithHint("##filter", "concept filter", &studio.settings.concept_filter);

  const analysis::LiveFrame* frame = studio.frame();
  const analysis::LayerDissection* dissection = studio.dissection();
  if (!frame || frame->channels <= 0) {
    ImGui::TextUnformatted(studio.computing() ? "computing..." : "no activations yet");
    studio.request_view(ViewId::kFeatureGrid, 0, 0);
    studio.hover_unit(-1);
    ImGui::End();
    return;
  }
  const std::vector<int> units =
      grid_units(frame->channels, studio.settings.sort, studio.settings.concept_filter, frame, dissection,
                 importance_of(studio.importance().get(), frame->channels));
  ImGui::SameLine();
  ImGui::TextDisabled("%zu of %d units", units.size(), frame->channels);
  if (!studio.settings.concept_filter.empty() && !dissection)
    ImGui::TextDisabled("filtering needs a dissection of this layer");

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const int w = std::max(0, int(avail.x)), h = std::max(0, int(avail.y));
  studio.request_view(ViewId::kFeatureGrid, w, h);
  if (!ctx.views) {
    ImGui::End();
    return;
  }
  ctx.views->set_grid_order(units);
  const ImTextureID texture = ctx.views->texture(ViewId::kFeatureGrid);
  studio.hover_unit(-1);
  if (texture && w > 8 && h > 8) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Image(texture, ImVec2(float(w), float(h)));
    ctx.views->set_screen_origin(ViewId::kFeatureGrid, origin.x, origin.y);
    if (ImGui::IsItemHovered()) {
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      if (auto unit = ctx.views->unit_at(mouse.x - origin.x, mouse.y - origin.y)) {
        studio.hover_unit(*unit);
        ImGui::BeginTooltip();
        ImGui::Text("unit %d   max %.3g", *unit, frame->unit_max[std::size_t(*unit)]);
        if (dissection && *unit < int(dissection->units.size())) {
          const auto& s = dissection->units[std::size_t(*unit)];
          if (s.label.empty())
            ImGui::Text("no label (best IoU %.3f)", s.iou);
          else
            ImGui::Text("%s (%s)  IoU %.3f", s.label.c_str(), s.category.c_str(), s.iou);
        }
        ImGui::EndTooltip();
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) studio.select_unit(*unit);
      }
    }
  }
  ImGui::End();
}

}  // namespace unitscope::engine
