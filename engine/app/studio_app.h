// The studio's two front ends: the window (`unitscope` with no command) and the headless,
// deterministic replay of a timeline to a video (`unitscope record`).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace unitscope::engine {

struct StudioRunOptions {
  // > 0: render exactly this many frames at a fixed 1/30 s step, waiting for every inference
  // (reproducible screenshots), then exit.
  int frames = 0;
  std::filesystem::path screenshot;  // after the last frame: a PNG, plus PNG.json with window rects
  std::filesystem::path script;      // a timeline to play (at wall-clock time, or per frame)
  // Rewritten (atomically) after every frame that changed the state the screenshot's JSON holds,
  // so a test driving real input reads what the studio did.
  std::filesystem::path state_file;
  std::string model;                 // overrides the remembered model
  std::optional<std::string> segmenter;  // overrides the remembered segmenter ("" = the demo's)
  std::filesystem::path dissection;  // a dissect / gan-dissect output directory to label units with
  int width = 0, height = 0;         // the window's; 0: the remembered size (fixed-step runs: 1280x720)
  bool vsync = true;
  bool remember = true;              // load and save settings and layout in config_dir()
};

// Returns the process exit code; prints what went wrong (no display, bad script) to stderr.
int run_studio(const StudioRunOptions& options);

struct RecordRunOptions {
  std::filesystem::path script;
  std::filesystem::path out;  // .mp4, or a directory for a PNG sequence (png = true)
  bool png = false;
  bool quiet = false;
};

int run_record(const RecordRunOptions& options);

// The message for a machine without a display, naming the headless commands and xvfb-run.
std::string no_display_message();

}  // namespace unitscope::engine
