#include "analysis/intervene/gan_intervention_report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/data/csv.h"
#include "analysis/data/file_write.h"
#include "analysis/data/image.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/dissect/dissection_report.h"

namespace unitscope::analysis {
namespace {

// Sorted keys (not ordered_json): intervention.json has always listed its keys alphabetically.
using nlohmann::json;

std::string percent(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f%%", 100.0 * v);
  return buffer;
}

// The keys every intervention.json starts from; its lists of units hold unit numbers.
json run_json(const GanInterventionRun& run, const std::string& action) {
  return {{"action", action},      {"generator", run.generator},  {"segmenter", run.segmenter},
          {"layer", run.layer},    {"concept", run.concept_name}, {"latent_seed", run.latent_seed},
          {"samples", run.samples}, {kUnitNumberingKey, kFirstUnitNumber}};
}

// In-memory indices as the numbers people and files use.
std::vector<int> unit_numbers(const std::vector<int>& indices) {
  std::vector<int> numbers;
  for (int u : indices) numbers.push_back(unit_number(u));
  return numbers;
}

// The report of ablate and insert: one table under a caption.
std::string table_html(const GanInterventionRun& run, const std::string& title,
                       const std::string& caption, const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string html =
      "<!doctype html><meta charset=utf-8><title>unitscope: " + html_escape(title) +
      "</title><style>body{font-family:sans-serif}td,th{padding:2px 10px;text-align:right}"
      "</style><h1>" +
      html_escape(title) + "</h1><p>" + html_escape(caption) + "<p>generator <code>" +
      html_escape(run.generator) + "</code>, " + std::to_string(run.samples) +
      " samples of latent seed " + std::to_string(run.latent_seed) + "<table><tr>";
  for (const auto& h : header) html += "<th>" + html_escape(h) + "</th>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + html_escape(cell) + "</td>";
  }
  return html + "</table>\n";
}

std::string pair_stem(const GanPaintPair& pair) { return "pair_" + std::to_string(pair.sample); }

// A table action's files: report.html, its CSV (a header and rows) and intervention.json.
void write_table_action(const std::filesystem::path& dir, const std::string& html, const std::string& csv_name,
                        const std::vector<std::vector<std::string>>& csv_rows, const std::string& json_text) {
  std::filesystem::create_directories(dir);
  std::ostringstream csv;
  for (const auto& row : csv_rows) write_csv_record(csv, row);
  write_file_atomic(dir / "report.html", html);
  write_file_atomic(dir / csv_name, csv.str());
  write_file_atomic(dir / "intervention.json", json_text);
}

}  // namespace

// ---- ablate ---------------------------------------------------------------------------------

std::string gan_ablation_json(const GanAblationResult& r) {
  json doc = run_json(r.run, "ablate");
  json points = json::array();
  for (const auto& p : r.effect.points) {
    points.push_back({{"units", p.units}, {"removed", p.removed}, {"others_kept", p.others_kept}});
  }
  doc["concept_pixels"] = r.effect.concept_pixels;
  doc["rank"] = r.effect.rank;
  doc["ranked_units"] = unit_numbers(r.effect.ranked_units);
  doc["points"] = points;
  if (!r.effect.ace.empty()) doc["ace"] = r.effect.ace;
  if (r.by_iou) {
    json iou = json::array();
    for (const auto& p : r.by_iou->points) {
      iou.push_back({{"units", p.units}, {"removed", p.removed}, {"others_kept", p.others_kept}});
    }
    doc["iou_ranked_units"] = unit_numbers(r.by_iou->ranked_units);
    doc["iou_points"] = iou;
  }
  return doc.dump(2) + "\n";
}

// Removed share against units switched off, one polyline per ranking, on a log-like x of the counts.
std::string removal_chart(const GanAblationResult& r) {
  constexpr int kW = 360, kH = 200, kLeft = 40, kBottom = 24;
  const auto& points = r.effect.points;
  if (points.empty()) return "";
  auto x = [&](std::size_t i) {
    return kLeft + (points.size() > 1 ? double(i) * (kW - kLeft - 10) / double(points.size() - 1) : 0.0);
  };
  auto y = [&](double v) { return 8 + (1.0 - std::clamp(v, 0.0, 1.0)) * (kH - kBottom - 8); };
  auto line = [&](const std::vector<AblationPoint>& ps, const char* colour) {
    std::string d;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      char xy[64];
      std::snprintf(xy, sizeof xy, "%s%.1f,%.1f", i ? " " : "", x(i), y(ps[i].removed));
      d += xy;
    }
    return std::string("<polyline fill=none stroke-width=2 stroke=\"") + colour + "\" points=\"" + d + "\"/>";
  };
  std::string svg = "<svg width=" + std::to_string(kW) + " height=" + std::to_string(kH) +
                    " style=\"font:11px sans-serif\"><line x1=" + std::to_string(kLeft) + " y1=" +
                    std::to_string(kH - kBottom) + " x2=" + std::to_string(kW - 10) + " y2=" +
                    std::to_string(kH - kBottom) + " stroke=#888 /><line x1=" + std::to_string(kLeft) +
                    " y1=8 x2=" + std::to_string(kLeft) + " y2=" + std::to_string(kH - kBottom) + " stroke=#888 />";
  for (double v : {0.0, 0.5, 1.0}) {
    char label[96];
    std::snprintf(label, sizeof label, "<text x=4 y=%.1f>%d%%</text>", y(v) + 4, int(v * 100));
    svg += label;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    char label[96];
    std::snprintf(label, sizeof label, "<text x=%.1f y=%d text-anchor=middle>%d</text>", x(i), kH - 8, points[i].units);
    svg += label;
  }
  svg += line(points, r.effect.rank == "ace" ? "#c0392b" : "#2c6fbb");
  if (r.by_iou) svg += line(r.by_iou->points, "#2c6fbb");
  return svg + "</svg><p><span style=\"color:#c0392b\">&#9632; ranked by ACE</span> &nbsp; "
               "<span style=\"color:#2c6fbb\">&#9632; ranked by IoU</span> (units switched off on the x axis)";
}

