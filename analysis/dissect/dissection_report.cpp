#include "analysis/dissect/dissection_report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/data/error.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/stats/upsample.h"

namespace unitscope::analysis {

namespace {

// Shortest round-trip text, with ".0" on integral values as Python's repr writes them.
std::string real(double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
  std::string s(buffer, end);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

const std::string& label_name(const DissectionResult& r, int label) {
  static const std::string kEmpty;
  if (label < 0 || static_cast<std::size_t>(label) >= r.label_names.size()) return kEmpty;
  return r.label_names[static_cast<std::size_t>(label)];
}

std::string category_name(const DissectionResult& r, int category) {
  if (category < 0 || static_cast<std::size_t>(category) >= r.categories.size()) return "";
  return r.categories[static_cast<std::size_t>(category)];
}

}  // namespace

std::string layer_dir_name(const std::string& layer) {
  std::string name = layer;
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (name.empty() || name == "." || name == "..") name = "_" + name;
  return name;
}

std::string tally_csv(const DissectionResult& result, const LayerResult& layer) {
  std::ostringstream out;
  out << "unit,category,label,score";
  for (const std::string& cat : result.categories) {
    out << ',' << csv_field(cat + "-label") << ',' << csv_field(cat + "-truth") << ','
        << csv_field(cat + "-activation") << ',' << csv_field(cat + "-intersect") << ','
        << csv_field(cat + "-iou");
  }
  out << '\n';
  std::vector<UnitScore> scores;
  scores.reserve(layer.units.size());
  for (const UnitResult& u : layer.units) scores.push_back(u.score);
  for (int index : ranking(scores)) {
    const UnitScore& s = scores[static_cast<std::size_t>(index)];
    out << unit_number(s.unit) << ',' << csv_field(category_name(result, s.category)) << ','
        << csv_field(label_name(result, s.label)) << ',' << real(s.score);
    for (const CategoryBest& b : s.best) {
      out << ',' << csv_field(label_name(result, b.label)) << ',' << b.truth << ',' << b.activation
          << ',' << b.intersect << ',' << real(b.iou);
    }
    out << '\n';
  }
  return out.str();
}

std::string dissection_json(const DissectionResult& result, const LayerResult& layer) {
  using nlohmann::ordered_json;
  ordered_json doc;
  doc["layer"] = layer.layer;
  doc["shape"] = layer.shape;
  doc[kUnitNumberingKey] = kFirstUnitNumber;  // files without it hold 0-based units
  doc["convention"] = convention_name(result.convention);
  doc["quantile"] = result.quantile;
  doc["model"] = result.model;
  doc["dataset"] = result.dataset.string();
  doc["images"] = result.images;
  doc["detector_iou"] = result.iou_threshold;
  const DissectGeometry& g = result.geometry;
  nlohmann::ordered_json geometry;
  geometry["labels_follow"] = g.follows_view ? "the model's view of each image (resize and crop, nearest neighbour)"
                                             : "the generator's output, as it is";
  geometry["resize"] = g.follows_view ? g.preprocess.resize : 0;
  geometry["stretch"] = g.follows_view && g.preprocess.stretch;
  geometry["crop"] = g.follows_view ? g.preprocess.crop : 0;
  geometry["label_size"] = g.label_size;
  geometry["grid"] = {g.grid_width, g.grid_height};
  doc["geometry"] = std::move(geometry);
  doc["categories"] = result.categories;
  doc["labels"] = result.label_names;
  ordered_json units = ordered_json::array();
  for (const UnitResult& u : layer.units) {
    ordered_json j;
    j["unit"] = unit_number(u.unit);
    j["threshold"] = u.threshold;
    j["label"] = label_name(result, u.score.label);
    j["label_number"] = u.score.label;
    j["category"] = category_name(result, u.score.category);
    j["iou"] = u.score.score;
    j["detector"] = u.score.score > result.iou_threshold;
    j["activated_pixels"] = layer.tally.activation[static_cast<std::size_t>(u.unit)];
    if (static_cast<std::size_t>(u.unit) < layer.class_token_mean.size()) {
      j["class_token"] = {{"mean", layer.class_token_mean[static_cast<std::size_t>(u.unit)]},
                          {"max", layer.class_token_max[static_cast<std::size_t>(u.unit)]}};
    }
    ordered_json best = ordered_json::object();
    for (std::size_t c = 0; c < u.score.best.size(); ++c) {
      const CategoryBest& b = u.score.best[c];
      best[result.categories[c]] = {{"label", label_name(result, b.label)},
                                    {"label_number", b.label},
                                    {"iou", b.iou},
                                    {"truth", b.truth},
                                    {"activation", b.activation},
                                    {"intersect", b.intersect}};
    }
    j["best"] = std::move(best);
    j["iou_by_label"] = u.score.iou;
    ordered_json top = ordered_json::array();
    for (const TopImageInfo& t : u.top) {
      top.push_back({{"row", t.row}, {"image", t.image}, {"position", t.position}, {"max", t.value}});
    }
    j["top"] = std::move(top);
    units.push_back(std::move(j));
  }
  doc["units"] = std::move(units);
  return doc.dump(1) + "\n";
}

Image mask_layer(std::span<const float> map, int h, int w, float threshold, int size) {
  Image out(size, size, 4);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(size) * static_cast<std::size_t>(size));
  visit_above(map.data(), BilinearAxis(h, size), BilinearAxis(w, size), threshold, /*inclusive=*/false,
              [&](std::size_t pixel, float) { mask[pixel] = 1; });
  auto in_mask = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= size || y >= size) return false;
    return mask[static_cast<std::size_t>(y) * static_cast<std::size_t>(size) + static_cast<std::size_t>(x)] != 0;
  };
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      std::uint8_t* dst = out.at(x, y);
      const bool inside = in_mask(x, y);
      const bool edge = inside && (!in_mask(x - 1, y) || !in_mask(x + 1, y) || !in_mask(x, y - 1) ||
                                   !in_mask(x, y + 1));
      if (edge) {
        dst[0] = 255;
        dst[1] = 170;
        dst[2] = 0;
        dst[3] = 255;
      } else {
        dst[3] = inside ? 0 : 170;  // RGB stay 0: outside is darkened
      }
    }
  }
  return out;
}

