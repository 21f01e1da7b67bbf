#include "analysis/intervene/intervention_report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/data/csv.h"
#include "analysis/dissect/dissection_file.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/data/error.h"
#include "analysis/data/file_write.h"
#include "analysis/data/unit_numbering.h"

namespace unitscope::analysis {
namespace {

using nlohmann::ordered_json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Shortest text that reads back to the same double; empty for NaN.
std::string num(double v) {
  if (std::isnan(v)) return "";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, end);
}

std::string fixed(double v, int digits = 3) {
  if (std::isnan(v)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, v);
  return buffer;
}

std::string percent(double v) { return std::isnan(v) ? "n/a" : fixed(100.0 * v, 1) + "%"; }

std::string png_img(const Image& image, int size) {
  return "<img width=\"" + std::to_string(size) + "\" style=\"image-rendering:pixelated\" "
         "src=\"" + png_data_uri(image) + "\">";
}

ordered_json json_curve(const std::vector<double>& v) {
  ordered_json a = ordered_json::array();
  for (double x : v) a.push_back(std::isnan(x) ? ordered_json(nullptr) : ordered_json(x));
  return a;
}

struct Series {
  std::string name, color;
  const std::vector<double>* values;
};

// A line chart of balanced accuracy against k, inline SVG.
std::string curve_svg(const std::vector<Series>& series, int width, int height, bool legend) {
  std::size_t n = 0;
  for (const auto& s : series) n = std::max(n, s.values->size());
  const double left = 34, right = 8, top = 8, bottom = 20;
  const double w = width - left - right, h = height - top - bottom;
  auto x_of = [&](std::size_t k) { return left + (n > 1 ? w * double(k) / double(n - 1) : 0.0); };
  auto y_of = [&](double v) { return top + h * (1.0 - std::clamp(v, 0.0, 1.0)); };
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-size=\"10\">";
  for (double v : {0.0, 0.5, 1.0}) {
    out << "<line x1=\"" << left << "\" x2=\"" << left + w << "\" y1=\"" << y_of(v) << "\" y2=\""
        << y_of(v) << "\" stroke=\"#ddd\"/><text x=\"2\" y=\"" << y_of(v) + 3 << "\">" << fixed(v, 1)
        << "</text>";
  }
  out << "<text x=\"" << left << "\" y=\"" << height - 4 << "\">k=0</text><text x=\"" << left + w - 30
      << "\" y=\"" << height - 4 << "\">k=" << (n ? n - 1 : 0) << "</text>";
  for (const auto& s : series) {
    out << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.5\" points=\"";
    for (std::size_t k = 0; k < s.values->size(); ++k) {
      if (!std::isnan((*s.values)[k])) out << x_of(k) << ',' << y_of((*s.values)[k]) << ' ';
    }
    out << "\"/>";
  }
  if (legend) {
    double y = top + h - 4 - 12.0 * double(series.size() - 1);
    for (const auto& s : series) {
      out << "<text x=\"" << left + 6 << "\" y=\"" << y << "\" fill=\"" << s.color << "\">"
          << html_escape(s.name) << "</text>";
      y += 12;
    }
  }
  out << "</svg>";
  return out.str();
}

const char* kStyle =
    "<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}"
    "td,th{padding:2px 8px;text-align:left}tr:nth-child(even){background:#f4f4f4}"
    ".cls{display:inline-block;margin:4px 12px 8px 0;vertical-align:top}.bar{display:inline-block;"
    "height:14px}</style>\n";

void write_text(const std::filesystem::path& path, const std::string& text) { write_file_atomic(path, text); }

}  // namespace

// ---- Dissection IoUs ------------------------------------------------------------------------