std::string gan_ablation_html(const GanAblationResult& r) {
  const std::string& name = r.run.concept_name;
  const std::string by = r.effect.rank == "ace" ? "average causal effect" : "IoU";
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < r.effect.points.size(); ++i) {
    const auto& p = r.effect.points[i];
    std::vector<std::string> row = {std::to_string(p.units), percent(p.removed), percent(p.others_kept)};
    if (r.by_iou && i < r.by_iou->points.size()) {
      row.push_back(percent(r.by_iou->points[i].removed));
      row.push_back(percent(r.by_iou->points[i].others_kept));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"units", "removed", "other objects kept"};
  if (r.by_iou) {
    header = {"units", "removed (ACE top-k)", "others kept (ACE)", "removed (IoU top-k)", "others kept (IoU)"};
  }
  std::string html = table_html(r.run, "Removing " + name + " units",
                                "Share of the " + name + " pixels that disappear when the concept's top units of " +
                                    r.run.layer + " by " + by +
                                    " are switched off everywhere, and pixels of all other concepts "
                                    "after / before.",
                                header, rows);
  if (r.by_iou || r.effect.rank == "ace") html += removal_chart(r) + "\n";
  return html;
}

void write_gan_ablation(const std::filesystem::path& dir, const GanAblationResult& r) {
  std::vector<std::vector<std::string>> rows = {{"units", "removed", "others_kept"}};
  if (r.by_iou) rows[0] = {"units", "removed", "others_kept", "removed_iou", "others_kept_iou"};
  for (std::size_t i = 0; i < r.effect.points.size(); ++i) {
    const auto& p = r.effect.points[i];
    rows.push_back({std::to_string(p.units), std::to_string(p.removed), std::to_string(p.others_kept)});
    if (r.by_iou && i < r.by_iou->points.size()) {
      rows.back().push_back(std::to_string(r.by_iou->points[i].removed));
      rows.back().push_back(std::to_string(r.by_iou->points[i].others_kept));
    }
  }
  write_table_action(dir, gan_ablation_html(r), "ablation.csv", rows, gan_ablation_json(r));
}

// ---- insert ---------------------------------------------------------------------------------

std::string gan_insertion_json(const GanInsertionResult& r) {
  json doc = run_json(r.run, "insert");
  json contexts = json::array();
  for (const auto& c : r.effect.contexts) {
    contexts.push_back({{"context", c.context}, {"trials", c.trials}, {"added", c.added}});
  }
  doc["units"] = unit_numbers(r.effect.units);
  doc["region"] = r.effect.region;
  doc["mean_added"] = r.effect.mean_added;
  doc["contexts"] = contexts;
  return doc.dump(2) + "\n";
}

std::string gan_insertion_html(const GanInsertionResult& r) {
  const std::string& name = r.run.concept_name;
  const std::string side = std::to_string(r.effect.region);
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : r.effect.contexts) {
    rows.push_back({c.context, std::to_string(c.trials), percent(c.added)});
  }
  return table_html(r.run, "Inserting " + name + " units",
                    "Share of a " + side + "x" + side + " square of " + r.run.layer +
                        "'s grid that becomes " + name +
                        " when its top units are switched on there, by the object that was under "
                        "most of the square before. Overall: " +
                        percent(r.effect.mean_added) + ".",
                    {"context", "trials", "added"}, rows);
}

void write_gan_insertion(const std::filesystem::path& dir, const GanInsertionResult& r) {
  std::vector<std::vector<std::string>> rows = {{"context", "trials", "added"}};
  for (const auto& c : r.effect.contexts)
    rows.push_back({c.context, std::to_string(c.trials), std::to_string(c.added)});
  write_table_action(dir, gan_insertion_html(r), "insertion.csv", rows, gan_insertion_json(r));
}

// ---- paint ----------------------------------------------------------------------------------

std::string gan_paint_json(const GanPaintResult& r) {
  json doc = run_json(r.run, "paint");
  json pairs = json::array();
  for (const auto& p : r.pairs) {
    pairs.push_back({{"sample", p.sample},
                     {"before", p.result.concept_before},
                     {"after", p.result.concept_after}});
  }
  doc["pairs"] = pairs;
  return doc.dump(2) + "\n";
}

std::string gan_paint_html(const GanPaintResult& r) {
  std::string html =
      "<!doctype html><meta charset=utf-8><title>unitscope paint</title><body><h1>Paint " +
      html_escape(r.run.concept_name) + (r.remove ? " (remove)" : " (draw)") + "</h1>";
  for (const auto& p : r.pairs) {
    const std::string stem = pair_stem(p);
    html += "<p>sample " + std::to_string(p.sample) + "<br><img width=256 src=\"" + stem +
            "_before.png\"> <img width=256 src=\"" + stem + "_after.png\">";
  }
  return html + "</body>\n";
}

void write_gan_paint(const std::filesystem::path& dir, const GanPaintResult& r) {
  std::filesystem::create_directories(dir);
  for (const auto& p : r.pairs) {
    write_png(dir / (pair_stem(p) + "_before.png"), p.result.before);
    write_png(dir / (pair_stem(p) + "_after.png"), p.result.after);
  }
  write_file_atomic(dir / "report.html", gan_paint_html(r));
  write_file_atomic(dir / "intervention.json", gan_paint_json(r));
}

}  // namespace unitscope::analysis
