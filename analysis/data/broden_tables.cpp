#include "analysis/data/broden_tables.h"

#include <algorithm>
#include <string>

#include "analysis/data/csv.h"
#include "analysis/data/error.h"

namespace unitscope::analysis {

namespace {

// Label numbers travel in PNGs as R + 256*G, so none can exceed this.
constexpr long long kMaxLabel = 65535;

CsvTable read_table(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw Error(path.string() +
                " is missing: a Broden dataset needs index.csv, category.csv, label.csv and one "
                "c_<category>.csv per category");
  }
  return read_csv_table(path);
}

std::size_t need_column(const CsvTable& table, const std::filesystem::path& path,
                        std::string_view name) {
  auto column = table.column(name);
  if (!column) throw Error(path.string() + " header lacks the column '" + std::string(name) + "'");
  return *column;
}

std::string at_line(const std::filesystem::path& path, std::size_t line) {
  return path.string() + " line " + std::to_string(line);
}

// An optional statistic: empty is 0, anything else must be a number.
double number_or_zero(const CsvTable& table, std::optional<std::size_t> column, std::size_t row,
                      const std::filesystem::path& path, std::string_view what) {
  if (!column) return 0.0;
  const std::string& cell = table.rows[row][*column];
  if (cell.find_first_not_of(" \t") == std::string::npos) return 0.0;
  auto value = parse_csv_double(cell);
  if (!value) {
    throw Error(at_line(path, table.lines[row]) + ": " + std::string(what) + " is '" + cell +
                "', not a number");
  }
  return *value;
}

void read_categories(const std::filesystem::path& dir, BrodenTables& tables) {
  const auto path = dir / "category.csv";
  const CsvTable table = read_table(path);
  const std::size_t name = need_column(table, path, "name");
  const auto first = table.column("first"), last = table.column("last");
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    BrodenCategory category;
    category.name = table.rows[r][name];
    if (category.name.empty()) throw Error(at_line(path, table.lines[r]) + ": empty category name");
    if (tables.category_index(category.name)) {
      throw Error(at_line(path, table.lines[r]) + ": category '" + category.name +
                  "' is listed twice");
    }
    category.first_label = int(number_or_zero(table, first, r, path, "first"));
    category.last_label = int(number_or_zero(table, last, r, path, "last"));
    tables.categories.push_back(std::move(category));
  }
  if (tables.categories.empty()) throw Error(path.string() + " lists no categories");
}

// The category names in label.csv's category cell, e.g. "object(58);part(3)".
std::vector<std::string> category_names(std::string_view cell) {
  std::vector<std::string> names;
  while (!cell.empty()) {
    auto semi = cell.find(';');
    std::string_view entry = cell.substr(0, semi);
    cell = semi == std::string_view::npos ? std::string_view() : cell.substr(semi + 1);
    entry = entry.substr(0, entry.find('('));
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    if (!entry.empty()) names.emplace_back(entry);
  }
  return names;
}

void read_labels(const std::filesystem::path& dir, BrodenTables& tables,
                 std::vector<std::vector<std::string>>& label_csv_categories) {
  const auto path = dir / "label.csv";
  const CsvTable table = read_table(path);
  const std::size_t number = need_column(table, path, "number");
  const std::size_t name = need_column(table, path, "name");
  const auto category = table.column("category");
  const auto frequency = table.column("frequency"), coverage = table.column("coverage");
  tables.in_label_csv.assign(kMaxLabel + 1, 0);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& cell = table.rows[r][number];
    auto n = parse_csv_int(cell);
    if (!n || *n < 0 || *n > kMaxLabel) {
      throw Error(at_line(path, table.lines[r]) + ": label number '" + cell +
                  "' is not a whole number from 0 to " + std::to_string(kMaxLabel));
    }
    if (tables.in_label_csv[*n]) {
      throw Error(at_line(path, table.lines[r]) + ": label number " + cell + " is listed twice");
    }
    tables.in_label_csv[*n] = 1;
    if (tables.labels.size() <= std::size_t(*n)) {
      const std::size_t old = tables.labels.size();
      tables.labels.resize(std::size_t(*n) + 1);
      label_csv_categories.resize(std::size_t(*n) + 1);
      for (std::size_t i = old; i < tables.labels.size(); ++i) tables.labels[i].number = int(i);
    }
    BrodenLabel& label = tables.labels[*n];
    label.name = table.rows[r][name];
    label.frequency = int(number_or_zero(table, frequency, r, path, "frequency"));
    label.coverage = number_or_zero(table, coverage, r, path, "coverage");
    if (category) label_csv_categories[*n] = category_names(table.rows[r][*category]);
  }
  if (tables.labels.empty()) throw Error(path.string() + " lists no labels");
}

}  // namespace

