// Studio::undo on a real Studio (the demo classifier): each toggle, group of toggles, stroke and
// clear is one step, taken back newest first; a layer change forgets them with the edits.
#include <doctest/doctest.h>

#include "engine/studio/studio.h"

using namespace unitscope::engine;

namespace {

std::vector<int> toggled(const Studio& studio) {
  std::vector<int> units;
  for (const UnitToggle& t : studio.settings.toggles) units.push_back(t.unit);
  return units;
}

PaintLayer stroke(const char* concept_name) {
  PaintLayer p;
  p.concept_name = concept_name;
  p.units = {1, 2};
  p.points = {{0.2f, 0.5f}, {0.6f, 0.5f}};
  return p;
}

}  // namespace

TEST_SUITE("studio") {
  TEST_CASE("undo takes back toggles, strokes and clears one step at a time, newest first") {
    StudioSettings settings;
    settings.model = "demo:classifier";
    Studio studio(settings, /*deterministic=*/true);
    studio.update(0.0);
    CHECK_FALSE(studio.undo());

    studio.toggle(3, false);
    studio.toggle({4, 5, 6}, true, 2.0f);  // a concept's units: one step
    studio.untoggle(3);
    studio.untoggle(99);  // not toggled: nothing to take back
    studio.add_paint(stroke("house"));
    studio.add_paint(stroke("tree"));
    studio.clear_edits();
    CHECK(studio.undo_steps() == 6);
    CHECK(studio.settings.toggles.empty());
    CHECK(studio.paint().empty());

    REQUIRE(studio.undo());  // the clear: both strokes and the toggles come back
    CHECK(toggled(studio) == std::vector<int>{4, 5, 6});
    REQUIRE(studio.paint().size() == 2);
    CHECK(studio.paint()[1].concept_name == "tree");
    CHECK(studio.paint()[1].points.size() == 2);
    REQUIRE(studio.undo());  // the second stroke
    REQUIRE(studio.paint().size() == 1);
    CHECK(studio.paint()[0].concept_name == "house");
    REQUIRE(studio.undo());  // the first stroke
    CHECK(studio.paint().empty());
    REQUIRE(studio.undo());  // untoggle(3)
    CHECK(toggled(studio) == std::vector<int>{3, 4, 5, 6});
    REQUIRE(studio.undo());  // the group
    CHECK(toggled(studio) == std::vector<int>{3});
    CHECK(studio.settings.toggles[0].on == false);
    REQUIRE(studio.undo());  // toggle(3)
    CHECK(studio.settings.toggles.empty());
    CHECK_FALSE(studio.undo());
    CHECK(studio.undo_steps() == 0);

    // Another layer drops the edits, and with them what would bring them back.
    studio.toggle(7, false);
    studio.set_layer("features.24");
    CHECK(studio.settings.toggles.empty());
    CHECK(studio.undo_steps() == 0);
    CHECK_FALSE(studio.undo());
  }
}
