// The feature grid's pure logic: whole-word concept matching, concept counts for the filter list,
// and the label-sorted grid's groups (each under a header tile, each starting a new row).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace unitscope::engine {

// A grid cell that shows no unit (a group's header tile or the padding after a group).
constexpr int kBlankCell = -1;

// The lower-case words of `text`: runs of letters and digits.
std::vector<std::string> words_of(std::string_view text);

// Whether `query`'s words occur in `text` as whole words, in order and adjacent, ignoring case:
// "tree" matches "tree" and "pine tree" but not "street". An empty query matches everything.
bool matches_words(std::string_view text, std::string_view query);

struct ConceptCount {
  std::string name;
  int units = 0;  // units the filter `name` keeps (whole-word matches of their label)
};

// Every distinct non-empty label, with how many of `labels` it matches as a filter; most units
// first, then by name.
std::vector<ConceptCount> concept_counts(const std::vector<std::string>& labels);

struct GridGroup {
  std::string label;       // "" for the unlabelled units
  std::size_t first = 0;   // index of the group's first unit in the ordered units
  std::size_t units = 0;
  std::size_t header = 0;  // the header tile's cell, once laid out
};

// The runs of equal label in `order` (units whose labels, by unit index, are in `unit_labels`).
std::vector<GridGroup> label_groups(const std::vector<int>& order, const std::vector<std::string>& unit_labels);

struct GroupedLayout {
  std::uint32_t columns = 1;
  bool new_rows = true;  // each group starts a row; else groups follow on, told apart by headers
};

// The columns that give the largest tiles (smaller side) in a `width` x `height` area with `gap`
// pixels between cells, every group taking a header tile. Groups start new rows unless that makes
// tiles much smaller than letting them follow on (many small groups in a short panel).
GroupedLayout grouped_layout(const std::vector<GridGroup>& groups, float width, float height, float gap);

// The grid's cells: per group a header tile (kBlankCell) and its units, then (new_rows) blank cells
// up to the row's end. Sets each group's header cell.
std::vector<int> grouped_cells(const std::vector<int>& order, std::vector<GridGroup>& groups, GroupedLayout layout);

}  // namespace unitscope::engine