std::string report_html(const DissectionResult& result, const std::map<std::uint64_t, Image>& images,
                        const std::vector<std::vector<std::vector<ReportThumbnail>>>& thumbnails) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>unitscope dissection</title>\n"
         "<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}"
         "td,th{padding:2px 8px;text-align:left;vertical-align:middle}"
         "tr:nth-child(even){background:#f4f4f4}.bar{background:#4a7bd0;height:14px;display:inline-block}"
         ".det{color:#070;font-weight:bold}.th{display:inline-block;margin-right:3px;background-size:cover}"
         ".th img{display:block}\n";
  // Each exemplar image is inlined once, as a CSS class; the per-unit masks are small layers on top.
  for (const auto& [position, image] : images) {
    out << ".i" << position << "{background-image:url(" << png_data_uri(image) << ")}\n";
  }
  out << "</style>\n"
         "</head><body>\n";
  out << "<h1>Network dissection</h1>\n<p>model <code>" << html_escape(result.model)
      << "</code>, dataset <code>" << html_escape(result.dataset.string()) << "</code>, "
      << result.images << " images, convention <b>" << convention_name(result.convention)
      << "</b> (quantile " << real(result.quantile) << ", detector when IoU &gt; "
      << real(result.iou_threshold) << ")</p>\n";
  for (std::size_t li = 0; li < result.layers.size(); ++li) {
    const LayerResult& layer = result.layers[li];
    out << "<h2>Layer <code>" << html_escape(layer.layer) << "</code> (" << layer.units.size()
        << " units)</h2>\n";
    std::vector<int> detectors(result.categories.size(), 0);
    std::vector<std::vector<int>> unique(result.categories.size());
    for (const UnitResult& u : layer.units) {
      if (u.score.detector(result.iou_threshold) && u.score.category >= 0) {
        ++detectors[static_cast<std::size_t>(u.score.category)];
        unique[static_cast<std::size_t>(u.score.category)].push_back(u.score.label);
      }
    }
    const int most = std::max(1, *std::max_element(detectors.begin(), detectors.end()));
    out << "<h3>Detectors per category</h3>\n<table>\n";
    for (std::size_t c = 0; c < result.categories.size(); ++c) {
      auto& labels = unique[c];
      std::sort(labels.begin(), labels.end());
      labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
      out << "<tr><td>" << html_escape(result.categories[c]) << "</td><td><span class=\"bar\" style=\"width:"
          << detectors[c] * 300 / most << "px\"></span> " << detectors[c] << " units, "
          << labels.size() << " unique labels</td></tr>\n";
    }
    out << "</table>\n<h3>Units by IoU</h3>\n<table>\n"
           "<tr><th>unit</th><th>label</th><th>category</th><th>IoU</th><th>top images</th></tr>\n";
    std::vector<UnitScore> scores;
    for (const UnitResult& u : layer.units) scores.push_back(u.score);
    for (int index : ranking(scores)) {
      const UnitResult& u = layer.units[static_cast<std::size_t>(index)];
      out << "<tr><td>" << unit_number(u.unit) << "</td><td" << (u.score.detector(result.iou_threshold) ? " class=\"det\"" : "")
          << ">" << html_escape(label_name(result, u.score.label)) << "</td><td>"
          << html_escape(category_name(result, u.score.category)) << "</td><td>";
      char iou[32];
      std::snprintf(iou, sizeof(iou), "%.4f", u.score.score);
      out << iou << "</td><td>";
      if (li < thumbnails.size() && static_cast<std::size_t>(index) < thumbnails[li].size()) {
        const auto& unit_thumbs = thumbnails[li][static_cast<std::size_t>(index)];
        for (std::size_t t = 0; t < unit_thumbs.size(); ++t) {
          const std::string title = t < u.top.size() ? u.top[t].image : "";
          out << "<span class=\"th i" << unit_thumbs[t].image << "\" title=\"" << html_escape(title)
              << "\"><img src=\"" << png_data_uri(unit_thumbs[t].mask) << "\"></span>";
        }
      }
      out << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</body></html>\n";
  return out.str();
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace unitscope::analysis
