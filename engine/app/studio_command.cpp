// `unitscope` with no command opens the studio; `unitscope record` replays a timeline to a video.
#include <CLI/CLI.hpp>

#include <memory>

#include "engine/cli/commands.h"
#include "engine/app/studio_app.h"

namespace unitscope::engine {

void add_studio_options(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<StudioRunOptions>();
  app.add_option("--frames", o->frames,
                 "Render this many frames at a fixed 1/30 s step, waiting for every inference, then exit");
  app.add_option("--screenshot", o->screenshot,
                 "After the last frame, write the window as PNG (plus PNG.json with the window rectangles)");
  app.add_option("--script", o->script, "Play a timeline (see `unitscope record`) in the studio");
  app.add_option("--state-file", o->state_file,
                 "Keep this JSON file up to date with the studio's state: window rectangles, selection, edits");
  app.add_option("--width", o->width, "Window width in pixels (default: the last run's; with --frames, 1280)")
      ->check(CLI::Range(1, 16384));
  app.add_option("--height", o->height, "Window height in pixels (default: the last run's; with --frames, 720)")
      ->check(CLI::Range(1, 16384));
  app.add_option("--model", o->model, "Open this model: demo:classifier, demo:gan or a TorchScript file");
  app.add_option("--segmenter", o->segmenter,
                 "With a generator: the segmenter whose concepts label its units (a TorchScript file whose "
                 "sidecar names them; \"\" for the demo's), kept paired with it");
  app.add_option("--dissection", o->dissection,
                 "Label units from this dissect or gan-dissect output directory (default: the studio's cache)");
  app.add_flag("!--no-vsync", o->vsync, "Render as fast as possible instead of at the display's rate");
  app.add_flag("!--forget", o->remember, "Neither load nor save settings and layout");
  app.callback([&app, o, &exit_code] {
    if (app.get_subcommands().empty()) exit_code = run_studio(*o);
  });
}

void add_record_command(CLI::App& app) {
  auto o = std::make_shared<RecordRunOptions>();
  auto* cmd = app.add_subcommand(
      "record", "Replay a studio timeline headless and deterministically into an MP4 (or PNG sequence)");
  cmd->add_option("--script", o->script, "Timeline JSON (e.g. assets/scripts/paper_story.json)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Output .mp4, or a directory with --png")->required();
  cmd->add_flag("--png", o->png, "Write a PNG sequence (frame_000000.png, ...) instead of an MP4");
  cmd->add_flag("--quiet", o->quiet, "No progress on stderr");
  cmd->callback([o] {
    if (int code = run_record(*o); code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace unitscope::engine
