#include "engine/panels/unit_inspector_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <utility>
#include <vector>

#include "analysis/dissect/dissection_file.h"
#include "analysis/data/image.h"
#include "analysis/stats/iou_tally.h"
#include "analysis/model/live_session.h"
#include "analysis/dissect/unit_exemplars.h"
#include "engine/studio/image_cache.h"
#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_views.h"

namespace unitscope::engine {

namespace {

// Beside the map, the labels need at least this much (the text above their table wraps).
constexpr float kLabelsMinWidth = 170.0f;
constexpr float kMinMapSide = 64.0f;

// How wide the labels' table (category, label, IoU) is with every cell whole.
float labels_table_width(const analysis::LayerDissection* d, int unit) {
  if (!d || unit < 0 || unit >= int(d->units.size())) return kLabelsMinWidth;
  const auto width = [](const std::string& s) { return ImGui::CalcTextSize(s.c_str()).x; };
  float category = width("category"), label = width("label");
  const analysis::UnitSummary& u = d->units[std::size_t(unit)];
  for (std::size_t c = 0; c < d->categories.size() && c < u.best.size(); ++c) {
    category = std::max(category, width(d->categories[c]));
    label = std::max(label, width(u.best[c].label.empty() ? "-" : u.best[c].label));
  }
  const float cells = category + label + width("0.000");
  // Each cell's padding on both sides, and the table's four vertical borders.
  return std::max(kLabelsMinWidth, cells + 6.0f * ImGui::GetStyle().CellPadding.x + 4.0f);
}

struct Exemplar {
  analysis::Image image;  // the composite, RGB
  std::string caption;
  std::uint64_t version = 0;  // the job's generation: a new image for the cache's key
};

std::string format(const char* fmt, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), fmt, v);
  return buffer;
}

// A horizontal bar of `value` against `scale` (the largest magnitude), zero in the middle when
// some values are negative.
void signed_bar(double value, double scale, bool negatives, float width) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetTextLineHeight();
  ImDrawList* list = ImGui::GetWindowDrawList();
  const float zero = negatives ? at.x + width * 0.5f : at.x;
  const float span = negatives ? width * 0.5f : width;
  const float t = scale > 0 ? float(std::clamp(value / scale, -1.0, 1.0)) : 0.0f;
  list->AddRectFilled(at, ImVec2(at.x + width, at.y + h), IM_COL32(50, 50, 55, 255));
  const float end = zero + t * span;
  list->AddRectFilled(ImVec2(std::min(zero, end), at.y + 2), ImVec2(std::max(zero, end), at.y + h - 2),
                      value >= 0 ? IM_COL32(230, 160, 40, 255) : IM_COL32(90, 140, 230, 255));
  if (negatives) list->AddLine(ImVec2(zero, at.y), ImVec2(zero, at.y + h), IM_COL32(200, 200, 200, 160));
  ImGui::Dummy(ImVec2(width, h));
}

}  // namespace

struct UnitInspectorPanel::Exemplars {
  std::vector<std::shared_ptr<const Exemplar>> shown;  // shared by the snapshots that follow
  std::vector<std::string> notes;  // exemplars that could not be shown, and why
};

struct UnitInspectorPanel::Session {
  // Only jobs lock it (never the UI): a cancelled job may still use the session as the next starts.
  std::mutex mutex;
  std::unique_ptr<analysis::LiveSession> live;
  std::string model;
};

UnitInspectorPanel::UnitInspectorPanel() : session_(std::make_shared<Session>()) {}
UnitInspectorPanel::~UnitInspectorPanel() = default;

void UnitInspectorPanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  if (!ImGui::Begin("Unit inspector")) {
    studio.request_view(ViewId::kInspector, 0, 0);
    ImGui::End();
    return;
  }
  if (model_key_ != studio.settings.model) {
    model_key_ = studio.settings.model;
    model_path_ = studio.model_path();  // file-system calls: once per model, not per frame
  }
  const int unit = studio.settings.selected_unit;
  if (unit < 0) {
    studio.request_view(ViewId::kInspector, 0, 0);
    ImGui::TextWrapped("No unit selected: click a unit in the feature maps, the ablation panel or the "
                       "dissection results.");
    ImGui::End();
    return;
  }
  ImGui::TextWrapped("Unit %d of layer %s", unit + 1, studio.settings.layer.c_str());

  // The unit's map over the current frame with its mask at the dissection threshold (GPU view),
  // beside its labels where both fit whole, else above them. The map takes what the labels leave,
  // up to 38% of the width.
  const float avail = ImGui::GetContentRegionAvail().x;
  const float labels = labels_table_width(studio.dissection(), unit) + 2.0f * ImGui::GetStyle().ItemSpacing.x;
  const bool beside = avail - labels >= kMinMapSide;
  const float side = beside ? std::clamp(std::min(avail * 0.38f, avail - labels), kMinMapSide, 256.0f)
                            : std::clamp(avail * 0.5f, 48.0f, 128.0f);
  studio.request_view(ViewId::kInspector, int(side), int(side));
  const auto draw_view = [&] {
    const ImTextureID view = ctx.views ? ctx.views->texture(ViewId::kInspector) : ImTextureID{};
    if (view) {
      ImGui::Image(view, ImVec2(side, side));
    } else {
      ImGui::TextColored(kDimColor, "%s", studio.computing() ? "computing..." : "no frame yet");
    }
  };
  if (!beside) {
    draw_view();
    draw_labels(ctx, unit);
  } else if (ImGui::BeginTable("inspector_top", 2, ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("view", ImGuiTableColumnFlags_WidthFixed, side);
    ImGui::TableSetupColumn("labels", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    draw_view();
    ImGui::TableNextColumn();
    draw_labels(ctx, unit);
    ImGui::EndTable();
  }
  draw_exemplars(ctx, unit);
  draw_importance(ctx, unit);
  ImGui::End();
}

void UnitInspectorPanel::draw_labels(PanelContext& ctx, int unit) {
  const analysis::LayerDissection* d = ctx.studio.dissection();
  if (!ImGui::CollapsingHeader("Labels", ImGuiTreeNodeFlags_DefaultOpen)) return;
  if (!d) {
    ImGui::TextWrapped("No dissection of layer %s yet: run one in the Dissection pass panel.",
                       ctx.studio.settings.layer.c_str());
    if (!ctx.studio.dissection_error().empty())
      ImGui::TextColored(kErrorColor, "%s", ctx.studio.dissection_error().c_str());
    return;
  }
  if (unit >= int(d->units.size())) {
    ImGui::TextColored(kErrorColor, "The dissection has %zu units; unit %d is not among them.", d->units.size(),
                       unit + 1);
    return;
  }
  const analysis::UnitSummary& u = d->units[std::size_t(unit)];
  ImGui::Text("%s", u.label.empty() ? "(no label)" : u.label.c_str());
  if (!u.category.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(kDimColor, "(%s)", u.category.c_str());
  }
  char iou[48];
  std::snprintf(iou, sizeof(iou), "IoU %.3f%s", u.iou, u.iou > d->detector_iou ? "  detector" : "");
  same_line_if_fits(ImGui::CalcTextSize(iou).x);
  ImGui::TextUnformatted(iou);
  char threshold[96];
  std::snprintf(threshold, sizeof(threshold), "threshold %.4g, %s convention", u.threshold, d->convention.c_str());
  dim_wrapped(threshold);
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("iou_by_category", 3, kFlags)) return;
  // Category and IoU as wide as their text; the label takes the rest (and is cut first).
  ImGui::TableSetupColumn("category");
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("IoU");
  ImGui::TableHeadersRow();
  for (std::size_t c = 0; c < d->categories.size() && c < u.best.size(); ++c) {
    const analysis::CategoryLabel& b = u.best[c];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(d->categories[c].c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(b.label.empty() ? "-" : b.label.c_str());
    if (!b.label.empty()) hover_tooltip(b.label);
    ImGui::TableNextColumn();
    if (b.iou > d->detector_iou) {
      ImGui::Text("%.3f", b.iou);
    } else {
      ImGui::TextColored(kDimColor, "%.3f", b.iou);
    }
  }
  ImGui::EndTable();
}

void UnitInspectorPanel::draw_exemplars(PanelContext& ctx, int unit) {
  if (!ImGui::CollapsingHeader("Top exemplars", ImGuiTreeNodeFlags_DefaultOpen)) return;
  Studio& studio = ctx.studio;
  const analysis::LayerDissection* d = studio.dissection();
  if (!d || unit >= int(d->units.size())) {
    dim_wrapped("The unit's exemplars come with its dissection.");
    return;
  }
  if (d->units[std::size_t(unit)].top.empty()) {
    ImGui::TextWrapped("This dissection lists no top images (written by an older unitscope); run it again "
                       "in the Dissection pass panel.");
    return;
  }
  // A new dissection (a finished run reloaded) may reuse the old one's address: its directory and
  // the unit's threshold tell them apart.
  char key[96];
  std::snprintf(key, sizeof(key), "|%p|%d|%.17g", static_cast<const void*>(d), unit, d->units[std::size_t(unit)].threshold);
  const std::string wanted =
      studio.settings.model + "|" + studio.settings.layer + "|" + studio.dissection_dir().string() + key;
  if (wanted != exemplar_key_) {
    exemplar_key_ = wanted;
    start_exemplars(ctx, *d, unit);
  }

  ImGui::SetNextItemWidth(label_room({"size"}));
  ImGui::SliderInt("size", &thumbnail_size_, 48, 256);
  const JobState state = job_.state();
  if (state == JobState::kRunning) {
    ImGui::ProgressBar(float(job_.progress()), ImVec2(-1, 0), "computing...");
    const std::string status = job_.status();
    if (!status.empty()) dim_wrapped(status);
  } else if (state == JobState::kFailed) {
    error_text(job_.error());
    if (ImGui::Button("Retry")) start_exemplars(ctx, *d, unit);
  }

  const std::shared_ptr<const Exemplars> exemplars = job_.latest();
  if (!exemplars) return;
  const float size = float(thumbnail_size_);
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (std::size_t i = 0; i < exemplars->shown.size(); ++i) {
    const Exemplar& e = *exemplars->shown[i];
    if (i > 0) {
      const float next = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + size;
      if (next < right) ImGui::SameLine();
    }
    ImGui::BeginGroup();
    const float aspect = e.image.width > 0 ? float(e.image.height) / float(e.image.width) : 1.0f;
    ctx.images.show("inspector/exemplar/" + std::to_string(i), e.version, e.image, ImVec2(size, size * aspect));
    // Captions wrap under their thumbnail, not across the next one.
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size);
    ImGui::TextColored(kDimColor, "%s", e.caption.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
  }
  for (const std::string& note : exemplars->notes) error_text(note);
}

void UnitInspectorPanel::start_exemplars(PanelContext& ctx, const analysis::LayerDissection& dissection, int unit) {
  const analysis::UnitSummary& u = dissection.units[std::size_t(unit)];
  const std::string model = model_path_;
  const std::string layer = ctx.studio.settings.layer;
  analysis::ExemplarRequest request;
  request.top = u.top;
  request.dataset = dissection.dataset;
  request.unit = unit;
  request.threshold = u.threshold;
  using Publisher = JobResult<Exemplars>::Publisher;
  job_.start("exemplars", [session = session_, model, layer, request](JobControl& job, const Publisher& publisher) {
    std::lock_guard session_lock(session->mutex);
    if (!session->live || session->model != model) {
      job.set_status("opening " + model);
      session->live.reset();
      analysis::LiveOptions options;
      options.model.source = model;
      options.layer = layer;
      session->live = std::make_unique<analysis::LiveSession>(options);
      session->model = model;
    } else if (session->live->layer() != layer) {
      session->live->set_layer(layer);
    }
    job.set_status("");
    const std::size_t n = request.top.size();
    Exemplars so_far;
    analysis::composite_unit_exemplars(
        *session->live, request, job.stop(),
        [&](std::size_t i, analysis::Image image) {
          const analysis::UnitTopImage& t = request.top[i];
          auto e = std::make_shared<Exemplar>();
          e->image = std::move(image);
          e->caption = "#" + std::to_string(i + 1) + " row " + std::to_string(t.row) + format(", max %.3g", t.value);
          e->version = publisher.generation();
          so_far.shown.push_back(std::move(e));
          publisher.publish(so_far);
          job.set_progress(double(i + 1) / double(n));
        },
        [&](std::size_t, const std::string& why) {
          so_far.notes.push_back(why);
          publisher.publish(so_far);
        });
    return so_far;
  });
}

void UnitInspectorPanel::draw_importance(PanelContext& ctx, int unit) {
  if (!ImGui::CollapsingHeader("Importance per class", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const auto importance = ctx.studio.importance();
  if (!importance || importance->layer != ctx.studio.settings.layer || importance->model != model_path_) {
    ImGui::TextWrapped("The Ablation panel measures each class's dependence on the units of this layer.");
    return;
  }
  if (unit >= importance->units) {
    ImGui::TextColored(kErrorColor, "The ablation covers %d units.", importance->units);
    return;
  }
  // Classes by the accuracy they lose without this unit, largest first.
  std::vector<std::pair<double, std::size_t>> order;
  double scale = 0.0;
  bool negatives = false;
  for (std::size_t c = 0; c < importance->classes.size(); ++c) {
    const auto& drop = importance->classes[c].drop;
    if (std::size_t(unit) >= drop.size()) continue;
    const double v = drop[std::size_t(unit)];
    order.emplace_back(v, c);
    scale = std::max(scale, std::abs(v));
    negatives = negatives || v < 0;
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  dim_wrapped("balanced-accuracy drop on train when the unit alone is zeroed; #: its rank");
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("importance", 4, kFlags)) return;
  ImGui::TableSetupColumn("class", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("drop", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("rank", ImGuiTableColumnFlags_WidthFixed);
  for (const auto& [value, c] : order) {
    const analysis::ClassImportance& cls = importance->classes[c];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(cls.name.c_str());
    ImGui::TableNextColumn();
    signed_bar(value, scale, negatives, std::max(20.0f, ImGui::GetContentRegionAvail().x));
    ImGui::TableNextColumn();
    ImGui::Text("%+.1f%%", 100.0 * value);
    ImGui::TableNextColumn();
    const auto it = std::find(cls.ranking.begin(), cls.ranking.end(), unit);
    if (it != cls.ranking.end()) ImGui::Text("#%d", int(it - cls.ranking.begin()) + 1);
  }
  ImGui::EndTable();
}

}  // namespace unitscope::engine
