#include "engine/panels/feature_map_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <numeric>

#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_views.h"
#include "engine/studio/unit_grid.h"

namespace unitscope::engine {

namespace {

// Tile text is smaller than the UI's; below these sizes a tile shows none rather than overflow.
constexpr float kTileFontScale = 0.85f;
constexpr float kMinTileWidth = 14.0f;
const ImU32 kBandColor = IM_COL32(0, 0, 0, 150);
const ImU32 kTileTextColor = IM_COL32(235, 235, 235, 255);
const ImU32 kBlankColor = IM_COL32(15, 15, 18, 255);  // the grid's clear colour
const ImU32 kHeaderColor = IM_COL32(40, 44, 56, 255);

bool labelled(const analysis::LayerDissection* d, int units) { return d && int(d->units.size()) == units; }

// A tile's "62 mountain" on a dark band at its top, clipped to the tile; the number alone when
// the label is shown elsewhere (a group header), nothing when even the number does not fit.
void draw_tile_text(ImDrawList* list, const ImVec2& a, const ImVec2& b, int unit, const std::string& label) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize() * kTileFontScale;
  const std::string number = std::to_string(unit + 1);
  if (b.y - a.y < size + 2.0f || b.x - a.x < kMinTileWidth ||
      font->CalcTextSizeA(size, FLT_MAX, 0.0f, number.c_str()).x + 2.0f > b.x - a.x)
    return;
  const std::string text = label.empty() ? number : number + " " + label;
  const float text_w = font->CalcTextSizeA(size, FLT_MAX, 0.0f, text.c_str()).x;
  list->AddRectFilled(a, ImVec2(std::min(b.x, a.x + text_w + 3.0f), a.y + size + 2.0f), kBandColor);
  const ImVec4 clip(a.x, a.y, b.x - 1.0f, b.y);
  list->AddText(font, size, ImVec2(a.x + 1.0f, a.y + 1.0f), kTileTextColor, text.c_str(), nullptr, 0.0f, &clip);
}

// A group's header tile: its label and unit count, wrapped and clipped to the tile.
void draw_header(ImDrawList* list, const ImVec2& a, const ImVec2& b, const std::string& label, std::size_t units) {
  list->AddRectFilled(a, b, kHeaderColor);
  const float size = ImGui::GetFontSize() * kTileFontScale;
  if (b.y - a.y < size + 2.0f || b.x - a.x < kMinTileWidth) return;
  const std::string text = (label.empty() ? std::string("unlabelled") : label) + " (" + std::to_string(units) + ")";
  const ImVec4 clip(a.x, a.y, b.x - 1.0f, b.y);
  list->AddText(ImGui::GetFont(), size, ImVec2(a.x + 2.0f, a.y + 1.0f), kTileTextColor, text.c_str(), nullptr,
                b.x - a.x - 3.0f, &clip);
}

// Numbers, labels and group headers over the grid image as last rendered; returns the header
// under the mouse, for a tooltip ("" when none).
std::string draw_grid_text(const StudioViews& views, const ImVec2& origin, const analysis::LayerDissection* d,
                           int channels, bool grouped) {
  const auto grid = views.shown_grid();
  const std::vector<int>& cells = views.shown_order();
  if (!grid) return {};
  const bool names = labelled(d, channels);
  auto label_of = [&](int u) -> const std::string& {
    static const std::string kNone;
    return names && u >= 0 && u < channels ? d->units[std::size_t(u)].label : kNone;
  };
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hovered = ImGui::IsItemHovered();
  std::string hovered_header;
  ImDrawList* list = ImGui::GetWindowDrawList();
  for (std::size_t i = 0; i < cells.size() && i < grid->count; ++i) {
    const render::Rect r = grid->cell(std::uint32_t(i));
    const ImVec2 a(origin.x + r.x, origin.y + r.y), b(a.x + r.width, a.y + r.height);
    if (cells[i] >= 0) {
      draw_tile_text(list, a, b, cells[i], grouped ? std::string() : label_of(cells[i]));
      continue;
    }
    // A header is the blank cell before a group's units; the rest are padding.
    if (!grouped || i + 1 >= cells.size() || cells[i + 1] < 0) {
      list->AddRectFilled(a, b, kBlankColor);
      continue;
    }
    std::size_t n = 0;
    const std::string& label = label_of(cells[i + 1]);
    while (i + 1 + n < cells.size() && cells[i + 1 + n] >= 0 && label_of(cells[i + 1 + n]) == label) ++n;
    draw_header(list, a, b, label, n);
    if (hovered && mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y)
      hovered_header = (label.empty() ? std::string("unlabelled") : label) + ": " + std::to_string(n) + " units";
  }
  return hovered_header;
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
  const bool filtering = !words_of(filter).empty();
  const bool has_labels = labelled(dissection, units);
  for (int u = 0; u < units; ++u) {
    if (filtering) {
      if (!has_labels) continue;
      // Whole words: "tree" must not keep the "street" units.
      const auto& s = dissection->units[std::size_t(u)];
      if (s.label.empty() || (!matches_words(s.label, filter) && !matches_words(s.category, filter))) continue;
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
      if (has_labels) by([&](int u) { return dissection->units[std::size_t(u)].iou; });
      break;
    case SortKey::kImportance:
      if (int(importance.size()) == units) by([&](int u) { return importance[std::size_t(u)]; });
      break;
    case SortKey::kLabel:
      if (has_labels)
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

namespace {

// The concept filter: a list of the dissection's concepts with their unit counts, and free text
// matched as whole words. The list is built only while open (it scans every unit).
void draw_filter(Studio& studio, const analysis::LayerDissection* dissection) {
  std::string& filter = studio.settings.concept_filter;
  ImGui::SetNextItemWidth(100);
  if (ImGui::BeginCombo("##concepts", filter.empty() ? "any concept" : filter.c_str())) {
    if (ImGui::Selectable("any concept", filter.empty())) filter.clear();
    if (dissection) {
      std::vector<std::string> labels;
      labels.reserve(dissection->units.size());
      for (const auto& u : dissection->units) labels.push_back(u.label);
      for (const auto& c : concept_counts(labels)) {
        const std::string item = c.name + " (" + std::to_string(c.units) + ")";
        if (ImGui::Selectable(item.c_str(), filter == c.name)) filter = c.name;
      }
    } else {
      ImGui::TextDisabled("no dissection of this layer");
    }
    ImGui::EndCombo();
  }
  same_line_if_fits(80);
  ImGui::SetNextItemWidth(80);
  ImGui::InputTextWithHint("##filter", "words", &filter);
}

// Sorted by label: each label's units after a header tile, groups on their own rows where they fit.
void set_grouped_order(StudioViews& views, const std::vector<int>& units, const analysis::LayerDissection& d,
                       int w, int h) {
  std::vector<std::string> labels;
  labels.reserve(d.units.size());
  for (const auto& u : d.units) labels.push_back(u.label);
  std::vector<GridGroup> groups = label_groups(units, labels);
  const GroupedLayout layout = grouped_layout(groups, float(w), float(h), views.grid_style.gap_px);
  views.set_grid_order(grouped_cells(units, groups, layout), layout.columns);
}

}  // namespace

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
  const analysis::LiveFrame* frame = studio.frame();
  const analysis::LayerDissection* dissection = studio.dissection();
  same_line_if_fits(100);
  draw_filter(studio, dissection);

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
  // On the controls' line where it fits, else below them: never past the panel's edge.
  const std::string count = std::to_string(units.size()) + " of " + std::to_string(frame->channels) + " units";
  same_line_if_fits(ImGui::CalcTextSize(count.c_str()).x);
  ImGui::TextDisabled("%s", count.c_str());
  if (!studio.settings.concept_filter.empty() && !dissection)
    ImGui::TextDisabled("filtering needs a dissection of this layer");

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const int w = std::max(0, int(avail.x)), h = std::max(0, int(avail.y));
  studio.request_view(ViewId::kFeatureGrid, w, h);
  if (!ctx.views) {
    ImGui::End();
    return;
  }
  const bool grouped = studio.settings.sort == SortKey::kLabel && labelled(dissection, frame->channels);
  if (grouped)
    set_grouped_order(*ctx.views, units, *dissection, w, h);
  else
    ctx.views->set_grid_order(units);
  const ImTextureID texture = ctx.views->texture(ViewId::kFeatureGrid);
  studio.hover_unit(-1);
  if (texture && w > 8 && h > 8) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Image(texture, ImVec2(float(w), float(h)));
    ctx.views->set_screen_origin(ViewId::kFeatureGrid, origin.x, origin.y);
    const std::string header = draw_grid_text(*ctx.views, origin, dissection, frame->channels, grouped);
    if (!header.empty()) ImGui::SetTooltip("%s", header.c_str());
    if (ImGui::IsItemHovered()) {
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      if (auto unit = ctx.views->unit_at(mouse.x - origin.x, mouse.y - origin.y)) {
        studio.hover_unit(*unit);
        ImGui::BeginTooltip();
        ImGui::Text("unit %d   max %.3g", *unit + 1, frame->unit_max[std::size_t(*unit)]);
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
