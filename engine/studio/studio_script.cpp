#include "engine/studio/studio_script.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <string_view>

namespace unitscope::engine {

namespace {

using nlohmann::json;

constexpr int kMaxSide = 8192;
constexpr int kMaxFps = 240;
constexpr int kMaxUnit = 1 << 20;
// As the Record panel's slider: beyond 8x a still of a large viewport outgrows what a GPU allocates.
constexpr int kMaxStillScale = 8;
constexpr int kDefaultStillScale = 4;
constexpr double kMaxSeconds = 24 * 3600;
constexpr float kMaxStrength = 1000.0f;

struct ActionName {
  const char* key;
  ScriptAction action;
};
constexpr ActionName kActions[] = {
    {"source", ScriptAction::kSource},
    {"model", ScriptAction::kModel},
    {"layer", ScriptAction::kLayer},
    {"select_unit", ScriptAction::kSelectUnit},
    {"select_concept", ScriptAction::kSelectConcept},
    {"toggle", ScriptAction::kToggle},
    {"toggle_concept", ScriptAction::kToggleConcept},
    {"clear_toggles", ScriptAction::kClearToggles},
    {"paint", ScriptAction::kPaint},
    {"mix", ScriptAction::kMix},
    {"caption", ScriptAction::kCaption},
    {"side_by_side", ScriptAction::kSideBySide},
    {"concept_filter", ScriptAction::kConceptFilter},
    {"brush", ScriptAction::kBrush},
    {"reset_layout", ScriptAction::kResetLayout},
    {"still", ScriptAction::kStill},
};

std::string action_list() {
  std::string list;
  for (const auto& a : kActions) list += (list.empty() ? "" : ", ") + std::string(a.key);
  return list;
}

using Keys = std::span<const char* const>;

std::string join(Keys keys) {
  std::string list;
  for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
  return list;
}

std::string seconds(double s) {
  std::ostringstream out;
  out << s << " s";
  return out.str();
}

// Reads one JSON value at a named place ("events[3].toggle.units"); every failure names the
// file and that place.
class Reader {
 public:
  explicit Reader(const std::string& what) : what_(what) {}

  [[noreturn]] void fail(const std::string& where, const std::string& message) const {
    throw ScriptError(what_ + ": " + where + ": " + message);
  }

