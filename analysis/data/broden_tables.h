// The small tables of a Broden directory (category.csv, label.csv, c_*.csv), read whole up front.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "analysis/data/broden_dataset.h"

namespace unitscope::analysis {

struct BrodenTables {
  std::vector<BrodenCategory> categories;  // every category, in category.csv order
  std::vector<BrodenLabel> labels;         // indexed by number; gaps have an empty name
  std::vector<std::uint8_t> in_label_csv;  // 65536 flags: label.csv lists the number

  std::optional<std::size_t> category_index(std::string_view name) const;
  bool listed(long long number) const {
    return number >= 0 && number < (long long)in_label_csv.size() && in_label_csv[number];
  }
  // A label PNG value (R + 256*G, so 0..65535) that is allowed: 0 (no label) or a listed number.
  bool pixel_label_ok(std::int32_t value) const { return value == 0 || in_label_csv[value]; }
};

// Throws analysis::Error naming the file (and line) for a missing or malformed table.
BrodenTables read_broden_tables(const std::filesystem::path& dir);

}  // namespace unitscope::analysis
