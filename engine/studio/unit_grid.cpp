#include "engine/studio/unit_grid.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace unitscope::engine {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      word.push_back(char(std::tolower(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool matches_words(std::string_view text, std::string_view query) {
  const std::vector<std::string> q = words_of(query);
  if (q.empty()) return true;
  const std::vector<std::string> t = words_of(text);
  if (t.size() < q.size()) return false;
  for (std::size_t i = 0; i + q.size() <= t.size(); ++i)
    if (std::equal(q.begin(), q.end(), t.begin() + std::ptrdiff_t(i))) return true;
  return false;
}

std::vector<ConceptCount> concept_counts(const std::vector<std::string>& labels) {
  // Distinct labels first: a dissection has far fewer concepts than units.
  std::map<std::string, int> exact;
  for (const auto& l : labels)
    if (!l.empty()) ++exact[l];
  std::vector<ConceptCount> out;
  out.reserve(exact.size());
  for (const auto& [name, n] : exact) {
    ConceptCount c{name, 0};
    // As the filter would count it: "tree" also keeps the "pine tree" units.
    for (const auto& [other, m] : exact)
      if (matches_words(other, name)) c.units += m;
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const ConceptCount& a, const ConceptCount& b) {
    return a.units > b.units;  // std::map already ordered them by name
  });
  return out;
}

std::vector<GridGroup> label_groups(const std::vector<int>& order, const std::vector<std::string>& unit_labels) {
  std::vector<GridGroup> groups;
  static const std::string kNone;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const int u = order[i];
    const std::string& label = u >= 0 && std::size_t(u) < unit_labels.size() ? unit_labels[std::size_t(u)] : kNone;
    if (groups.empty() || groups.back().label != label) groups.push_back(GridGroup{label, i, 0, 0});
    ++groups.back().units;
  }
  return groups;
}

namespace {

// Grouped rows may cost this much tile size before groups follow on instead.
constexpr float kNewRowsMinRatio = 0.75f;

struct Fit {
  std::uint32_t columns = 1;
  float side = -1.0f;
};

Fit best_fit(const std::vector<GridGroup>& groups, float width, float height, float gap, bool new_rows) {
  std::size_t total = 0, widest = 1;
  for (const auto& g : groups) {
    total += g.units + 1;
    widest = std::max(widest, g.units + 1);
  }
  Fit best;
  for (std::size_t c = 1; c <= (new_rows ? widest : std::max<std::size_t>(total, 1)); ++c) {
    std::size_t rows = 0;
    if (new_rows)
      for (const auto& g : groups) rows += (g.units + 1 + c - 1) / c;
    else
      rows = (total + c - 1) / c;
    rows = std::max<std::size_t>(rows, 1);
    const float w = (width - gap * float(c - 1)) / float(c);
    const float h = (height - gap * float(rows - 1)) / float(rows);
    if (std::min(w, h) > best.side) best = Fit{std::uint32_t(c), std::min(w, h)};
  }
  return best;
}

}  // namespace

GroupedLayout grouped_layout(const std::vector<GridGroup>& groups, float width, float height, float gap) {
  const Fit rows = best_fit(groups, width, height, gap, true);
  const Fit flow = best_fit(groups, width, height, gap, false);
  if (rows.side >= kNewRowsMinRatio * flow.side) return GroupedLayout{rows.columns, true};
  return GroupedLayout{flow.columns, false};
}

std::vector<int> grouped_cells(const std::vector<int>& order, std::vector<GridGroup>& groups, GroupedLayout layout) {
  const std::size_t c = std::max<std::uint32_t>(layout.columns, 1);
  std::vector<int> cells;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    GridGroup& group = groups[g];
    group.header = cells.size();
    cells.push_back(kBlankCell);
    for (std::size_t i = 0; i < group.units && group.first + i < order.size(); ++i)
      cells.push_back(order[group.first + i]);
    // The next group starts its own row; the last one needs no padding.
    if (layout.new_rows && g + 1 < groups.size())
      while (cells.size() % c != 0) cells.push_back(kBlankCell);
  }
  return cells;
}

}  // namespace unitscope::engine
