// ScriptPlayer: applies a studio timeline's events to the studio at their frame times, both for
// `unitscope record` (headless, deterministic) and for `unitscope --script` (live).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "engine/studio/studio_script.h"

namespace unitscope::engine {

class Studio;

class ScriptPlayer {
 public:
  // `ensure_dissection` runs when a concept event finds no dissection of the current layer (record
  // computes one); without it such an event throws ScriptError.
  ScriptPlayer(StudioScript script, std::function<void(Studio&)> ensure_dissection = {});

  // Applies the events of frame `frame` (events_for_frames(frame, frame + 1)). Sets studio.now() to
  // the frame's time first. Throws ScriptError naming the event for one that cannot apply.
  void apply_frame(std::int64_t frame, Studio& studio);
  const StudioScript& script() const { return script_; }
  // What "reset_layout" calls: the panels' layout belongs to the UI, not to the Studio. Without it
  // the event does nothing (a headless replay always has the default layout).
  void on_reset_layout(std::function<void()> reset) { reset_layout_ = std::move(reset); }
  // What "still" calls with its path and scale: stills are the windowed studio's (StudioCapture).
  // Without it the event throws ScriptError.
  void on_still(std::function<void(const std::string&, int)> still) { still_ = std::move(still); }
  // Throws ScriptError for the first event this player cannot apply (a still without on_still), so
  // a replay refuses it before any work rather than fail on it half-way.
  void check_supported() const;
  double frame_time(std::int64_t frame) const { return double(frame) / script_.fps; }

 private:
  void apply(const ScriptEvent& event, Studio& studio);
  StudioScript script_;
  std::function<void(Studio&)> ensure_dissection_;
  std::function<void()> reset_layout_;
  std::function<void(const std::string&, int)> still_;
};

}  // namespace unitscope::engine
