// ScriptPlayer: what a replay without the windowed studio refuses before its first frame.
#include "engine/studio/script_player.h"

#include <doctest/doctest.h>

#include <string>

#include "engine/studio/studio_script.h"

using namespace unitscope::engine;

TEST_SUITE("studio") {
  TEST_CASE("a still needs the windowed studio: record refuses the script before any frame") {
    const auto script = parse_script(R"({"title": "talk", "events": [
      {"at": 0, "select_unit": 1},
      {"at": 0.5, "still": "slide.png", "scale": 2}]})",
                                     "talk.json");
    ScriptPlayer replay(script);
    std::string message;
    try {
      replay.check_supported();
    } catch (const ScriptError& e) {
      message = e.what();
    }
    CHECK(message.find("talk: event 1") != std::string::npos);
    CHECK(message.find("record writes frames, not stills") != std::string::npos);

    ScriptPlayer live(script);
    live.on_still([](const std::string&, int) {});
    CHECK_NOTHROW(live.check_supported());
  }
}
