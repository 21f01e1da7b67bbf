#include "analysis/dissect/dissection_file.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "analysis/dissect/dissection_report.h"
#include "analysis/data/error.h"
#include "analysis/data/unit_numbering.h"

namespace unitscope::analysis {

int LayerDissection::label_number(const std::string& concept_name) const {
  for (std::size_t n = 0; n < labels.size(); ++n) {
    if (!labels[n].empty() && labels[n] == concept_name) return int(n);
  }
  std::string known;
  for (const auto& l : labels) {
    if (l.empty() || l == "-") continue;
    if (known.size() > 400) {
      known += ", ...";
      break;
    }
    known += (known.empty() ? "" : ", ") + l;
  }
  throw Error("no concept \"" + concept_name + "\" in the dissection of " + layer + "; concepts are: " + known);
}

std::vector<int> LayerDissection::top_units(const std::string& concept_name, int n) const {
  const auto label = std::size_t(label_number(concept_name));
  std::vector<int> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  auto iou = [&](int u) {
    const auto& v = units[std::size_t(u)].iou_by_label;
    return label < v.size() ? v[label] : 0.0;
  };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return iou(a) > iou(b); });
  order.resize(std::min<std::size_t>(order.size(), std::size_t(std::max(n, 0))));
  return order;
}

LayerDissection read_layer_dissection(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open dissection " + path.string());
  LayerDissection d;
  try {
    const auto j = nlohmann::json::parse(in);
    const int first = first_unit_number(j, path);
    d.layer = j.at("layer").get<std::string>();
    d.shape = j.at("shape").get<std::vector<std::int64_t>>();
    d.convention = j.value("convention", "");
    d.detector_iou = j.value("detector_iou", 0.04);
    if (const std::string dataset = j.value("dataset", ""); !dataset.empty()) {
      d.dataset = std::filesystem::absolute(dataset).lexically_normal();
    }
    d.labels = j.at("labels").get<std::vector<std::string>>();
    d.categories = j.value("categories", std::vector<std::string>{});
    d.label_category.assign(d.labels.size(), -1);
    auto category_index = [&](const std::string& name) {
      const auto it = std::find(d.categories.begin(), d.categories.end(), name);
      if (it != d.categories.end()) return std::size_t(it - d.categories.begin());
      d.categories.push_back(name);  // a file without "categories"
      return d.categories.size() - 1;
    };
    for (const auto& u : j.at("units")) {
      UnitSummary s;
      // The i-th listed unit must be unit first + i; the message quotes the file's own numbers.
      const auto number = u.at("unit").get<long long>();
      if (number != first + static_cast<long long>(d.units.size())) {
        throw Error("dissection " + path.string() + " lists units out of order: unit " +
                    std::to_string(number) + " where unit " +
                    std::to_string(first + static_cast<long long>(d.units.size())) +
                    " was expected (units are numbered from " + std::to_string(first) + " here)");
      }
      s.unit = static_cast<int>(d.units.size());
      s.threshold = u.at("threshold").get<double>();
      s.label = u.value("label", "");
      s.category = u.value("category", "");
      s.iou = u.value("iou", 0.0);
      s.iou_by_label = u.at("iou_by_label").get<std::vector<double>>();
      const auto best_by_category = u.value("best", nlohmann::json::object());
      for (const auto& [name, b] : best_by_category.items()) {
        const std::size_t c = category_index(name);
        if (s.best.size() <= c) s.best.resize(c + 1);
        CategoryLabel& best = s.best[c];
        best.label = b.value("label", "");
        best.label_number = b.value("label_number", -1);
        best.iou = b.at("iou").get<double>();
        // Best labels are chosen among their primary category's labels only.
        if (best.iou > 0 && best.label_number >= 0 && std::size_t(best.label_number) < d.labels.size()) {
          d.label_category[std::size_t(best.label_number)] = int(c);
        }
      }
      for (const auto& t : u.value("top", nlohmann::json::array())) {
        UnitTopImage top;
        top.image = t.at("image").get<std::string>();
        if (!d.dataset.empty()) top.path = d.dataset / "images" / top.image;
        top.row = t.value("row", std::size_t(0));
        top.position = t.value("position", std::uint64_t(0));
        top.value = t.value("max", 0.0);
        s.top.push_back(std::move(top));
      }
      d.units.push_back(std::move(s));
    }
    for (auto& u : d.units) u.best.resize(d.categories.size());
  } catch (const nlohmann::json::exception& e) {
    throw Error("cannot read dissection " + path.string() + ": " + e.what());
  }
  return d;
}

LayerDissection read_layer_dissection(const std::filesystem::path& dir, const std::string& layer) {
  return read_layer_dissection(dir / layer_dir_name(layer) / "dissection.json");
}

}  // namespace unitscope::analysis
