// A studio timeline for talks: timed events (source, model, layer, unit selections, toggles, paint
// strokes, captions) that `unitscope record` replays headless at exact frame times.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/studio/studio_settings.h"

namespace unitscope::engine {

// Bad script: the message names the file, the event's index and the key.
class ScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ScriptAction {
  kSource,         // "source": world|gan|folder|broden|video; world: "seed", "index"; gan: "seed",
                   // "index", "seed_b", "index_b"; folder|broden|video: "path" (needed), "index"
  kModel,          // "model": demo:classifier|demo:gan|PATH, optional "layer", and for a
                   // generator "segmenter": PATH (default: the demo segmenter)
  kLayer,          // "layer": NAME
  kSelectUnit,     // "select_unit": N, or "active": the unit most above its threshold on the frame
  kSelectConcept,  // "select_concept": NAME: the unit with the best IoU for it
  kToggle,         // "toggle": {"units": [..], "on": false, "strength": 1}
  kToggleConcept,  // "toggle_concept": {"concept": NAME, "units": N, "on": false, "strength": 1}
                   // N: how many of the concept's best units (default 1)
  kClearToggles,   // "clear_toggles": true (false is an error)
  kPaint,          // "paint": {"concept": NAME, "units": N, "points": [[x, y], ...], "radius": r,
                   //           "remove": false, "strength": 1}: x, y, r in 0..1 of the image;
                   //           N defaults to 20, as GANPaint's brush
  kMix,            // "mix": 0..1 between the GAN source's two latents
  kCaption,        // "caption": TEXT, "duration": seconds (default 3)
  kSideBySide,     // "side_by_side": true|false
  kConceptFilter,  // "concept_filter": NAME or words: the feature grid shows the units it matches
                   // ("" shows every unit)
  kBrush,          // "brush": true|false: the viewport's GANPaint brush, painting the toggles
                   //          panel's concept where the mouse drags (live sessions; a replay has
                   //          no mouse, it paints with "paint")
  kResetLayout,    // "reset_layout": true (false is an error): the panels back to the default
                   // layout for the window's size (a replay always has that layout)
  kStill,          // "still": PATH, "scale": 1..8 (default 4): the viewport rendered again at
                   // `scale` times its size, as PNG (the studio only; `record` refuses it)
};

// ScriptEvent::unit of `"select_unit": "active"`.
inline constexpr int kMostActiveUnit = -2;

struct ScriptEvent {
  double at = 0.0;  // seconds from the start
  ScriptAction action = ScriptAction::kCaption;
  std::size_t index = 0;  // position in the file, for messages
  // Payload; which fields apply depends on the action.
  SourceKind source = SourceKind::kWorld;
  std::uint64_t seed = 0, index_a = 0, seed_b = 0, index_b = 0;
  std::string path;                       // folder, broden or video source; model path
  std::string model, layer, concept_name, text;
  std::string segmenter;                  // model: the generator's segmenter
  int unit = -1;
  int count = 0;                          // toggle_concept / paint: how many top units; still: scale
  std::vector<int> units;
  bool on = false;
  bool remove = false;
  bool flag = false;                      // side_by_side, brush
  float strength = 1.0f;
  float value = 0.0f;                     // mix
  float radius = 0.05f;
  std::vector<std::array<float, 2>> points;
  double duration = 3.0;                  // caption
};

struct StudioScript {
  int width = 1280, height = 720;
  int fps = 30;
  double duration = 0.0;          // seconds recorded; default: the last event's end plus 1 s
  std::string title;
  std::vector<ScriptEvent> events;  // sorted by `at` (stable: file order within a time)

  std::int64_t frame_count() const;  // ceil(duration * fps)
};

// `what` names the source in messages (the file path). Throws ScriptError, e.g.
// "talk.json: events[3].toggle.units: must be a non-empty array ..." (events[i]: file order, from 0).
// An event is {"at": seconds, ACTION: value, and that action's keys}; any other key is an error.
StudioScript parse_script(const std::string& json_text, const std::string& what);
StudioScript load_script(const std::filesystem::path& path);

// Events with frame_begin <= round(at * fps) < frame_end: what a replay applies before frame
// `frame_begin` when stepping one frame at a time (frame_end = frame_begin + 1).
std::vector<const ScriptEvent*> events_for_frames(const StudioScript& script, std::int64_t frame_begin,
                                                  std::int64_t frame_end);

}  // namespace unitscope::engine
