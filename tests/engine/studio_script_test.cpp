#include "engine/studio/studio_script.h"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "test_paths.h"

using namespace unitscope::engine;

namespace {

// The message of the ScriptError that parsing `text` throws, or "(no error)".
std::string error_of(const std::string& text) {
  try {
    parse_script(text, "talk.json");
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string with_event(const std::string& event) {
  return R"({"events": [{"at": 0, "caption": "first"}, )" + event + "]}";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const char* kFull = R"({
  "title": "all actions",
  "width": 640, "height": 360, "fps": 25, "duration": 12,
  "events": [
    {"at": 10, "caption": "the end", "duration": 1.5},
    {"at": 0, "source": "world", "seed": 9, "index": 4},
    {"at": 0, "model": "demo:classifier", "layer": "features.27"},
    {"at": 0.5, "layer": "features.24"},
    {"at": 1, "select_unit": 17},
    {"at": 1.5, "select_concept": "boat"},
    {"at": 2, "toggle": {"units": [3, 5, 8], "on": true, "strength": 2.5}},
    {"at": 2.5, "toggle_concept": {"concept": "boat", "units": 10, "on": false}},
    {"at": 3, "clear_toggles": true},
    {"at": 3, "model": "/models/my net.pt"},
    {"at": 4, "source": "gan", "seed": 1, "index": 2, "seed_b": 3, "index_b": 4},
    {"at": 4.5, "mix": 0.25},
    {"at": 5, "paint": {"concept": "house", "units": 20, "points": [[0.1, 0.9], [0.5, 0.75]],
                         "radius": 0.1, "remove": true, "strength": 1.5}},
    {"at": 6, "side_by_side": true},
    {"at": 7, "source": "folder", "path": "/images", "index": 12},
    {"at": 7.5, "source": "broden", "path": "/broden"},
    {"at": 8, "source": "video", "path": "/v.mp4", "index": 30},
    {"at": 8.5, "brush": true}
  ]
})";

}  // namespace

TEST_SUITE("scripts") {
  TEST_CASE("a script with every action parses and is sorted by time") {
    const auto s = parse_script(kFull, "full.json");
    CHECK(s.title == "all actions");
    CHECK(s.width == 640);
    CHECK(s.height == 360);
    CHECK(s.fps == 25);
    CHECK(s.duration == 12.0);
    CHECK(s.frame_count() == 300);
    REQUIRE(s.events.size() == 18);
    for (std::size_t i = 1; i < s.events.size(); ++i) CHECK(s.events[i - 1].at <= s.events[i].at);
    CHECK(s.events.back().action == ScriptAction::kCaption);
    CHECK(s.events.back().index == 0);
    CHECK(s.events.back().text == "the end");
    CHECK(s.events.back().duration == 1.5);

    const auto& world = s.events[0];
    CHECK(world.action == ScriptAction::kSource);
    CHECK(world.source == SourceKind::kWorld);
    CHECK(world.seed == 9);
    CHECK(world.index_a == 4);
    CHECK(world.index == 1);
    const auto& model = s.events[1];
    CHECK(model.action == ScriptAction::kModel);
    CHECK(model.model == "demo:classifier");
    CHECK(model.path.empty());
    CHECK(model.layer == "features.27");
    CHECK(s.events[2].action == ScriptAction::kLayer);
    CHECK(s.events[2].layer == "features.24");
    CHECK(s.events[3].action == ScriptAction::kSelectUnit);
    CHECK(s.events[3].unit == 16);  // scripts count from 1, the studio from 0 inside
    CHECK(s.events[4].action == ScriptAction::kSelectConcept);
    CHECK(s.events[4].concept_name == "boat");
    const auto& toggle = s.events[5];
    CHECK(toggle.action == ScriptAction::kToggle);
    CHECK(toggle.units == std::vector<int>{2, 4, 7});
    CHECK(toggle.on);
    CHECK(toggle.strength == 2.5f);
    const auto& tc = s.events[6];
    CHECK(tc.action == ScriptAction::kToggleConcept);
    CHECK(tc.concept_name == "boat");
    CHECK(tc.count == 10);
    CHECK(!tc.on);
    CHECK(tc.strength == 1.0f);
    // Same time: file order is kept.
    CHECK(s.events[7].action == ScriptAction::kClearToggles);
    CHECK(s.events[8].action == ScriptAction::kModel);
    CHECK(s.events[8].path == "/models/my net.pt");
    const auto& gan = s.events[9];
    CHECK(gan.source == SourceKind::kGan);
    CHECK((gan.seed == 1 && gan.index_a == 2 && gan.seed_b == 3 && gan.index_b == 4));
    CHECK(s.events[10].action == ScriptAction::kMix);
    CHECK(s.events[10].value == 0.25f);
    const auto& paint = s.events[11];
    CHECK(paint.action == ScriptAction::kPaint);
    CHECK(paint.concept_name == "house");
    CHECK(paint.count == 20);
    REQUIRE(paint.points.size() == 2);
    CHECK(paint.points[1][0] == 0.5f);
    CHECK(paint.points[1][1] == 0.75f);
    CHECK(paint.radius == doctest::Approx(0.1));
    CHECK(paint.remove);
    CHECK(paint.strength == 1.5f);
    CHECK(s.events[12].action == ScriptAction::kSideBySide);
    CHECK(s.events[12].flag);
    CHECK(s.events[13].source == SourceKind::kFolder);
    CHECK(s.events[13].path == "/images");
    CHECK(s.events[13].index_a == 12);
    CHECK(s.events[14].source == SourceKind::kBroden);
    CHECK(s.events[15].source == SourceKind::kVideo);
    CHECK(s.events[15].index_a == 30);
    CHECK(s.events[16].action == ScriptAction::kBrush);
    CHECK(s.events[16].flag);
  }

  TEST_CASE("defaults are 1280x720 at 30 fps until the last event ends plus a second") {
    const auto s = parse_script(R"({"events": [
        {"at": 2, "caption": "hello", "duration": 4},
        {"at": 5.5, "select_unit": 1},
        {"at": 1, "source": "gan"}]})",
                                "d.json");
    CHECK(s.width == 1280);
    CHECK(s.height == 720);
    CHECK(s.fps == 30);
    CHECK(s.duration == doctest::Approx(7.0));  // the caption ends at 6 s
    CHECK(s.frame_count() == 210);
    CHECK(s.events[0].source == SourceKind::kGan);
    CHECK(s.events[0].seed == StudioSettings{}.gan_seed_a);
    CHECK(parse_script(R"({"events": []})", "e.json").duration == 1.0);
    const auto units = parse_script(R"({"events": [
        {"at": 0, "toggle_concept": {"concept": "tree"}},
        {"at": 1, "paint": {"concept": "door", "points": [[0.5, 0.5]]}}]})",
                                    "u.json");
    CHECK(units.events[0].count == 1);
    CHECK(units.events[1].count == 20);
    CHECK(units.events[1].radius == 0.05f);
  }

  TEST_CASE("frame_count rounds up without floating-point surprises") {
    StudioScript s;
    s.fps = 30;
    s.duration = 0.1;  // 0.1 * 30 = 3.0000000000000004
    CHECK(s.frame_count() == 3);
    s.duration = 0.11;
    CHECK(s.frame_count() == 4);
    s.duration = 26;
    CHECK(s.frame_count() == 780);
  }

  TEST_CASE("events_for_frames puts each event on exactly one frame: the rounded at times fps") {
    const auto s = parse_script(R"({"fps": 10, "events": [
        {"at": 0, "select_unit": 1},
        {"at": 0.149, "select_unit": 2},
        {"at": 0.16, "select_unit": 3},
        {"at": 0.2, "select_unit": 4},
        {"at": 1.0, "select_unit": 5}]})",
                                "f.json");
    CHECK(events_for_frames(s, 0, 1).size() == 1);
    REQUIRE(events_for_frames(s, 1, 2).size() == 1);
    CHECK(events_for_frames(s, 1, 2)[0]->unit == 1);
    auto two = events_for_frames(s, 2, 3);
    REQUIRE(two.size() == 2);
    CHECK(two[0]->unit == 2);
    CHECK(two[1]->unit == 3);
    CHECK(events_for_frames(s, 3, 10).empty());
    CHECK(events_for_frames(s, 10, 11).size() == 1);
    CHECK(events_for_frames(s, 0, 11).size() == 5);
    CHECK(events_for_frames(s, 11, 100).empty());
    // Stepping frame by frame applies every event once.
    std::size_t total = 0;
    for (std::int64_t f = 0; f < s.frame_count() + 5; ++f)
      total += events_for_frames(s, f, f + 1).size();
    CHECK(total == 5);
  }

  TEST_CASE("select_unit takes a unit number or active") {
    const auto s = parse_script(R"({"events": [{"at": 0, "select_unit": "active"}, {"at": 1, "select_unit": 7}]})",
                                "active.json");
    REQUIRE(s.events.size() == 2);
    CHECK(s.events[0].unit == kMostActiveUnit);
    CHECK(s.events[1].unit == 6);
    CHECK(contains(error_of(R"({"events": [{"at": 0, "select_unit": 0}]})"), "events[0].select_unit"));
    CHECK(contains(error_of(R"({"events": [{"at": 0, "select_unit": "busiest"}]})"), "events[0].select_unit"));
  }

  TEST_CASE("errors name the file and the event index and the key") {
    // A typo in an action key.
    auto e = error_of(with_event(R"({"at": 1, "toogle": {"units": [1]}})"));
    CHECK(contains(e, "talk.json"));
    CHECK(contains(e, "events[1].toogle"));
    CHECK(contains(e, "unknown key"));
    // A typo inside an action's object.
    e = error_of(with_event(R"({"at": 1, "toggle": {"unit": [1]}})"));
    CHECK(contains(e, "events[1].toggle.unit:"));
    CHECK(contains(e, "unknown key"));
    // An extra that belongs to another action.
    e = error_of(with_event(R"({"at": 1, "select_unit": 3, "duration": 2})"));
    CHECK(contains(e, "events[1].duration"));
    // Wrong types.
    e = error_of(with_event(R"({"at": 1, "select_unit": "3"})"));
    CHECK(contains(e, "events[1].select_unit"));
    CHECK(contains(e, "integer"));
    e = error_of(with_event(R"({"at": "1", "select_unit": 3})"));
    CHECK(contains(e, "events[1].at"));
    e = error_of(with_event(R"({"at": 1, "toggle": {"units": [1, "two"]}})"));
    CHECK(contains(e, "events[1].toggle.units[1]"));
    e = error_of(with_event(R"({"at": 1, "paint": {"concept": "house", "points": [[0.5, 1.5]]}})"));
    CHECK(contains(e, "events[1].paint.points[0][1]"));
    e = error_of(with_event(R"({"at": 1, "side_by_side": "yes"})"));
    CHECK(contains(e, "events[1].side_by_side"));
    // Negative and missing times.
    e = error_of(with_event(R"({"at": -0.5, "select_unit": 3})"));
    CHECK(contains(e, "talk.json: events[1].at"));
    CHECK(contains(e, "-0.5"));
    e = error_of(with_event(R"({"select_unit": 3})"));
    CHECK(contains(e, "events[1].at"));
    CHECK(contains(e, "missing"));
    // Sources.
    e = error_of(with_event(R"({"at": 1, "source": "webcam"})"));
    CHECK(contains(e, "events[1].source"));
    CHECK(contains(e, "unknown source \"webcam\""));
    e = error_of(with_event(R"({"at": 1, "source": "world", "path": "/x"})"));
    CHECK(contains(e, "events[1].path"));
    CHECK(contains(e, "world source"));
    e = error_of(with_event(R"({"at": 1, "source": "video"})"));
    CHECK(contains(e, "events[1].path"));
    CHECK(contains(e, "missing"));
    // Models.
    e = error_of(with_event(R"({"at": 1, "model": "demo:resnet"})"));
    CHECK(contains(e, "events[1].model"));
    // Two actions, or none.
    e = error_of(with_event(R"({"at": 1, "select_unit": 3, "mix": 0.5})"));
    CHECK(contains(e, "events[1]."));
    CHECK(contains(e, "second action"));
    e = error_of(with_event(R"({"at": 1})"));
    CHECK(contains(e, "events[1]: has no action"));
    e = error_of(with_event(R"(["at", 1])"));
    CHECK(contains(e, "events[1]"));
    e = error_of(with_event(R"({"at": 1, "clear_toggles": false})"));
    CHECK(contains(e, "events[1].clear_toggles"));
    e = error_of(with_event(R"({"at": 1, "mix": 1.5})"));
    CHECK(contains(e, "events[1].mix"));
    e = error_of(with_event(R"({"at": 1, "toggle_concept": {"units": 3}})"));
    CHECK(contains(e, "events[1].toggle_concept.concept"));
  }

  TEST_CASE("reset_layout takes true, and nothing else") {
    const auto s = parse_script(with_event(R"({"at": 0.5, "reset_layout": true})"), "talk.json");
    REQUIRE(s.events.size() == 2);
    CHECK(s.events[1].action == ScriptAction::kResetLayout);
    CHECK(contains(error_of(with_event(R"({"at": 1, "reset_layout": false})")), "events[1].reset_layout"));
    CHECK(contains(error_of(with_event(R"({"at": 1, "reset_layout": true, "duration": 2})")),
                   "events[1].duration: unknown key"));
  }

  TEST_CASE("still takes a path and a scale of 1 to 8 (default 4)") {
    auto s = parse_script(with_event(R"({"at": 0.5, "still": "slide.png"})"), "talk.json");
    REQUIRE(s.events.size() == 2);
    CHECK(s.events[1].action == ScriptAction::kStill);
    CHECK(s.events[1].path == "slide.png");
    CHECK(s.events[1].count == 4);
    s = parse_script(with_event(R"({"at": 0.5, "still": "slide.png", "scale": 8})"), "talk.json");
    CHECK(s.events[1].count == 8);
    CHECK(contains(error_of(with_event(R"({"at": 1, "still": "a.png", "scale": 9})")), "events[1].scale"));
    CHECK(contains(error_of(with_event(R"({"at": 1, "still": "a.png", "scale": 0})")), "events[1].scale"));
    CHECK(contains(error_of(with_event(R"({"at": 1, "still": 3})")), "events[1].still"));
    CHECK(contains(error_of(with_event(R"({"at": 1, "still": "a.png", "duration": 2})")),
                   "events[1].duration: unknown key"));
  }

  TEST_CASE("errors in the script as a whole name the file and the key") {
    CHECK(contains(error_of("{"), "talk.json: not valid JSON"));
    CHECK(contains(error_of("[]"), "talk.json: the top level"));
    CHECK(contains(error_of(R"({"title": "x"})"), "talk.json: events: missing"));
    CHECK(contains(error_of(R"({"fsp": 30, "events": []})"), "talk.json: fsp: unknown key"));
    CHECK(contains(error_of(R"({"fps": 0, "events": []})"), "talk.json: fps:"));
    CHECK(contains(error_of(R"({"width": 641, "events": []})"), "talk.json: width: must be even"));
    CHECK(contains(error_of(R"({"duration": 2, "events": [{"at": 3, "select_unit": 1}]})"),
                   "talk.json: events[0].at: 3 s is after the end"));
    CHECK(contains(error_of(R"({"events": {"at": 1}})"), "talk.json: events: must be an array"));
  }

  TEST_CASE("load_script names a missing file") {
    const auto dir = unitscope::test::scratch_dir("script_missing");
    std::string message;
    try {
      load_script(dir / "nope.json");
    } catch (const ScriptError& e) {
      message = e.what();
    }
    CHECK(contains(message, (dir / "nope.json").string()));
  }

  TEST_CASE("the shipped paper story parses and tells the paper's four steps") {
    const auto path = unitscope::test::source_dir() / "assets" / "scripts" / "paper_story.json";
    const auto s = load_script(path);
    CHECK(s.width == 1280);
    CHECK(s.height == 720);
    CHECK(s.fps == 30);
    CHECK(s.duration >= 20.0);
    CHECK(s.duration <= 30.0);
    bool detector = false, ablation = false, trees_removed = false, house_painted = false;
    bool classifier = false, gan = false;
    int captions = 0;
    for (const auto& e : s.events) {
      CHECK(e.at <= s.duration);
      classifier |= e.action == ScriptAction::kModel && e.model == "demo:classifier";
      gan |= e.action == ScriptAction::kModel && e.model == "demo:gan";
      detector |= e.action == ScriptAction::kSelectConcept;
      ablation |= e.action == ScriptAction::kToggleConcept && !e.on && e.concept_name != "bush";
      trees_removed |=
          e.action == ScriptAction::kToggleConcept && !e.on && e.concept_name == "bush";
      house_painted |= e.action == ScriptAction::kPaint && e.concept_name == "house" && !e.remove;
      captions += e.action == ScriptAction::kCaption;
    }
    CHECK(classifier);
    CHECK(gan);
    CHECK(detector);
    CHECK(ablation);
    CHECK(trees_removed);
    CHECK(house_painted);
    CHECK(captions >= 4);
  }
}
