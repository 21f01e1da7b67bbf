#include "engine/studio/unit_grid.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace unitscope::engine;

TEST_CASE("the concept filter matches whole words, ignoring case") {
  CHECK(matches_words("tree", "tree"));
  CHECK(matches_words("pine tree", "tree"));
  CHECK(matches_words("Pine-Tree", "TREE"));
  CHECK_FALSE(matches_words("street", "tree"));
  CHECK_FALSE(matches_words("trees", "tree"));
  CHECK(matches_words("pine tree", "pine tree"));
  CHECK_FALSE(matches_words("tree pine", "pine tree"));
  CHECK(matches_words("anything", "  "));
  CHECK_FALSE(matches_words("", "tree"));
}

TEST_CASE("concept counts list each label once, counted as its filter would keep units") {
  const std::vector<std::string> labels{"street", "tree", "", "pine tree", "tree", "street", "street"};
  const auto counts = concept_counts(labels);
  REQUIRE(counts.size() == 3);
  CHECK(counts[0].name == "street");
  CHECK(counts[0].units == 3);
  CHECK(counts[1].name == "tree");
  CHECK(counts[1].units == 3);  // both "tree" units and the "pine tree" one, no "street"
  CHECK(counts[2].name == "pine tree");
  CHECK(counts[2].units == 1);
}

TEST_CASE("label groups start new rows under a header tile") {
  const std::vector<std::string> labels{"sky", "tree", "sky", "", "sky"};
  const std::vector<int> order{0, 2, 4, 1, 3};  // as sorted by label: sky x3, tree, unlabelled
  auto groups = label_groups(order, labels);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].label == "sky");
  CHECK(groups[0].units == 3);
  CHECK(groups[1].label == "tree");
  CHECK(groups[1].first == 3);
  CHECK(groups[2].label.empty());

  const auto cells = grouped_cells(order, groups, GroupedLayout{3, true});
  const std::vector<int> want{kBlankCell, 0,          2,          // sky header, two sky units
                              4,          kBlankCell, kBlankCell,  // the third, then padding
                              kBlankCell, 1,          kBlankCell,  // tree
                              kBlankCell, 3};                      // unlabelled, unpadded
  CHECK(cells == want);
  CHECK(groups[0].header == 0);
  CHECK(groups[1].header == 6);
  CHECK(groups[2].header == 9);
  // Every unit appears exactly once, so a click maps back to one unit.
  int units = 0;
  for (int c : cells) units += c >= 0;
  CHECK(units == 5);
}

TEST_CASE("groups can follow on without padding") {
  const std::vector<std::string> labels{"sky", "tree", "sky"};
  const std::vector<int> order{0, 2, 1};
  auto groups = label_groups(order, labels);
  const auto cells = grouped_cells(order, groups, GroupedLayout{4, false});
  CHECK(cells == std::vector<int>{kBlankCell, 0, 2, kBlankCell, 1});
  CHECK(groups[1].header == 3);
}

TEST_CASE("the grouped layout picks the largest tiles") {
  std::vector<GridGroup> one{GridGroup{"sky", 0, 8, 0}};  // 9 cells with the header
  CHECK(grouped_layout(one, 300, 300, 0).columns == 3);
  CHECK(grouped_layout(one, 900, 100, 0).columns == 9);
  CHECK(grouped_layout(one, 300, 300, 0).new_rows);
  std::vector<GridGroup> many(10, GridGroup{"x", 0, 1, 0});  // ten groups of one: 2 cells each
  CHECK(grouped_layout(many, 200, 1000, 0).columns == 2);
  CHECK(grouped_layout(many, 200, 1000, 0).new_rows);
  // Forty groups of one in a wide, short area: rows of two cells would be slivers, so they follow on.
  std::vector<GridGroup> lots(40, GridGroup{"x", 0, 1, 0});
  const auto flat = grouped_layout(lots, 400, 100, 0);
  CHECK_FALSE(flat.new_rows);
  CHECK(flat.columns == 16);  // 16 x 5 cells of 25 x 20 px: the fewest columns giving 20 px tiles
  CHECK(grouped_layout({}, 100, 100, 2).columns == 1);
}
