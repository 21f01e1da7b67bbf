#include "engine/studio/studio_settings.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "analysis/data/file_write.h"

namespace unitscope::engine {

namespace {

using nlohmann::json;

// A settings value of the wrong type or out of range: the whole file is refused, naming the key.
struct BadValue : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

void read(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_string()) throw BadValue(std::string("\"") + key + "\" must be a string");
  out = it->get<std::string>();
}

void read(const json& j, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_boolean()) throw BadValue(std::string("\"") + key + "\" must be true or false");
  out = it->get<bool>();
}

void read(const json& j, const char* key, std::uint64_t& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_number_unsigned()) {
    throw BadValue(std::string("\"") + key + "\" must be a non-negative integer");
  }
  out = it->get<std::uint64_t>();
}

void read(const json& j, const char* key, int& out, int lo, int hi) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_number_integer()) throw BadValue(std::string("\"") + key + "\" must be an integer");
  const auto v = it->get<std::int64_t>();
  if (v < lo || v > hi) {
    throw BadValue(std::string("\"") + key + "\" is " + std::to_string(v) + ", outside " +
                   std::to_string(lo) + ".." + std::to_string(hi));
  }
  out = int(v);
}

void read(const json& j, const char* key, float& out, float lo, float hi) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_number()) throw BadValue(std::string("\"") + key + "\" must be a number");
  const double v = it->get<double>();
  if (!(v >= lo && v <= hi)) {
    std::ostringstream message;
    message << '"' << key << "\" is " << it->dump() << ", outside " << lo << ".." << hi;
    throw BadValue(message.str());
  }
  out = float(v);
}

template <class Enum>
void read_enum(const json& j, const char* key, Enum& out,
               std::optional<Enum> (*parse)(const std::string&)) {
  std::string text;
  read(j, key, text);
  if (!j.contains(key)) return;
  auto value = parse(text);
  if (!value) throw BadValue(std::string("\"") + key + "\" has an unknown value \"" + text + "\"");
  out = *value;
}

constexpr int kMaxUnit = 1 << 20;
constexpr int kMaxWindow = 16384;
constexpr float kMaxStrength = 1000.0f;

StudioSettings settings_from_json(const json& j) {
  if (!j.is_object()) throw BadValue("the top level must be an object");
  StudioSettings s;
  read_enum(j, "source", s.source, parse_source_kind);
  read(j, "world_seed", s.world_seed);
  read(j, "world_index", s.world_index);
  read(j, "folder", s.folder);
  read(j, "broden", s.broden);
  read(j, "video", s.video);
  read(j, "gan_seed_a", s.gan_seed_a);
  read(j, "gan_index_a", s.gan_index_a);
  read(j, "gan_seed_b", s.gan_seed_b);
  read(j, "gan_index_b", s.gan_index_b);
  read(j, "gan_mix", s.gan_mix, 0.0f, 1.0f);
  read(j, "model", s.model);
  read(j, "segmenter", s.segmenter);
  read(j, "layer", s.layer);
  read(j, "dissection", s.dissection);
  read(j, "selected_unit", s.selected_unit, -1, kMaxUnit);
  read_enum(j, "sort", s.sort, parse_sort_key);
  read(j, "concept_filter", s.concept_filter);
  read(j, "side_by_side", s.side_by_side);
  read(j, "window_width", s.window_width, 1, kMaxWindow);
  read(j, "window_height", s.window_height, 1, kMaxWindow);
  if (auto it = j.find("toggles"); it != j.end()) {
    if (!it->is_array()) throw BadValue("\"toggles\" must be an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& t = (*it)[i];
      const std::string where = "toggles[" + std::to_string(i) + "]: ";
      try {
        if (!t.is_object()) throw BadValue("must be an object, not " + t.dump());
        if (!t.contains("unit")) throw BadValue("has no \"unit\"");
        UnitToggle toggle;
        read(t, "unit", toggle.unit, 0, kMaxUnit);
        read(t, "on", toggle.on);
        read(t, "strength", toggle.strength, 0.0f, kMaxStrength);
        s.toggles.push_back(toggle);
      } catch (const BadValue& e) {
        throw BadValue(where + e.what());
      }
    }
  }
  return s;
}