DissectionUnits read_dissection_units(const std::filesystem::path& dir, const std::string& layer,
                                      int units, const std::string& exclude_category) {
  const std::filesystem::path sub = dir / layer_dir_name(layer);
  DissectionUnits out;
  out.iou.assign(std::size_t(std::max(0, units)), kNaN);
  out.label.assign(std::size_t(std::max(0, units)), "");
  if (const auto json_file = sub / "dissection.json"; std::filesystem::exists(json_file)) {
    // read_layer_dissection gives 0-based indices, whatever numbering the file uses.
    const LayerDissection d = read_layer_dissection(json_file);
    const auto file_units = d.shape.empty() ? std::int64_t(d.units.size()) : d.shape[0];
    if (file_units != units || d.units.size() > std::size_t(units)) {
      throw Error(json_file.string() + ": layer " + layer + " has " +
                  std::to_string(std::max<std::int64_t>(file_units, std::int64_t(d.units.size()))) +
                  " units there but " + std::to_string(units) + " in this model");
    }
    for (const UnitSummary& u : d.units) {
      const auto i = std::size_t(u.unit);
      out.iou[i] = u.iou;
      out.label[i] = u.label;
      const bool per_category = std::any_of(u.best.begin(), u.best.end(), [](const CategoryLabel& b) {
        return b.label_number >= 0 || !b.label.empty();
      });
      if (exclude_category.empty() || !per_category) continue;
      out.iou[i] = 0.0;
      out.label[i].clear();
      for (std::size_t c = 0; c < u.best.size(); ++c) {
        if (d.categories[c] == exclude_category || u.best[c].iou <= out.iou[i]) continue;
        out.iou[i] = u.best[c].iou;
        out.label[i] = u.best[c].label;
      }
    }
    return out;
  }
  const auto tally = sub / "tally.csv";
  if (!std::filesystem::exists(tally)) {
    throw Error("dissection " + dir.string() + " has no layer " + layer + " (no " +
                (sub / "dissection.json").string() + " or " + tally.string() + ")");
  }
  const CsvTable table = read_csv_table(tally);
  const auto unit_col = table.column("unit"), label_col = table.column("label"),
             score_col = table.column("score");
  if (!unit_col || !label_col || !score_col) throw Error(tally.string() + ": needs unit, label and score columns");
  // Per-category "<cat>-iou" and "<cat>-label" columns, when a category is left out.
  std::vector<std::pair<std::size_t, std::size_t>> per_category;
  for (std::size_t c = 0; !exclude_category.empty() && c < table.header.size(); ++c) {
    const std::string& h = table.header[c];
    if (h.size() <= 4 || h.compare(h.size() - 4, 4, "-iou") != 0) continue;
    const std::string category = h.substr(0, h.size() - 4);
    const auto label = table.column(category + "-label");
    if (category != exclude_category && label) per_category.emplace_back(c, *label);
  }
  auto where = [&](std::size_t r) {
    return tally.string() + " line " + std::to_string(table.lines[r]);
  };
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const auto unit = row.size() > *unit_col ? parse_csv_int(row[*unit_col]) : std::nullopt;
    const auto score = row.size() > *score_col ? parse_csv_double(row[*score_col]) : std::nullopt;
    if (!unit || !score) throw Error(where(r) + ": bad unit or score");
    // tally.csv has always numbered units from 1, as NetDissect-Lite's does.
    const auto i = std::size_t(unit_index(*unit, 1, units, where(r),
                                          "layer " + layer + " of this model",
                                          " (a dissection of another model?)"));
    out.iou[i] = *score;
    out.label[i] = row[*label_col];
    if (exclude_category.empty()) continue;
    out.iou[i] = 0.0;
    out.label[i].clear();
    for (const auto& [iou_col, cat_label_col] : per_category) {
      const auto iou = iou_col < row.size() ? parse_csv_double(row[iou_col]) : std::nullopt;
      if (!iou || *iou <= out.iou[i]) continue;
      out.iou[i] = *iou;
      out.label[i] = cat_label_col < row.size() ? row[cat_label_col] : "";
    }
  }
  return out;
}

