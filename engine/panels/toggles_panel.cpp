#include "engine/panels/toggles_panel.h"

#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

// Concepts that are some unit's best label in the dissection, most units first.
std::vector<std::pair<int, int>> detected_concepts(const analysis::LayerDissection& d) {
  std::vector<int> count(d.labels.size(), 0);
  for (const auto& u : d.units) {
    if (u.label.empty()) continue;
    auto it = std::find(d.labels.begin(), d.labels.end(), u.label);
    if (it != d.labels.end()) ++count[std::size_t(it - d.labels.begin())];
  }
  std::vector<std::pair<int, int>> out;
  for (std::size_t i = 0; i < count.size(); ++i)
    if (count[i] > 0) out.push_back({int(i), count[i]});
  std::stable_sort(out.begin(), out.end(), [](auto a, auto b) { return a.second > b.second; });
  return out;
}

}  // namespace

namespace {

void toggle_list(Studio& studio) {
  int remove = -1;
  for (UnitToggle& t : studio.settings.toggles) {
    ImGui::PushID(t.unit);
    ImGui::Text("unit %3d", t.unit);
    ImGui::SameLine();
    if (ImGui::Checkbox("on", &t.on)) studio.mark_dirty();
    if (t.on) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(90);
      if (ImGui::SliderFloat("##strength", &t.strength, 0.0f, 10.0f, "x%.1f")) studio.mark_dirty();
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("x")) remove = t.unit;
    ImGui::PopID();
  }
  if (remove >= 0) studio.untoggle(remove);
}

}  // namespace

void TogglesPanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  if (!ImGui::Begin("Toggles")) {
    ImGui::End();
    return;
  }
  const int unit = studio.settings.selected_unit;
  if (unit >= 0) {
    ImGui::Text("unit %d:", unit);
    ImGui::SameLine();
    if (ImGui::Button("off")) studio.toggle(unit, false);
    ImGui::SameLine();
    if (ImGui::Button("on")) studio.toggle(unit, true, on_strength_);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(80);
    ImGui::SliderFloat("##on", &on_strength_, 0.0f, 10.0f, "x%.1f");
  } else {
    ImGui::TextDisabled("select a unit in the feature maps to toggle it");
  }

  const analysis::LayerDissection* d = studio.dissection();
  std::vector<std::pair<int, int>> concepts;
  if (d) concepts = detected_concepts(*d);
  if (d && !concepts.empty()) {
    if (concept_ < 0 || concept_ >= int(d->labels.size())) concept_ = concepts.front().first;
    if (ImGui::BeginCombo("concept", d->labels[std::size_t(concept_)].c_str())) {
      for (auto [label, n] : concepts) {
        const std::string text = d->labels[std::size_t(label)] + " (" + std::to_string(n) + " units)";
        if (ImGui::Selectable(text.c_str(), label == concept_)) concept_ = label;
      }
      ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(120);
    ImGui::SliderInt("top units", &concept_units_, 1, int(d->units.size()));
    const std::string name = d->labels[std::size_t(concept_)];
    if (ImGui::Button("switch off")) {
      for (int u : d->top_units(name, concept_units_)) studio.toggle(u, false);
    }
    ImGui::SameLine();
    if (ImGui::Button("switch on")) {
      for (int u : d->top_units(name, concept_units_)) studio.toggle(u, true, on_strength_);
    }
    if (studio.is_generator()) {
      Brush& b = studio.brush();
      ImGui::Checkbox("paint with the brush", &b.active);
      b.concept_name = name;
      b.units = concept_units_;
      if (b.active) {
        ImGui::SameLine();
        ImGui::Checkbox("erase", &b.remove);
        ImGui::SetNextItemWidth(120);
        ImGui::SliderFloat("radius", &b.radius, 0.01f, 0.3f);
        ImGui::TextDisabled("drag over the viewport to paint %s", name.c_str());
      }
    }
  } else {
    ImGui::TextDisabled("concept toggles and the brush need a dissection of this layer");
  }
  if (ImGui::Checkbox("side by side (original | edited)", &studio.settings.side_by_side)) studio.mark_dirty();
  ImGui::Separator();
  if (studio.settings.toggles.empty() && studio.paint().empty()) {
    ImGui::TextDisabled("no edits");
  } else {
    ImGui::Text("%zu units toggled, %zu paint strokes", studio.settings.toggles.size(), studio.paint().size());
    ImGui::SameLine();
    if (ImGui::SmallButton("clear all")) studio.clear_edits();
    toggle_list(studio);
  }
  ImGui::End();
}

}  // namespace unitscope::engine