json settings_to_json(const StudioSettings& s) {
  json toggles = json::array();
  for (const auto& t : s.toggles) {
    toggles.push_back({{"unit", t.unit}, {"on", t.on}, {"strength", t.strength}});
  }
  return {
      {"source", to_string(s.source)},
      {"world_seed", s.world_seed},
      {"world_index", s.world_index},
      {"folder", s.folder},
      {"broden", s.broden},
      {"video", s.video},
      {"gan_seed_a", s.gan_seed_a},
      {"gan_index_a", s.gan_index_a},
      {"gan_seed_b", s.gan_seed_b},
      {"gan_index_b", s.gan_index_b},
      {"gan_mix", s.gan_mix},
      {"model", s.model},
      {"segmenter", s.segmenter},
      {"layer", s.layer},
      {"dissection", s.dissection},
      {"selected_unit", s.selected_unit},
      {"sort", to_string(s.sort)},
      {"concept_filter", s.concept_filter},
      {"side_by_side", s.side_by_side},
      {"toggles", std::move(toggles)},
      {"window_width", s.window_width},
      {"window_height", s.window_height},
  };
}

}  // namespace

std::filesystem::path config_dir() {
  // Empty variables count as unset, as the XDG base directory specification says.
  if (auto dir = env("UNITSCOPE_CONFIG_DIR"); !dir.empty()) return dir;
  if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty())
    return std::filesystem::path(xdg) / "unitscope";
  if (auto home = env("HOME"); !home.empty()) {
    return std::filesystem::path(home) / ".config" / "unitscope";
  }
  return std::filesystem::current_path() / ".unitscope";
}

std::optional<StudioSettings> load_settings(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!std::filesystem::is_regular_file(path, ec) || !in) {
    std::fprintf(stderr, "unitscope: cannot read settings %s; using defaults\n", path.c_str());
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return settings_from_json(json::parse(text.str()));
  } catch (const std::exception& e) {
    // json::exception and BadValue alike: the studio starts with defaults.
    std::fprintf(stderr, "unitscope: ignoring settings %s: %s\n", path.c_str(), e.what());
    return std::nullopt;
  }
}

void save_settings(const std::filesystem::path& path, const StudioSettings& settings) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("cannot create the directory of settings " + path.string() + ": " +
                             ec.message());
  }
  analysis::write_file_atomic(path, settings_to_json(settings).dump(2) + "\n");
}

const char* to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kWorld:
      return "world";
    case SourceKind::kFolder:
      return "folder";
    case SourceKind::kBroden:
      return "broden";
    case SourceKind::kVideo:
      return "video";
    case SourceKind::kGan:
      return "gan";
  }
  return "world";
}

std::optional<SourceKind> parse_source_kind(const std::string& text) {
  for (auto kind : {SourceKind::kWorld, SourceKind::kFolder, SourceKind::kBroden,
                    SourceKind::kVideo, SourceKind::kGan}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

const char* to_string(SortKey key) {
  switch (key) {
    case SortKey::kUnit:
      return "unit";
    case SortKey::kActivation:
      return "activation";
    case SortKey::kIou:
      return "iou";
    case SortKey::kImportance:
      return "importance";
    case SortKey::kLabel:
      return "label";
  }
  return "unit";
}

std::optional<SortKey> parse_sort_key(const std::string& text) {
  for (auto key : {SortKey::kUnit, SortKey::kActivation, SortKey::kIou, SortKey::kImportance,
                   SortKey::kLabel}) {
    if (text == to_string(key)) return key;
  }
  return std::nullopt;
}

}  // namespace unitscope::engine