void summarize_interpretability(ImportanceResult& r, const std::filesystem::path& dissection,
                                const std::string& exclude_category) {
  const auto units = std::size_t(r.units);
  r.dissection = dissection;
  r.iou_excluded = dissection.empty() ? "" : exclude_category;
  r.unit_iou.assign(units, kNaN);
  r.unit_label.assign(units, "");
  if (!dissection.empty()) {
    DissectionUnits d = read_dissection_units(dissection, r.layer, r.units, exclude_category);
    r.unit_iou = std::move(d.iou);
    r.unit_label = std::move(d.label);
  }
  auto bucket = [&](const std::string& name, int lo, int hi) {
    InterpretabilityBucket b;
    b.name = name;
    double sum = 0;
    for (std::size_t u = 0; u < units && u < r.top_n_count.size(); ++u) {
      if (r.top_n_count[u] < lo || r.top_n_count[u] > hi) continue;
      ++b.units;
      if (!std::isnan(r.unit_iou[u])) {
        ++b.with_iou;
        sum += r.unit_iou[u];
      }
    }
    b.mean_iou = b.with_iou ? sum / b.with_iou : kNaN;
    return b;
  };
  const int most = r.top_n_count.empty() ? 0 : *std::max_element(r.top_n_count.begin(), r.top_n_count.end());
  r.by_count.clear();
  for (int n = 0; n <= most; ++n) r.by_count.push_back(bucket(std::to_string(n), n, n));
  r.few_many.clear();
  if (!dissection.empty()) {
    r.few_many.push_back(bucket("few (0-1)", 0, 1));
    r.few_many.push_back(bucket("many (>=" + std::to_string(r.many) + ")", r.many,
                                std::numeric_limits<int>::max()));
  }
}

// ---- ablate ---------------------------------------------------------------------------------

std::string importance_json(const ImportanceResult& r) {
  ordered_json doc;
  doc["model"] = r.model;
  doc["layer"] = r.layer;
  doc["dataset"] = r.dataset.string();
  doc["dissection"] = r.dissection.string();
  doc["iou_excluded"] = r.iou_excluded;
  doc["units"] = r.units;
  // Rankings hold unit numbers; the arrays by unit (top_n_count, unit_iou, unit_label) start at
  // the first unit.
  doc[kUnitNumberingKey] = kFirstUnitNumber;
  doc["train_images"] = r.train_images;
  doc["val_images"] = r.val_images;
  doc["curve_k"] = r.curve_k;
  doc["random_repeats"] = r.random_repeats;
  doc["top_n"] = r.top_n;
  doc["many"] = r.many;
  doc["seconds"] = r.seconds;
  doc["ablated_samples"] = r.ablated_samples;
  doc["mean"] = {{"removed", json_curve(r.mean_removed)},
                 {"kept", json_curve(r.mean_kept)},
                 {"random", json_curve(r.mean_random)}};
  ordered_json classes = ordered_json::array();
  for (const auto& c : r.classes) {
    std::vector<int> ranking;
    for (int u : c.ranking) ranking.push_back(unit_number(u));
    classes.push_back({{"name", c.name},
                       {"train_images", c.train_images},
                       {"val_images", c.val_images},
                       {"train_accuracy", std::isnan(c.train_accuracy) ? ordered_json(nullptr) : ordered_json(c.train_accuracy)},
                       {"val_accuracy", std::isnan(c.val_accuracy) ? ordered_json(nullptr) : ordered_json(c.val_accuracy)},
                       {"ranking", ranking},
                       {"removed", json_curve(c.removed)},
                       {"kept", json_curve(c.kept)},
                       {"random", json_curve(c.random)}});
  }
  doc["classes"] = std::move(classes);
  auto buckets = [](const std::vector<InterpretabilityBucket>& bs) {
    ordered_json a = ordered_json::array();
    for (const auto& b : bs) {
      a.push_back({{"name", b.name}, {"units", b.units}, {"with_iou", b.with_iou},
                   {"mean_iou", std::isnan(b.mean_iou) ? ordered_json(nullptr) : ordered_json(b.mean_iou)}});
    }
    return a;
  };
  doc["interpretability"] = {{"by_count", buckets(r.by_count)}, {"few_many", buckets(r.few_many)}};
  doc["top_n_count"] = r.top_n_count;
  doc["unit_iou"] = json_curve(r.unit_iou);
  doc["unit_label"] = r.unit_label;
  return doc.dump(1) + "\n";
}

