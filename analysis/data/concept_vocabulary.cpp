#include "analysis/data/concept_vocabulary.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/data/error.h"

namespace unitscope::analysis {
namespace {

using nlohmann::json;

// Category names become file names (c_<category>.csv) and index.csv columns.
bool good_category(const std::string& c) {
  return !c.empty() && c.size() <= 64 && std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

// Concept names go into CSV cells unquoted, as Broden writes them.
bool good_concept(const std::string& c) {
  return c.size() <= 200 && c.find_first_of(",;\"\n\r") == std::string::npos &&
         json(c).dump().find("\\u") == std::string::npos;
}

}  // namespace

bool is_no_concept(const std::string& channel) { return channel.empty() || channel == "-"; }

std::vector<std::string> default_concept_categories() {
  return {"object", "part", "material", "color", "texture"};
}

int SegmenterVocabulary::channel_count() const {
  int n = 0;
  for (const auto& h : heads) n = std::max(n, h.first_channel + int(h.channels.size()));
  return n;
}

std::vector<Concept> SegmenterVocabulary::concepts() const {
  std::vector<Concept> out{{"", ""}};
  for (const auto& h : heads) {
    for (const auto& c : h.channels) {
      if (is_no_concept(c)) continue;
      if (std::none_of(out.begin(), out.end(), [&](const Concept& k) { return k.name == c; })) {
        out.push_back({c, h.category});
      }
    }
  }
  return out;
}

std::vector<std::vector<int>> SegmenterVocabulary::channel_numbers() const {
  const auto all = concepts();
  std::vector<std::vector<int>> out;
  for (const auto& h : heads) {
    std::vector<int> numbers;
    for (const auto& c : h.channels) {
      int number = 0;
      if (!is_no_concept(c)) {
        number = int(std::find_if(all.begin(), all.end(), [&](const Concept& k) { return k.name == c; }) -
                     all.begin());
      }
      numbers.push_back(number);
    }
    out.push_back(std::move(numbers));
  }
  return out;
}

std::string SegmenterVocabulary::describe() const {
  std::string out;
  for (const auto& h : heads) {
    if (!out.empty()) out += ", ";
    out += h.name + " (" + h.category + ", channels " + std::to_string(h.first_channel) + ".." +
           std::to_string(h.first_channel + int(h.channels.size()) - 1) + ": ";
    for (std::size_t i = 0; i < h.channels.size() && i < 6; ++i) {
      out += (i ? " " : "") + (h.channels[i].empty() ? std::string("-") : h.channels[i]);
    }
    if (h.channels.size() > 6) out += " ...";
    out += ")";
  }
  return out;
}

SegmenterVocabulary vocabulary_from_json(const json& j, const std::string& where) {
  const std::string at = where + ": \"segmenter\"";
  if (!j.is_object()) throw Error(at + " must be an object with \"heads\"");
  SegmenterVocabulary v;
  v.categories = default_concept_categories();
  for (const auto& [key, value] : j.items()) {
    if (key == "categories") {
      v.categories = value.get<std::vector<std::string>>();
      if (v.categories.empty()) throw Error(at + ".categories is empty");
      for (const auto& c : v.categories) {
        if (!good_category(c)) {
          throw Error(at + ".categories: \"" + c + "\" is no category name (lower-case letters, digits, _ and -)");
        }
      }
    } else if (key != "heads") {
      throw Error(at + ": unknown key \"" + key + "\" (categories, heads)");
    }
  }
  if (!j.contains("heads") || !j.at("heads").is_array() || j.at("heads").empty()) {
    throw Error(at + " needs \"heads\": a list of {name, category, channels}");
  }
  int next = 0;
  for (std::size_t k = 0; k < j.at("heads").size(); ++k) {
    const json& h = j.at("heads")[k];
    const std::string head_at = at + ".heads[" + std::to_string(k) + "]";
    if (!h.is_object()) throw Error(head_at + " must be an object");
    SegmenterHead head;
    head.first_channel = next;
    for (const auto& [key, value] : h.items()) {
      if (key == "name") head.name = value.get<std::string>();
      else if (key == "category") head.category = value.get<std::string>();
      else if (key == "channels") head.channels = value.get<std::vector<std::string>>();
      else if (key == "first_channel") head.first_channel = value.get<int>();
      else if (key == "min_confidence") head.min_confidence = value.get<double>();
      else if (key == "size") head.size = value.get<int>();
      else {
        throw Error(head_at + ": unknown key \"" + key +
                    "\" (name, category, channels, first_channel, min_confidence, size)");
      }
    }
    if (head.name.empty()) head.name = head.category;
    const std::string named = head_at + " (" + head.name + ")";
    if (head.category.empty()) throw Error(named + " needs a \"category\"");
    if (std::find(v.categories.begin(), v.categories.end(), head.category) == v.categories.end()) {
      std::string known;
      for (const auto& c : v.categories) known += (known.empty() ? "" : ", ") + c;
      throw Error(named + ": unknown category \"" + head.category + "\"; the categories are " + known);
    }
    if (head.channels.size() < 2) {
      throw Error(named + " needs \"channels\": the concept of each output channel, at least two");
    }
    for (std::size_t c = 0; c < head.channels.size(); ++c) {
      if (!good_concept(head.channels[c])) {
        throw Error(named + ": channel " + std::to_string(c) + " names \"" + head.channels[c] +
                    "\"; a concept name holds no , ; \" line break or control character");
      }
    }
    if (std::all_of(head.channels.begin(), head.channels.end(), is_no_concept)) {
      throw Error(named + " names no concept (every channel is \"-\")");
    }
    if (head.first_channel < 0) throw Error(named + ": first_channel must be >= 0");
    if (!(head.min_confidence >= 0.0 && head.min_confidence <= 1.0)) {
      throw Error(named + ": min_confidence must be within 0..1, not " + std::to_string(head.min_confidence));
    }
    if (head.size < 0 || head.size > 8192) {
      throw Error(named + ": size must be within 1..8192 (or 0: the model's size), not " + std::to_string(head.size));
    }
    next = head.first_channel + int(head.channels.size());
    v.heads.push_back(std::move(head));
  }
  // Heads may share channels only when they read them at the same size the same way: forbid
  // overlap, which is always a mistake in a channel count.
  for (std::size_t a = 0; a < v.heads.size(); ++a) {
    for (std::size_t b = a + 1; b < v.heads.size(); ++b) {
      const auto& x = v.heads[a];
      const auto& y = v.heads[b];
      if (x.first_channel < y.first_channel + int(y.channels.size()) &&
          y.first_channel < x.first_channel + int(x.channels.size())) {
        throw Error(at + ": heads " + x.name + " and " + y.name + " read the same channels (" +
                    v.describe() + ")");
      }
    }
  }
  return v;
}

json vocabulary_to_json(const SegmenterVocabulary& v) {
  json heads = json::array();
  for (const auto& h : v.heads) {
    json o = {{"name", h.name}, {"category", h.category}, {"first_channel", h.first_channel},
              {"channels", h.channels}};
    if (h.min_confidence > 0) o["min_confidence"] = h.min_confidence;
    if (h.size > 0) o["size"] = h.size;
    heads.push_back(std::move(o));
  }
  json j = {{"heads", heads}};
  if (v.categories != default_concept_categories()) j["categories"] = v.categories;
  return j;
}

SegmenterVocabulary vocabulary_from_classes(const std::vector<std::string>& classes) {
  SegmenterVocabulary v;
  v.categories = default_concept_categories();
  SegmenterHead h;
  h.name = h.category = "object";
  h.channels = classes;
  v.heads.push_back(std::move(h));
  return v;
}

}  // namespace unitscope::analysis
