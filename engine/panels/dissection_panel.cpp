#include "engine/panels/dissection_panel.h"

#include "analysis/model/layer_layout.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/dissect/dissection.h"
#include "analysis/dissect/dissection_state.h"
#include "analysis/data/broden_dataset.h"
#include "analysis/stats/iou_tally.h"
#include "engine/studio/demo_assets.h"
#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_dissection.h"

namespace unitscope::engine {

namespace fs = std::filesystem;

namespace {

const char* const kConventions[] = {"pnas", "netdissect-lite"};
constexpr std::size_t kBestRows = 20;

// A finished run's state only holds what its outputs already hold; a new run with other options
// (layers, dataset, convention) would refuse to start on it, so it is dropped instead. So is the
// state an older unitscope left in the studio's cache (its checkpoint.bin), which none can resume.
bool droppable_state(const fs::path& state_dir) {
  if (fs::exists(state_dir / "checkpoint.bin")) return true;
  try {
    const auto data = analysis::state_checkpoint(state_dir).load();
    return data && analysis::deserialize_state(*data).phase == analysis::kPhaseDone;
  } catch (const std::exception&) {
    return false;
  }
}

struct BestRow {
  std::string layer;
  int unit = 0;
  std::string label, category;
  double iou = 0.0;
};

bool better(const BestRow& a, const BestRow& b) { return a.iou > b.iou || (a.iou == b.iou && a.unit < b.unit); }

std::string detector_line(const std::string& layer, const std::vector<BestRow>& rows, double cutoff) {
  const auto detectors = std::count_if(rows.begin(), rows.end(), [&](const BestRow& r) { return r.iou > cutoff; });
  char line[256];
  std::snprintf(line, sizeof(line), "%s: %d of %zu units are detectors (IoU > %.3g)", layer.c_str(), int(detectors),
                rows.size(), cutoff);
  return line;
}

// "object, part" -> {"object", "part"}.
std::vector<std::string> split_categories(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (const char c : text + ",") {
    if (c == ',') {
      const auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
      if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

}  // namespace

struct DissectionPanel::Results {
  std::vector<std::string> summary;  // a headline, then each layer's detectors
  std::vector<BestRow> best;         // the best units over every layer
  bool final = false;
};

namespace {

// A run's scores by layer, on the job's thread only; each change is published as new Results.
class RunScores {
 public:
  RunScores(fs::path dataset, double cutoff) : dataset_(std::move(dataset)), cutoff_(cutoff) {}

  // One layer's scores so far (DissectOptions::on_partial).
  DissectionPanel::Results partial(const analysis::LayerResult& layer) {
    if (!labels_) {
      // Label names come from the dataset's tables (the images are not read).
      try {
        analysis::BrodenOptions o;
        o.load_images = false;
        labels_ = analysis::BrodenDataset::open(dataset_, o).labels();
      } catch (const std::exception&) {
        labels_.emplace();
      }
    }
    std::vector<BestRow> rows;
    for (const analysis::UnitResult& u : layer.units) {
      const auto label = std::size_t(u.score.label);
      const bool known = label < labels_->size();
      rows.push_back({layer.layer, u.unit, known ? (*labels_)[label].name : "#" + std::to_string(label),
                      known ? (*labels_)[label].category : "", u.score.score});
    }
    layers_[layer.layer] = std::move(rows);
    return rank("so far", false);
  }

  // The finished dissection.
  DissectionPanel::Results finish(const analysis::DissectionResult& r) {
    layers_.clear();
    cutoff_ = r.iou_threshold;  // the sidecar's, when the form left it
    for (const analysis::LayerResult& layer : r.layers) {
      auto& rows = layers_[layer.layer];
      for (const analysis::UnitResult& u : layer.units) {
        const auto label = std::size_t(u.score.label);
        const int category = label < r.label_category.size() ? r.label_category[label] : -1;
        rows.push_back({layer.layer, u.unit, label < r.label_names.size() ? r.label_names[label] : "",
                        category >= 0 ? r.categories[std::size_t(category)] : "", u.score.score});
      }
    }
    return rank("dissected " + std::to_string(r.images) + " images, convention " +
                    analysis::convention_name(r.convention),
                true);
  }

 private:
  DissectionPanel::Results rank(const std::string& headline, bool final) const {
    DissectionPanel::Results out;
    out.final = final;
    out.summary = {headline};
    for (const auto& [name, rows] : layers_) {
      out.best.insert(out.best.end(), rows.begin(), rows.end());
      out.summary.push_back(detector_line(name, rows, cutoff_));
    }
    const std::size_t n = std::min(kBestRows, out.best.size());
    std::partial_sort(out.best.begin(), out.best.begin() + std::ptrdiff_t(n), out.best.end(), better);
    out.best.resize(n);
    return out;
  }

  fs::path dataset_;  // the dissected Broden directory, for label names of partial results
  double cutoff_;     // the run's IoU threshold
  std::optional<std::vector<analysis::BrodenLabel>> labels_;
  std::map<std::string, std::vector<BestRow>> layers_;  // every unit, by layer
};

}  // namespace

DissectionPanel::DissectionPanel() = default;
DissectionPanel::~DissectionPanel() = default;

void DissectionPanel::draw(PanelContext& ctx) {
  if (!ImGui::Begin("Dissection pass")) {
    ImGui::End();
    return;
  }
  Studio& studio = ctx.studio;
  // A finished run: load its dissection of the current layer, once (the studio loads it as a job).
  if (auto end = job_.take(); end && end->state == JobState::kDone) studio.reload_dissection();
  if (!studio.info()) {
    ImGui::TextColored(kDimColor, "%s", studio.model_error().empty() ? "opening the model..." : "no model loaded");
    ImGui::End();
    return;
  }
  draw_form(ctx);
  draw_job(ctx);
  draw_results(ctx);
  ImGui::End();
}

void DissectionPanel::draw_form(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  const bool generator = studio.is_generator();
  if (form_model_ != studio.settings.model) {
    form_model_ = studio.settings.model;
    cache_dir_ = studio.dissection_cache_dir();  // a few file-system calls: not every frame
    layers_.clear();
    form_layer_.clear();
    dataset_.clear();
  }
  if (studio.settings.layer != form_layer_ && (layers_.empty() || layers_ == std::set<std::string>{form_layer_})) {
    form_layer_ = studio.settings.layer;
    layers_ = {form_layer_};
    if (form_layer_.empty()) layers_.clear();
  }

  // Which dissection is loaded, and where this model's runs are cached.
  const fs::path& out = cache_dir_;
  if (const analysis::LayerDissection* d = studio.dissection()) {
    const bool cached = studio.dissection_dir().parent_path() == out;
    ImGui::TextWrapped("Loaded: %s, %zu units, %s convention, of %s", d->layer.c_str(), d->units.size(),
                       d->convention.c_str(), d->dataset.empty() ? "an unknown dataset" : d->dataset.string().c_str());
    dim_wrapped("from " + studio.dissection_dir().string() + (cached ? " (cached run)" : ""));
  } else {
    ImGui::TextWrapped("No dissection of layer %s is loaded yet.", studio.settings.layer.c_str());
  }
  if (!studio.dissection_error().empty()) {
    error_text(studio.dissection_error());
  }
  dim_wrapped("cache: " + out.string());
  ImGui::Separator();

  const bool running = job_.running();
  ImGui::BeginDisabled(running);
  if (ImGui::TreeNode("Layers")) {
    const float height = std::min(8.0f, float(studio.info()->layers.size())) * ImGui::GetFrameHeightWithSpacing();
    if (ImGui::BeginChild("layers", ImVec2(0, height), true)) {
      for (const analysis::LayerInfo& l : studio.info()->layers) {
        // Maps and tokens on a grid can be dissected; a vector or an unreadable shape cannot.
        const analysis::LayerLayout layout = analysis::guess_layout(l.shape);
        if (l.shape.size() < 2 || layout == analysis::LayerLayout::kAuto) continue;
        bool on = layers_.count(l.name) != 0;
        const std::string text = l.name + "  " + l.type + " " + std::to_string(l.shape[0]) + "x" +
                                 std::to_string(l.shape[1]) + "x" + std::to_string(l.shape[2]);
        if (ImGui::Checkbox(text.c_str(), &on)) {
          if (on) {
            layers_.insert(l.name);
          } else {
            layers_.erase(l.name);
          }
        }
      }
    }
    ImGui::EndChild();
    ImGui::TreePop();
  }
  std::string chosen;
  for (const auto& l : layers_) chosen += (chosen.empty() ? "" : ", ") + l;
  ImGui::TextWrapped("dissect: %s", chosen.empty() ? "(no layer chosen)" : chosen.c_str());
  ImGui::PushItemWidth(label_room({"convention", "samples", "dataset", "image limit"}));
  ImGui::Combo("convention", &convention_, kConventions, IM_ARRAYSIZE(kConventions));
  if (generator) {
    ImGui::InputInt("samples", &samples_);
    samples_ = std::max(1, samples_);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("GAN dissection: latent samples of seed 1, labelled by the demo segmenter");
  } else {
    ImGui::InputTextWithHint("dataset", "demo/world", &dataset_);
    hover_tooltip(dataset_.empty() ? "the demo dataset (demo/world)" : dataset_);
    ImGui::InputInt("image limit", &limit_);
    limit_ = std::max(0, limit_);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Dissect only the first N images (0: all)");
  }
  ImGui::PopItemWidth();
  draw_knobs();
  ImGui::EndDisabled();
}

void DissectionPanel::draw_knobs() {
  if (!ImGui::TreeNode("Knobs")) return;
  ImGui::PushItemWidth(label_room({"top quantile", "IoU threshold", "categories", "label size"}));
  ImGui::InputDouble("top quantile", &quantile_, 0.0, 0.0, "%.4g");
  quantile_ = std::clamp(quantile_, 0.0, 0.49);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The top fraction of each unit's values that counts as active (0: the convention's, 0.005 "
                      "netdissect-lite, 0.01 pnas)");
  ImGui::InputDouble("IoU threshold", &iou_threshold_, 0.0, 0.0, "%.4g");
  iou_threshold_ = std::clamp(iou_threshold_, 0.0, 0.99);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A unit whose best IoU is higher is a detector (the papers: 0.04)");
  ImGui::InputTextWithHint("categories", "all", &categories_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Concept categories to score, comma-separated (NetDissect-Lite: object, part, scene, texture, color)");
  ImGui::InputInt("label size", &label_size_);
  label_size_ = std::clamp(label_size_, 0, 4096);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Shorter side of the grid maps and labels are compared on (0: the labels' own resolution)");
  ImGui::PopItemWidth();
  ImGui::TreePop();
}

void DissectionPanel::draw_job(PanelContext& ctx) {
  const JobState state = job_.state();
  const bool own = started_;
  if (state == JobState::kRunning && own) {
    static const char* const kPhases[] = {"starting", "forward", "tally", "report", "done"};
    const analysis::DissectProgress& progress = *run_progress_;
    const int phase = std::clamp(progress.phase.load(), 0, 4);
    const std::size_t done = progress.done, total = progress.total;
    const char* name = phase == 0 && run_generator_ && total > 0 ? "generating samples" : kPhases[phase];
    job_progress(job_.slot(), name, done, total, "computing; a cancelled run continues from its last batch");
    if (const std::size_t resumed = progress.resumed_from; resumed > 0)
      ImGui::TextColored(kDimColor, "resumed at image %zu", resumed);
    return;
  }
  if (own) job_outcome(job_.slot(), "Cancelled.");
  ImGui::BeginDisabled(layers_.empty());
  if (state == JobState::kFailed && own) {
    if (ImGui::Button("Retry")) start(ctx, false);
    ImGui::SameLine();
    if (ImGui::Button("Start over")) start(ctx, true);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Discard the unfinished run in the cache and start again");
  } else if (state == JobState::kCancelled && own) {
    if (ImGui::Button("Resume")) start(ctx, false);
    ImGui::SameLine();
    if (ImGui::Button("Start over")) start(ctx, true);
  } else if (ImGui::Button(ctx.studio.dissection() || (state == JobState::kDone && own) ? "Run again" : "Run")) {
    start(ctx, false);
  }
  ImGui::EndDisabled();
  if (state == JobState::kDone && own) {
    dim_wrapped("report: " + (run_out_ / "report.html").string());
  }
}

void DissectionPanel::draw_results(PanelContext& ctx) {
  // Another model's units would open the wrong units in the inspector.
  if (!started_ || run_model_ != ctx.studio.settings.model) return;
  const std::shared_ptr<const Results> results = job_.latest();
  if (!results || results->best.empty()) {
    if (job_.running()) dim_wrapped("partial results appear after the first tally batches");
    return;
  }
  ImGui::Separator();
  for (const auto& line : results->summary) ImGui::TextWrapped("%s", line.c_str());
  ImGui::TextColored(kDimColor, results->final ? "best units (click to inspect):" : "best units so far:");
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("best_units", 5, kFlags)) return;
  // Columns as wide as their content; the label takes what is left.
  ImGui::TableSetupColumn("layer");
  ImGui::TableSetupColumn("unit");
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("category");
  ImGui::TableSetupColumn("IoU");
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < results->best.size(); ++i) {
    const BestRow& row = results->best[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.layer.c_str());
    ImGui::TableNextColumn();
    // Units of the studio's layer open in the inspector.
    const bool here = row.layer == ctx.studio.settings.layer;
    const std::string id = std::to_string(row.unit + 1) + "##best" + std::to_string(i);
    if (here) {
      if (ImGui::Selectable(id.c_str(), ctx.studio.settings.selected_unit == row.unit))
        ctx.studio.select_unit(row.unit);
    } else {
      ImGui::Text("%d", row.unit + 1);
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.label.c_str());
    hover_tooltip(row.label);  // the stretched column cuts long labels
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.category.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.3f", row.iou);
  }
  ImGui::EndTable();
}

void DissectionPanel::start(PanelContext& ctx, bool start_over) {
  Studio& studio = ctx.studio;
  StudioDissectionRequest request;
  request.model = studio.model_path();
  request.layers.assign(layers_.begin(), layers_.end());
  request.generator = studio.is_generator();
  if (request.generator) request.segmenter = studio.settings.segmenter;
  request.dataset = dataset_;
  request.convention = convention_ == 1 ? analysis::Convention::kNetDissectLite : analysis::Convention::kPnas;
  request.limit = std::size_t(request.generator ? samples_ : limit_);
  request.out = studio.dissection_cache_dir();
  request.threads = job_threads();
  // Knobs left at their defaults leave the model sidecar's in force.
  if (quantile_ != 0.0) request.knobs.quantile = quantile_;
  if (iou_threshold_ != analysis::kDetectorIou) request.knobs.iou_threshold = iou_threshold_;
  if (!categories_.empty()) request.knobs.categories = split_categories(categories_);
  if (label_size_ != 0) request.knobs.label_size = label_size_;
  auto progress = std::make_shared<analysis::DissectProgress>();
  started_ = true;
  run_generator_ = request.generator;
  run_model_ = studio.settings.model;
  run_out_ = studio_dissection_out(request);
  run_progress_ = progress;
  using Publisher = JobResult<Results>::Publisher;
  job_.start("dissection", [progress, request, start_over](JobControl& job, const Publisher& publisher) mutable {
    if (!request.generator && request.dataset.empty()) {
      job.set_status("preparing the demo dataset");
      request.dataset = demo_dataset();
      job.set_status("");
    }
    const fs::path out = studio_dissection_out(request);
    RunScores scores(request.generator ? out / "samples" : request.dataset,
                     request.knobs.iou_threshold.value_or(analysis::kDetectorIou));
    request.on_partial = [&](const analysis::LayerResult& layer) { publisher.publish(scores.partial(layer)); };
    const fs::path state_dir = out / ".dissect";
    if (start_over || droppable_state(state_dir)) fs::remove_all(state_dir);
    return scores.finish(run_studio_dissection(request, *progress, job.stop()));
  });
}

}  // namespace unitscope::engine