std::string importance_html(const ImportanceResult& r) {
  std::ostringstream out;
  const std::size_t K = std::size_t(r.curve_k);
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>unitscope ablate</title>\n"
      << kStyle << "</head><body>\n<h1>Unit importance by ablation</h1>\n<p>model <code>"
      << html_escape(r.model) << "</code>, layer <code>" << html_escape(r.layer) << "</code> (" << r.units
      << " units), dataset <code>" << html_escape(r.dataset.string()) << "</code>: units ranked per class on "
      << r.train_images << " train images, curves on " << r.val_images << " val images.</p>\n";
  if (!r.mean_removed.empty()) {
    out << "<p>Mean one-vs-rest balanced accuracy " << percent(r.mean_removed[0]) << "; removing each class's "
        << K << " most important units: <b>" << percent(r.mean_removed[K]) << "</b>; removing " << K
        << " random units: <b>" << percent(r.mean_random[K]) << "</b>; removing all but the top " << K
        << ": <b>" << percent(r.mean_kept[K]) << "</b>.</p>\n";
  }
  const std::vector<Series> mean{{"top-k removed", "#d03030", &r.mean_removed},
                                 {"all but top-k removed", "#3060d0", &r.mean_kept},
                                 {"k random removed", "#909090", &r.mean_random}};
  out << "<h2>Mean over classes</h2>\n" << curve_svg(mean, 420, 220, true) << "\n<h2>Per class</h2>\n";
  for (const auto& c : r.classes) {
    const std::vector<Series> s{{"removed", "#d03030", &c.removed},
                                {"kept", "#3060d0", &c.kept},
                                {"random", "#909090", &c.random}};
    out << "<div class=\"cls\"><b>" << html_escape(c.name) << "</b> (val " << percent(c.val_accuracy)
        << ", " << c.val_images << " images)<br>" << curve_svg(s, 220, 120, false) << "<br>top units:";
    for (std::size_t i = 0; i < std::min<std::size_t>(5, c.ranking.size()); ++i) {
      const auto u = std::size_t(c.ranking[i]);
      out << ' ' << unit_number(u);
      if (u < r.unit_label.size() && !r.unit_label[u].empty()) out << " (" << html_escape(r.unit_label[u]) << ")";
    }
    out << "</div>\n";
  }
  out << "<h2>Importance against interpretability</h2>\n<p>Units by how many classes have them in "
         "their top " << r.top_n << (r.dissection.empty() ? " (no --dissection given: no IoUs)" : "")
      << (r.iou_excluded.empty() ? "" : "; IoUs leave out the " + html_escape(r.iou_excluded) + " concepts")
      << ".</p>\n<table><tr><th>classes</th><th>units</th><th>mean IoU</th></tr>\n";
  for (const auto* list : {&r.few_many, &r.by_count}) {
    for (const auto& b : *list) {
      out << "<tr><td>" << html_escape(b.name) << "</td><td>" << b.units << "</td><td>" << fixed(b.mean_iou)
          << "</td></tr>\n";
    }
  }
  out << "</table>\n</body></html>\n";
  return out.str();
}

void write_importance(const std::filesystem::path& dir, const ImportanceResult& r) {
  std::filesystem::create_directories(dir);
  write_text(dir / "ablation.json", importance_json(r));
  std::ostringstream imp, curves, units;
  write_csv_record(imp, {"class", "rank", "unit", "ba_drop", "margin_drop"});
  write_csv_record(curves, {"class", "k", "removed", "kept", "random"});
  for (const auto& c : r.classes) {
    for (std::size_t i = 0; i < c.ranking.size(); ++i) {
      const auto u = std::size_t(c.ranking[i]);
      write_csv_record(imp, {c.name, std::to_string(i + 1), std::to_string(unit_number(u)),
                             num(c.drop[u]), num(c.margin_drop[u])});
    }
    for (std::size_t k = 0; k < c.removed.size(); ++k) {
      write_csv_record(curves, {c.name, std::to_string(k), num(c.removed[k]), num(c.kept[k]), num(c.random[k])});
    }
  }
  for (std::size_t k = 0; k < r.mean_removed.size(); ++k) {
    write_csv_record(curves, {"mean", std::to_string(k), num(r.mean_removed[k]), num(r.mean_kept[k]),
                              num(r.mean_random[k])});
  }
  write_csv_record(units, {"unit", "top_n_classes", "iou", "label"});
  for (std::size_t u = 0; u < std::size_t(r.units); ++u) {
    write_csv_record(units, {std::to_string(unit_number(u)), std::to_string(r.top_n_count[u]),
                             num(r.unit_iou[u]), r.unit_label[u]});
  }
  write_text(dir / "importance.csv", imp.str());
  write_text(dir / "curves.csv", curves.str());
  write_text(dir / "units.csv", units.str());
  write_text(dir / "report.html", importance_html(r));
}

