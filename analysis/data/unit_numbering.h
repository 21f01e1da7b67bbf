// Unit numbers as people and files see them. Everything unitscope writes or prints numbers units
// from 1, as NetDissect-Lite's tally.csv and report.html always did, so that a unit is called the
// same in every file and panel; only indices in memory count from 0. A JSON file says so with
// "unit_numbering": 1, because dissection.json and ablation.json of earlier versions (users' caches
// among them) held 0-based indices with no key, and must still read as they did.
#pragma once

#include <filesystem>
#include <string>

#include "analysis/data/error.h"

namespace unitscope::analysis {

inline constexpr const char* kUnitNumberingKey = "unit_numbering";
inline constexpr int kFirstUnitNumber = 1;  // what this version writes

// The number a person or a file sees for the in-memory `index`.
template <class Index>
constexpr Index unit_number(Index index) {
  return index + static_cast<Index>(kFirstUnitNumber);
}

// The number of a JSON document's first unit: its kUnitNumberingKey (0 or 1), or 0 when it has
// none (a file of an earlier version). A template so that this header needs no nlohmann/json.
// Throws Error naming `file` for any other value.
template <class Json>
int first_unit_number(const Json& doc, const std::filesystem::path& file) {
  const auto it = doc.find(kUnitNumberingKey);
  if (it == doc.end()) return 0;
  if (!it->is_number_integer() || (*it != 0 && *it != 1)) {
    throw Error(file.string() + ": \"" + kUnitNumberingKey +
                "\" must be 0 or 1 (the number of the first unit), not " + it->dump());
  }
  return it->template get<int>();
}

// The 0-based index of unit `number` of a file whose first unit is `first`. Throws Error when it
// is not one of `units` units, naming `where` (the file, and the row or field), the number, what
// has the units (`holder`, e.g. "layer conv5 of this model") and the valid numbers, then `hint`.
inline int unit_index(long long number, int first, int units, const std::string& where,
                      const std::string& holder, const std::string& hint = "") {
  if (number < first || number >= static_cast<long long>(units) + first) {
    throw Error(where + ": unit " + std::to_string(number) + " is out of range; " + holder +
                " has " + std::to_string(units) + " units, numbered " + std::to_string(first) +
                " to " + std::to_string(units - 1 + first) + hint);
  }
  return static_cast<int>(number - first);
}

}  // namespace unitscope::analysis
