#include "engine/panels/model_panel.h"

#include "analysis/model/layer_layout.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

// Below this content width the layer table drops its type column (the 1024x640 layout's left column).
constexpr float kTypeColumnMinPanel = 280.0f;

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "x" : "") + std::to_string(shape[i]);
  return out;
}

// The height of predictions(): its bars are one text line high, so all five rows fit below the layer list.
float predictions_height(const analysis::LiveFrame& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  return line * float(f.top.size() + 1) + ImGui::GetStyle().ItemSpacing.y;
}

void predictions(const analysis::LiveFrame& f) {
  // The unedited winner shares the heading's line: one line less for the panel to find.
  ImGui::TextUnformatted("Top-5");
  if (!f.top_unedited.empty()) {
    char unedited[96];
    std::snprintf(unedited, sizeof(unedited), "(without edits: %s %.1f%%)", f.top_unedited.front().label.c_str(),
                  100.0 * f.top_unedited.front().probability);
    same_line_if_fits(ImGui::CalcTextSize(unedited).x);
    ImGui::TextDisabled("%s", unedited);
    hover_tooltip("the top prediction of the frame without the toggles and paint");
  }
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
    ImGui::ProgressBar(p.probability, ImVec2(-1, ImGui::GetTextLineHeight()), overlay);
    hover_tooltip(overlay);
  }
}

}  // namespace

// The generator's segmenter: its concepts name the units in dissections, toggles and paint.
void ModelPanel::draw_segmenter(Studio& studio) {
  if (segmenter_model_ != studio.settings.model) {
    segmenter_model_ = studio.settings.model;
    segmenter_edit_ = studio.settings.segmenter;
  }
  ImGui::SetNextItemWidth(-(button_width("Pair") + ImGui::GetStyle().ItemSpacing.x));
  ImGui::InputTextWithHint("##segmenter", "segmenter.pt (empty: the demo segmenter)", &segmenter_edit_);
  mark_item("segmenter_path");
  hover_tooltip("the segmenter that labels this generator's samples: a TorchScript file whose sidecar names "
                "its concepts (\"segmenter\": heads and channels, or \"classes\")");
  ImGui::SameLine();
  const bool pair = ImGui::Button("Pair");
  mark_item("segmenter_pair");
  if (pair) studio.set_segmenter(segmenter_edit_);
  ImGui::TextDisabled("concepts: %s", studio.settings.segmenter.empty()
                                          ? "the demo segmenter"
                                          : std::filesystem::path(studio.settings.segmenter).filename().string().c_str());
}

void ModelPanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  if (!ImGui::Begin("Model and layer")) {
    ImGui::End();
    return;
  }
  const std::string& model = studio.settings.model;
  if (ImGui::RadioButton("demo classifier", model == "demo:classifier")) studio.open_model("demo:classifier");
  same_line_if_fits(ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize("demo GAN").x);
  if (ImGui::RadioButton("demo GAN", model == "demo:gan")) studio.open_model("demo:gan");
  if (path_edit_.empty() && model.rfind("demo:", 0) != 0) path_edit_ = model;
  ImGui::SetNextItemWidth(-(button_width("Open") + ImGui::GetStyle().ItemSpacing.x));
  ImGui::InputTextWithHint("##model", "model.pt path", &path_edit_);
  mark_item("model_path");
  hover_tooltip(path_edit_.empty() ? "a TorchScript model.pt with its model.pt.json beside it" : path_edit_);
  ImGui::SameLine();
  const bool open = ImGui::Button("Open");
  mark_item("model_open");
  if (open && !path_edit_.empty()) studio.open_model(path_edit_);

  error_text(studio.model_error());
  const analysis::LiveModelInfo* info = studio.info();
  if (!info) {
    ImGui::TextUnformatted("opening model...");
    ImGui::End();
    return;
  }
  // The file name only: the full path is the tooltip, it would not fit the panel.
  ImGui::TextDisabled("%s: %s", info->kind == analysis::LiveKind::kGenerator ? "generator" : "classifier",
                      std::filesystem::path(info->name).filename().string().c_str());
  hover_tooltip(info->name);
  if (info->kind == analysis::LiveKind::kGenerator) draw_segmenter(studio);
  const analysis::LiveFrame* f = studio.frame();
  const float top_height = f && !f->top.empty() ? predictions_height(*f) : 0.0f;
  const float list_height = std::max(60.0f, ImGui::GetContentRegionAvail().y - top_height);
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                     ImGuiTableFlags_SizingFixedFit;
  // Half the usual cell padding: with it the demo models' layer, type and shape fit side by side at 1280x720.
  ImGui::PushStyleVar(ImGuiStyleVar_CellPadding, ImVec2(2.0f, ImGui::GetStyle().CellPadding.y));
  // A narrow panel leaves the type out (it is in each row's tooltip) so that names and shapes fit.
  const bool show_type = ImGui::GetContentRegionAvail().x >= kTypeColumnMinPanel;
  const bool table = ImGui::BeginTable("layers", show_type ? 3 : 2, kFlags, ImVec2(0, list_height));
  ImGui::PopStyleVar();
  if (table) {
    ImGui::TableSetupColumn("layer");
    // Type takes what layer and shape leave; a type too long for it is in the row's tooltip.
    if (show_type) ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("shape");
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableHeadersRow();
    for (const analysis::LayerInfo& layer : info->layers) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      // Maps and tokens on a grid show live; a vector of class scores does not.
      const bool spatial = layer.shape.size() >= 2 && analysis::guess_layout(layer.shape) != analysis::LayerLayout::kAuto;
      if (!spatial) ImGui::BeginDisabled();
      if (ImGui::Selectable(layer.name.c_str(), layer.name == studio.settings.layer, ImGuiSelectableFlags_SpanAllColumns))
        studio.set_layer(layer.name);
      hover_tooltip(layer.name + ": " + layer.type + ", " + shape_text(layer.shape));
      if (!spatial) ImGui::EndDisabled();
      if (show_type) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(layer.type.c_str());
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(shape_text(layer.shape).c_str());
    }
    ImGui::EndTable();
  }
  if (f && !f->top.empty()) predictions(*f);
  ImGui::End();
}

}  // namespace unitscope::engine
