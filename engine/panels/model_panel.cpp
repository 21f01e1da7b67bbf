#include "engine/panels/model_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <string>

#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "x" : "") + std::to_string(shape[i]);
  return out;
}

void predictions(const analysis::LiveFrame& f) {
  ImGui::TextUnformatted("Top-5");
  for (const analysis::Prediction& p : f.top) {
    float before = -1.0f;
    for (const auto& u : f.top_unedited)
      if (u.index == p.index) before = u.probability;
    char overlay[96];
    if (!f.top_unedited.empty() && before >= 0.0f)
      std::snprintf(overlay, sizeof(overlay), "%s %.1f%% (%+.1f)", p.label.c_str(), 100.0 * p.probability,
                    100.0 * (p.probability - before));
    else
      std::snprintf(overlay, sizeof(overlay), "%s %.1f%%", p.label.c_str(), 100.0 * p.probability);
    ImGui::ProgressBar(p.probability, ImVec2(-1, 0), overlay);
  }
  if (!f.top_unedited.empty()) {
    ImGui::TextDisabled("without edits: %s %.1f%%", f.top_unedited.front().label.c_str(),
                        100.0 * f.top_unedited.front().probability);
  }
}

}  // namespace

void ModelPanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  if (!ImGui::Begin("Model and layer")) {
    ImGui::End();
    return;
  }
  const std::string& model = studio.settings.model;
  if (ImGui::RadioButton("demo classifier", model == "demo:classifier")) studio.open_model("demo:classifier");
  ImGui::SameLine();
  if (ImGui::RadioButton("demo GAN", model == "demo:gan")) studio.open_model("demo:gan");
  if (path_edit_.empty() && model.rfind("demo:", 0) != 0) path_edit_ = model;
  ImGui::InputTextWithHint("##model", "model.pt (TorchScript + model.pt.json)", &path_edit_);
  ImGui::SameLine();
  if (ImGui::Button("Open") && !path_edit_.empty()) studio.open_model(path_edit_);

  error_text(studio.model_error());
  const analysis::LiveModelInfo* info = studio.info();
  if (!info) {
    ImGui::TextUnformatted("opening model...");
    ImGui::End();
    return;
  }
  ImGui::TextDisabled("%s: %s", info->kind == analysis::LiveKind::kGenerator ? "generator" : "classifier",
                      info->name.c_str());
  const float list_height = std::max(60.0f, ImGui::GetContentRegionAvail().y * 0.5f);
  if (ImGui::BeginTable("layers", 3, ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV,
                        ImVec2(0, list_height))) {
    ImGui::TableSetupColumn("layer");
    ImGui::TableSetupColumn("type");
    ImGui::TableSetupColumn("shape");
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableHeadersRow();
    for (const analysis::LayerInfo& layer : info->layers) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      const bool spatial = layer.shape.size() == 3;
      if (!spatial) ImGui::BeginDisabled();
      if (ImGui::Selectable(layer.name.c_str(), layer.name == studio.settings.layer, ImGuiSelectableFlags_SpanAllColumns))
        studio.set_layer(layer.name);
      if (!spatial) ImGui::EndDisabled();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(layer.type.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(shape_text(layer.shape).c_str());
    }
    ImGui::EndTable();
  }
  if (const analysis::LiveFrame* f = studio.frame(); f && !f->top.empty()) predictions(*f);
  ImGui::End();
}

}  // namespace unitscope::engine
