#include "engine/panels/toggles_panel.h"

#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/panels/panel_widgets.h"
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

// The n units labelled `name` with the highest IoU for it.
std::vector<int> labelled_top_units(const analysis::LayerDissection& d, const std::string& name, int n) {
  std::vector<int> out;
  for (int u : d.top_units(name, int(d.units.size()))) {
    if (int(out.size()) >= n) break;
    if (d.units[std::size_t(u)].label == name) out.push_back(u);
  }
  return out;
}

}  // namespace

namespace {

void toggle_list(Studio& studio) {
  int remove = -1;
  for (UnitToggle& t : studio.settings.toggles) {
    ImGui::PushID(t.unit);
    ImGui::Text("unit %3d", t.unit + 1);
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
    ImGui::Text("unit %d:", unit + 1);
    ImGui::SameLine();
    if (ImGui::Button("off")) studio.toggle(unit, false);
    ImGui::SameLine();
    if (ImGui::Button("on")) studio.toggle(unit, true, on_strength_);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(80);
    ImGui::SliderFloat("##on", &on_strength_, 0.0f, 10.0f, "x%.1f");
  } else {
    dim_wrapped("select a unit in the feature maps to toggle it");
  }

  const analysis::LayerDissection* d = studio.dissection();
  std::vector<std::pair<int, int>> concepts;
  if (d) concepts = detected_concepts(*d);
  if (d && !concepts.empty()) {
    // The units labelled with the concept; a concept this dissection has none of (another layer's)
    // falls back to the most common one.
    auto count_of = [&](int label) {
      for (auto [l, n] : concepts)
        if (l == label) return n;
      return 0;
    };
    if (count_of(concept_) == 0) concept_ = concepts.front().first;
    const int concept_count = count_of(concept_);
    ImGui::PushItemWidth(label_room({"concept", "radius"}));
    if (ImGui::BeginCombo("concept", d->labels[std::size_t(concept_)].c_str())) {
      for (auto [label, n] : concepts) {
        const std::string text = d->labels[std::size_t(label)] + " (" + std::to_string(n) + " units)";
        if (ImGui::Selectable(text.c_str(), label == concept_)) concept_ = label;
      }
      ImGui::EndCombo();
    }
    // Never past the concept's own units: more would switch units of other concepts too.
    concept_units_ = std::clamp(concept_units_, 1, concept_count);
    // Room for "top units of N" beside the slider.
    const std::string of_text = "of " + std::to_string(concept_count);
    ImGui::SetNextItemWidth(label_room({"top units"}) - ImGui::CalcTextSize(of_text.c_str()).x -
                            ImGui::GetStyle().ItemSpacing.x);
    ImGui::SliderInt("top units", &concept_units_, 1, concept_count);
    ImGui::SameLine();
    ImGui::TextDisabled("%s", of_text.c_str());
    const std::string name = d->labels[std::size_t(concept_)];
    const std::vector<int> units = labelled_top_units(*d, name, concept_units_);
    if (ImGui::Button("switch off")) {
      studio.toggle(units, false);  // one undo step
      switched_ = "switched off " + std::to_string(units.size()) + " " + name + " units";
    }
    ImGui::SameLine();
    if (ImGui::Button("switch on")) {
      studio.toggle(units, true, on_strength_);
      switched_ = "switched on " + std::to_string(units.size()) + " " + name + " units";
    }
    if (!switched_.empty()) dim_wrapped(switched_);
    if (studio.is_generator()) {
      Brush& b = studio.brush();
      ImGui::Checkbox("paint with the brush", &b.active);
      b.concept_name = name;
      b.units = concept_units_;
      if (b.active) {
        ImGui::SameLine();
        ImGui::Checkbox("erase", &b.remove);
        ImGui::SliderFloat("radius", &b.radius, 0.01f, 0.3f);
        dim_wrapped("drag over the viewport to paint " + name);
      }
    }
    ImGui::PopItemWidth();
  } else {
    dim_wrapped("concept toggles and the brush need a dissection of this layer");
  }
  // A GAN with edits always shows original | edited (StudioViews::side_by_side), so the box shows
  // that and cannot be cleared; a classifier's image never changes with edits, so it has no box.
  if (studio.is_generator()) {
    const bool forced_side = !studio.settings.toggles.empty() || !studio.paint().empty();
    ImGui::BeginDisabled(forced_side);
    bool side = studio.settings.side_by_side || forced_side;
    if (ImGui::Checkbox("side by side", &side)) {
      studio.settings.side_by_side = side;
      studio.mark_dirty();
    }
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip(forced_side ? "original | edited: the GAN always shows both while it has edits"
                                    : "original | edited");
  } else {
    dim_wrapped("edits change the classifier's predictions, not its image: see the Unit inspector's top-5");
  }
  ImGui::Separator();
  if (studio.settings.toggles.empty() && studio.paint().empty()) {
    ImGui::TextDisabled("no edits");
  } else {
    ImGui::TextWrapped("%zu units toggled, %zu paint strokes", studio.settings.toggles.size(), studio.paint().size());
    same_line_if_fits(button_width("clear all"));
    if (ImGui::SmallButton("clear all")) studio.clear_edits();
    toggle_list(studio);
  }
  ImGui::End();
}

}  // namespace unitscope::engine