ImportanceSummary read_importance(const std::filesystem::path& dir) {
  const auto file = dir / "ablation.json";
  std::ifstream in(file);
  if (!in) throw Error("no unit importance in " + dir.string() + ": cannot read " + file.string() +
                       " (run `unitscope ablate --out " + dir.string() + "` first)");
  ImportanceSummary s;
  try {
    const auto doc = nlohmann::json::parse(in);
    s.model = doc.at("model").get<std::string>();
    s.layer = doc.at("layer").get<std::string>();
    s.units = doc.at("units").get<int>();
    // Files of earlier versions have no "unit_numbering" and rank 0-based units.
    const int first = first_unit_number(doc, file);
    for (const auto& c : doc.at("classes")) {
      s.classes.push_back(c.at("name").get<std::string>());
      const std::string where = file.string() + ", class \"" + s.classes.back() + "\"";
      auto& ranking = s.rankings.emplace_back();
      for (long long number : c.at("ranking").get<std::vector<long long>>()) {
        ranking.push_back(unit_index(number, first, s.units, where, "layer " + s.layer));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(file.string() + ": " + e.what());
  }
  return s;
}

// ---- attack ---------------------------------------------------------------------------------

std::string attack_json(const AttackResult& r) {
  ordered_json doc;
  doc["model"] = r.model;
  doc["layer"] = r.layer;
  doc["dataset"] = r.dataset.string();
  doc["importance"] = r.importance.string();
  doc["epsilon"] = r.epsilon;
  doc["step"] = r.step;
  doc["steps"] = r.steps;
  doc["target"] = r.target_rule;
  // No unit numbers here, but the arrays by unit start at the first unit, as in attack_units.csv.
  doc[kUnitNumberingKey] = kFirstUnitNumber;
  doc["top_units"] = r.top_units;
  doc["considered"] = r.considered;
  doc["skipped"] = r.skipped;
  doc["attacked"] = r.images.size();
  doc["succeeded"] = r.succeeded;
  doc["important_change"] = r.important_change;
  doc["other_change"] = r.other_change;
  doc["important_relative"] = r.important_relative;
  doc["other_relative"] = r.other_relative;
  doc["label_units_signed"] = r.label_units_signed;
  doc["target_units_signed"] = r.target_units_signed;
  doc["other_units_signed"] = r.other_units_signed;
  doc["toward_target"] = r.toward_target;
  doc["seconds"] = r.seconds;
  doc["unit_clean_peak"] = r.unit_clean_peak;
  doc["unit_adversarial_peak"] = r.unit_adversarial_peak;
  doc["unit_change"] = r.unit_change;
  doc["unit_important"] = r.unit_important;
  return doc.dump(1) + "\n";
}

std::string attack_html(const AttackResult& r) {
  auto cls = [&](int c) { return c >= 0 && std::size_t(c) < r.classes.size() ? r.classes[std::size_t(c)] : "?"; };
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>unitscope attack</title>\n" << kStyle
      << "</head><body>\n<h1>Targeted PGD attack through the units</h1>\n<p>model <code>" << html_escape(r.model)
      << "</code>, layer <code>" << html_escape(r.layer) << "</code>, L&infin; &epsilon; = " << fixed(r.epsilon, 2)
      << " (0-255), step " << fixed(r.step, 2) << ", " << r.steps << " steps, target " << html_escape(r.target_rule)
      << ". Attacked " << r.images.size() << " images (" << r.skipped << " skipped); "
      << r.succeeded << " reached their target class.</p>\n";
  const double most = std::max({r.important_change, r.other_change, 1e-12});
  out << "<h2>Peak activation change</h2>\n<table><tr><th>units</th><th>mean |&Delta;peak|</th><th></th>"
         "<th>relative</th></tr>\n";
  for (const auto& [name, v, rel, color] :
       {std::tuple{std::string("top ") + std::to_string(r.top_units) + " of label and target", r.important_change,
                   r.important_relative, "#d03030"},
        std::tuple{std::string("all others"), r.other_change, r.other_relative, "#909090"}}) {
    out << "<tr><td>" << html_escape(name) << "</td><td>" << fixed(v, 4) << "</td><td><span class=\"bar\" "
        << "style=\"background:" << color << ";width:" << int(300.0 * v / most) << "px\"></span></td><td>"
        << fixed(rel, 4) << "</td></tr>\n";
  }
  out << "</table>\n<p>Mean signed change: label's top units " << fixed(r.label_units_signed, 4)
      << ", target's top units " << fixed(r.target_units_signed, 4) << ", all other units "
      << fixed(r.other_units_signed, 4) << "; important units toward the target "
      << fixed(r.toward_target, 4) << ".</p>\n";
  if (!r.examples.empty()) {
    out << "<h2>Examples</h2>\n<table><tr><th>clean</th><th>adversarial</th><th>|difference| (scaled)</th>"
           "<th></th></tr>\n";
    for (const auto& e : r.examples) {
      Image diff(e.clean.width, e.clean.height, 3);
      const double gain = 127.5 / std::max(r.epsilon, 1e-6);
      for (std::size_t i = 0; i < diff.pixels.size() && i < e.adversarial.pixels.size(); ++i) {
        const double d = std::abs(double(e.adversarial.pixels[i]) - double(e.clean.pixels[i]));
        diff.pixels[i] = std::uint8_t(std::clamp(d * gain, 0.0, 255.0));
      }
      out << "<tr><td>" << png_img(e.clean, 128) << "</td><td>" << png_img(e.adversarial, 128) << "</td><td>"
          << png_img(diff, 128) << "</td><td>" << html_escape(cls(e.label)) << " &rarr; target "
          << html_escape(cls(e.target)) << "<br>now " << html_escape(cls(e.adversarial_prediction)) << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</body></html>\n";
  return out.str();
}

void write_attack(const std::filesystem::path& dir, const AttackResult& r) {
  std::filesystem::create_directories(dir);
  write_text(dir / "attack.json", attack_json(r));
  auto cls = [&](int c) { return c >= 0 && std::size_t(c) < r.classes.size() ? r.classes[std::size_t(c)] : ""; };
  std::ostringstream images, units;
  write_csv_record(images, {"image", "label", "target", "clean_prediction", "adversarial_prediction", "succeeded",
                            "linf", "important_change", "other_change"});
  for (const auto& i : r.images) {
    write_csv_record(images, {i.name, cls(i.label), cls(i.target), cls(i.clean_prediction),
                              cls(i.adversarial_prediction), i.adversarial_prediction == i.target ? "1" : "0",
                              num(i.linf), num(i.important_change), num(i.other_change)});
  }
  write_csv_record(units, {"unit", "clean_peak", "adversarial_peak", "mean_abs_change", "important_for"});
  for (std::size_t u = 0; u < r.unit_change.size(); ++u) {
    write_csv_record(units, {std::to_string(unit_number(u)), num(r.unit_clean_peak[u]),
                             num(r.unit_adversarial_peak[u]), num(r.unit_change[u]),
                             std::to_string(r.unit_important[u])});
  }
  write_text(dir / "attack_images.csv", images.str());
  write_text(dir / "attack_units.csv", units.str());
  write_text(dir / "report.html", attack_html(r));
}

}  // namespace unitscope::analysis