  std::string string(const json& v, const std::string& where, bool allow_empty = false) const {
    if (!v.is_string()) fail(where, "must be a string, not " + v.dump());
    auto s = v.get<std::string>();
    if (s.empty() && !allow_empty) fail(where, "must not be empty");
    return s;
  }
  bool boolean(const json& v, const std::string& where) const {
    if (!v.is_boolean()) fail(where, "must be true or false, not " + v.dump());
    return v.get<bool>();
  }
  std::uint64_t unsigned_integer(const json& v, const std::string& where) const {
    if (!v.is_number_unsigned()) fail(where, "must be a non-negative integer, not " + v.dump());
    return v.get<std::uint64_t>();
  }
  int integer(const json& v, const std::string& where, int lo, int hi) const {
    if (!v.is_number_integer()) fail(where, "must be an integer, not " + v.dump());
    const auto i = v.get<std::int64_t>();
    if (i < lo || i > hi) {
      fail(where, v.dump() + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return int(i);
  }
  double number(const json& v, const std::string& where, double lo, double hi) const {
    if (!v.is_number()) fail(where, "must be a number, not " + v.dump());
    const double d = v.get<double>();
    if (!(d >= lo && d <= hi)) {
      std::ostringstream range;
      range << lo << ".." << hi;
      fail(where, v.dump() + " is outside " + range.str());
    }
    return d;
  }
  // An object whose keys must all be in `allowed`.
  const json& object(const json& v, const std::string& where,
                     std::initializer_list<const char*> allowed_keys) const {
    const Keys allowed(allowed_keys.begin(), allowed_keys.size());
    if (!v.is_object())
      fail(where, "must be an object with keys " + join(allowed) + ", not " + v.dump());
    for (const auto& [key, value] : v.items()) {
      if (std::find_if(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; }) ==
          allowed.end()) {
        fail(where + "." + key, "unknown key (allowed: " + join(allowed) + ")");
      }
    }
    return v;
  }

 private:
  const std::string& what_;
};

// Keys an event may carry besides "at" and its action key.
Keys extras_of(ScriptAction action) {
  static constexpr const char* kSource[] = {"seed", "index", "seed_b", "index_b", "path"};
  static constexpr const char* kModel[] = {"layer", "segmenter"};
  static constexpr const char* kCaption[] = {"duration"};
  static constexpr const char* kStill[] = {"scale"};
  switch (action) {
    case ScriptAction::kStill:
      return kStill;
    case ScriptAction::kSource:
      return kSource;
    case ScriptAction::kModel:
      return kModel;
    case ScriptAction::kCaption:
      return kCaption;
    default:
      return {};
  }
}

bool contains(Keys keys, std::string_view key) {
  return std::find_if(keys.begin(), keys.end(), [&](const char* k) { return key == k; }) !=
         keys.end();
}

const ActionName* find_action(std::string_view key) {
  for (const auto& a : kActions) {
    if (key == a.key) return &a;
  }
  return nullptr;
}

void parse_source(const Reader& r, const json& e, const std::string& at, ScriptEvent& ev) {
  const auto kind_text = r.string(e["source"], at + "source");
  auto kind = parse_source_kind(kind_text);
  if (!kind) {
    r.fail(at + "source",
           "unknown source \"" + kind_text + "\" (world, gan, folder, broden, video)");
  }
  ev.source = *kind;
  const StudioSettings defaults;
  Keys keys;
  static constexpr const char* kWorldKeys[] = {"seed", "index"};
  static constexpr const char* kGanKeys[] = {"seed", "index", "seed_b", "index_b"};
  static constexpr const char* kPathKeys[] = {"path", "index"};
  switch (ev.source) {
    case SourceKind::kWorld:
      keys = kWorldKeys;
      ev.seed = defaults.world_seed;
      ev.index_a = defaults.world_index;
      break;
    case SourceKind::kGan:
      keys = kGanKeys;
      ev.seed = defaults.gan_seed_a;
      ev.index_a = defaults.gan_index_a;
      ev.seed_b = defaults.gan_seed_b;
      ev.index_b = defaults.gan_index_b;
      break;
    default:
      keys = kPathKeys;
      if (!e.contains("path"))
        r.fail(at + "path", "missing: a " + kind_text + " source needs a path");
      break;
  }
  for (const auto& [key, value] : e.items()) {
    if (key == "at" || key == "source") continue;
    if (!contains(keys, key)) {
      r.fail(at + key,
             "does not apply to a " + kind_text + " source (its keys: " + join(keys) + ")");
    }
    if (key == "seed") ev.seed = r.unsigned_integer(value, at + key);
    if (key == "index") ev.index_a = r.unsigned_integer(value, at + key);
    if (key == "seed_b") ev.seed_b = r.unsigned_integer(value, at + key);
    if (key == "index_b") ev.index_b = r.unsigned_integer(value, at + key);
    if (key == "path") ev.path = r.string(value, at + key);
  }
}

// toggle_concept and paint: "concept" and "units" (how many of its best units).
void parse_concept_units(const Reader& r, const json& o, const std::string& where,
                         int default_units, ScriptEvent& ev) {
  if (!o.contains("concept")) r.fail(where + ".concept", "missing");
  ev.concept_name = r.string(o["concept"], where + ".concept");
  ev.count =
      o.contains("units") ? r.integer(o["units"], where + ".units", 1, kMaxUnit) : default_units;
  if (o.contains("strength")) {
    ev.strength = float(r.number(o["strength"], where + ".strength", 0.0, kMaxStrength));
  }
}

void parse_action(const Reader& r, const json& e, const std::string& at, const ActionName& action,
                  ScriptEvent& ev) {
  const std::string key = action.key;
  const json& v = e[key];
  const std::string where = at + key;
  switch (action.action) {
    case ScriptAction::kSource:
      parse_source(r, e, at, ev);
      break;
    case ScriptAction::kModel: {
      ev.model = r.string(v, where);
      if (ev.model.rfind("demo:", 0) == 0 && ev.model != "demo:classifier" &&
          ev.model != "demo:gan") {
        r.fail(where, "unknown demo model \"" + ev.model + "\" (demo:classifier, demo:gan)");
      }
      if (ev.model.rfind("demo:", 0) != 0) ev.path = ev.model;
      if (e.contains("layer")) ev.layer = r.string(e["layer"], at + "layer");
      if (e.contains("segmenter")) ev.segmenter = r.string(e["segmenter"], at + "segmenter");
      break;
    }
    case ScriptAction::kLayer:
      ev.layer = r.string(v, where);
      break;
    case ScriptAction::kSelectUnit:
      if (v.is_string() && v.get<std::string>() == "active") {
        ev.unit = kMostActiveUnit;
      } else {
        ev.unit = r.integer(v, where, 1, kMaxUnit) - 1;  // scripts number units from 1, as the studio shows them
      }
      break;
    case ScriptAction::kSelectConcept:
      ev.concept_name = r.string(v, where);
      break;
    case ScriptAction::kToggle: {
      const auto& o = r.object(v, where, {"units", "on", "strength"});
      if (!o.contains("units")) r.fail(where + ".units", "missing");
      const auto& units = o["units"];
      if (!units.is_array() || units.empty()) {
        r.fail(where + ".units", "must be a non-empty array of unit numbers, not " + units.dump());
      }
      for (std::size_t i = 0; i < units.size(); ++i) {
        ev.units.push_back(
            r.integer(units[i], where + ".units[" + std::to_string(i) + "]", 1, kMaxUnit) - 1);
      }
      if (o.contains("on")) ev.on = r.boolean(o["on"], where + ".on");
      if (o.contains("strength")) {
        ev.strength = float(r.number(o["strength"], where + ".strength", 0.0, kMaxStrength));
      }
      break;
    }
    case ScriptAction::kToggleConcept: {
      const auto& o = r.object(v, where, {"concept", "units", "on", "strength"});
      parse_concept_units(r, o, where, 1, ev);
      if (o.contains("on")) ev.on = r.boolean(o["on"], where + ".on");
      break;
    }
    case ScriptAction::kClearToggles:
    case ScriptAction::kResetLayout:
      if (!r.boolean(v, where)) r.fail(where, "must be true (leave the event out instead)");
      break;
    case ScriptAction::kPaint: {
      const auto& o =
          r.object(v, where, {"concept", "units", "points", "radius", "remove", "strength"});
      // GANPaint's brush switches about 20 units of a concept.
      parse_concept_units(r, o, where, 20, ev);
      if (!o.contains("points")) r.fail(where + ".points", "missing");
      const auto& points = o["points"];
      if (!points.is_array() || points.empty()) {
        r.fail(where + ".points",
               "must be a non-empty array of [x, y] pairs, not " + points.dump());
      }
      for (std::size_t i = 0; i < points.size(); ++i) {
        const std::string pw = where + ".points[" + std::to_string(i) + "]";
        const auto& p = points[i];
        if (!p.is_array() || p.size() != 2) r.fail(pw, "must be an [x, y] pair, not " + p.dump());
        ev.points.push_back({float(r.number(p[0], pw + "[0]", 0.0, 1.0)),
                             float(r.number(p[1], pw + "[1]", 0.0, 1.0))});
      }
      if (o.contains("radius")) {
        ev.radius = float(r.number(o["radius"], where + ".radius", 0.0, 1.0));
        if (ev.radius <= 0.0f) r.fail(where + ".radius", "must be above 0");
      }
      if (o.contains("remove")) ev.remove = r.boolean(o["remove"], where + ".remove");
      break;
    }
    case ScriptAction::kMix:
      ev.value = float(r.number(v, where, 0.0, 1.0));
      break;
    case ScriptAction::kCaption:
      ev.text = r.string(v, where, /*allow_empty=*/true);
      if (e.contains("duration")) {
        ev.duration = r.number(e["duration"], at + "duration", 0.0, kMaxSeconds);
        if (ev.duration <= 0.0) r.fail(at + "duration", "must be above 0");
      }
      break;
    case ScriptAction::kSideBySide:
    case ScriptAction::kBrush:
      ev.flag = r.boolean(v, where);
      break;
    case ScriptAction::kConceptFilter:
      ev.text = r.string(v, where, /*allow_empty=*/true);
      break;
    case ScriptAction::kStill:
      ev.path = r.string(v, where);
      ev.count = e.contains("scale") ? r.integer(e["scale"], at + "scale", 1, kMaxStillScale) : kDefaultStillScale;
      break;
  }
}

ScriptEvent parse_event(const Reader& r, const json& e, std::size_t index) {
  const std::string at = "events[" + std::to_string(index) + "].";
  const std::string self = "events[" + std::to_string(index) + "]";
  if (!e.is_object()) r.fail(self, "must be an object with \"at\" and one action, not " + e.dump());
  // The action is the one action key that is not another action's extra ("layer" after "model").
  const ActionName* action = nullptr;
  for (const auto& [key, value] : e.items()) {
    const ActionName* a = find_action(key);
    if (!a || (a->action == ScriptAction::kLayer && e.contains("model"))) continue;
    if (action) {
      r.fail(at + key, "a second action in one event (it already has \"" +
                           std::string(action->key) + "\"); give each action its own event");
    }
    action = a;
  }
  for (const auto& [key, value] : e.items()) {
    if (key == "at" || find_action(key)) continue;
    if (!action || !contains(extras_of(action->action), key)) {
      r.fail(at + key, "unknown key (an event has \"at\" and one action: " + action_list() + ")");
    }
  }
  if (!action) r.fail(self, "has no action (one of: " + action_list() + ")");
  if (!e.contains("at")) r.fail(at + "at", "missing: every event needs its time in seconds");
  ScriptEvent ev;
  ev.index = index;
  ev.action = action->action;
  ev.at = r.number(e["at"], at + "at", 0.0, kMaxSeconds);
  parse_action(r, e, at, *action, ev);
  return ev;
}

double event_end(const ScriptEvent& e) {
  return e.action == ScriptAction::kCaption ? e.at + e.duration : e.at;
}

}  // namespace

std::int64_t StudioScript::frame_count() const {
  // The epsilon keeps 0.1 s * 30 fps (3.0000000000000004) at 3 frames.
  return std::int64_t(std::ceil(duration * fps - 1e-6));
}

StudioScript parse_script(const std::string& json_text, const std::string& what) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw ScriptError(what + ": not valid JSON: " + e.what());
  }
  const Reader r(what);
  if (!root.is_object())
    throw ScriptError(what + ": the top level must be an object with \"events\"");
  static constexpr const char* kTopKeys[] = {"title", "width",    "height",
                                             "fps",   "duration", "events"};
  for (const auto& [key, value] : root.items()) {
    if (!contains(kTopKeys, key)) {
      r.fail(key, "unknown key (the top level has: title, width, height, fps, duration, events)");
    }
  }
  StudioScript script;
  if (root.contains("title")) script.title = r.string(root["title"], "title", true);
  if (root.contains("width")) script.width = r.integer(root["width"], "width", 2, kMaxSide);
  if (root.contains("height")) script.height = r.integer(root["height"], "height", 2, kMaxSide);
  // H.264 in yuv420p needs even sides.
  if (script.width % 2)
    r.fail("width", "must be even (MP4 video), not " + std::to_string(script.width));
  if (script.height % 2) {
    r.fail("height", "must be even (MP4 video), not " + std::to_string(script.height));
  }
  if (root.contains("fps")) script.fps = r.integer(root["fps"], "fps", 1, kMaxFps);
  if (!root.contains("events")) r.fail("events", "missing: the script has no timeline");
  const auto& events = root["events"];
  if (!events.is_array()) r.fail("events", "must be an array of events");
  for (std::size_t i = 0; i < events.size(); ++i)
    script.events.push_back(parse_event(r, events[i], i));
  std::stable_sort(script.events.begin(), script.events.end(),
                   [](const ScriptEvent& a, const ScriptEvent& b) { return a.at < b.at; });
  if (root.contains("duration")) {
    script.duration = r.number(root["duration"], "duration", 0.0, kMaxSeconds);
    if (script.duration <= 0.0) r.fail("duration", "must be above 0");
    for (const auto& e : script.events) {
      if (e.at > script.duration) {
        r.fail("events[" + std::to_string(e.index) + "].at",
               seconds(e.at) + " is after the end of the script (duration " +
                   seconds(script.duration) + ")");
      }
    }
  } else {
    double end = 0.0;
    for (const auto& e : script.events) end = std::max(end, event_end(e));
    script.duration = end + 1.0;
  }
  return script;
}

StudioScript load_script(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScriptError("cannot read script " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_script(text.str(), path.string());
}

std::vector<const ScriptEvent*> events_for_frames(const StudioScript& script,
                                                  std::int64_t frame_begin,
                                                  std::int64_t frame_end) {
  std::vector<const ScriptEvent*> out;
  for (const auto& e : script.events) {
    const auto frame = std::int64_t(std::llround(e.at * script.fps));
    if (frame >= frame_begin && frame < frame_end) out.push_back(&e);
  }
  return out;
}

}  // namespace unitscope::engine