std::optional<std::size_t> BrodenTables::category_index(std::string_view name) const {
  for (std::size_t i = 0; i < categories.size(); ++i) {
    if (categories[i].name == name) return i;
  }
  return std::nullopt;
}

BrodenTables read_broden_tables(const std::filesystem::path& dir) {
  BrodenTables tables;
  read_categories(dir, tables);
  std::vector<std::vector<std::string>> label_csv_categories;
  read_labels(dir, tables, label_csv_categories);

  // Coverage of each label in each category, from c_<category>.csv; negative where absent.
  const std::size_t label_count = tables.labels.size();
  std::vector<std::vector<double>> coverage(tables.categories.size(),
                                            std::vector<double>(label_count, -1.0));
  for (std::size_t c = 0; c < tables.categories.size(); ++c) {
    BrodenCategory& category = tables.categories[c];
    const auto path = dir / ("c_" + category.name + ".csv");
    const CsvTable table = read_table(path);
    const std::size_t number = need_column(table, path, "number");
    const auto code = table.column("code"), cov = table.column("coverage");
    std::vector<std::pair<long long, int>> coded;  // (code, label number)
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const std::string& cell = table.rows[r][number];
      auto n = parse_csv_int(cell);
      if (!n || !tables.listed(*n)) {
        throw Error(at_line(path, table.lines[r]) + ": label number '" + cell +
                    "' is not listed in label.csv");
      }
      if (coverage[c][*n] >= 0) {
        throw Error(at_line(path, table.lines[r]) + ": label number " + cell + " is listed twice");
      }
      coverage[c][*n] = std::max(0.0, number_or_zero(table, cov, r, path, "coverage"));
      long long order = (long long)r;
      if (code) {
        auto value = parse_csv_int(table.rows[r][*code]);
        if (!value) {
          throw Error(at_line(path, table.lines[r]) + ": code '" + table.rows[r][*code] +
                      "' is not a whole number");
        }
        order = *value;
      }
      coded.emplace_back(order, int(*n));
    }
    std::stable_sort(coded.begin(), coded.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& entry : coded) category.labels.push_back(entry.second);
  }

  // The primary category has the largest coverage; ties go to the later one in category.csv, as
  // NetDissect-Lite's max((coverage, index)) gives them, so labels match its reports.
  for (std::size_t n = 0; n < label_count; ++n) {
    BrodenLabel& label = tables.labels[n];
    if (!tables.listed((long long)n)) continue;
    double best = -1.0;
    for (std::size_t c = 0; c < tables.categories.size(); ++c) {
      if (coverage[c][n] < 0) continue;
      label.categories.push_back(tables.categories[c].name);
      if (coverage[c][n] >= best) {
        best = coverage[c][n];
        label.category = tables.categories[c].name;
      }
    }
    if (label.categories.empty()) {
      // In no c_*.csv: fall back to what label.csv says.
      label.categories = std::move(label_csv_categories[n]);
      if (!label.categories.empty()) label.category = label.categories.front();
    }
  }
  return tables;
}

}  // namespace unitscope::analysis
