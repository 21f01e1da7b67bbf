// CSV as RFC 4180 has it (quoted fields, doubled quotes, CRLF or LF), read record by record and written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace unitscope::analysis {

// Reads one record at a time, so memory stays flat however long the file is. A quoted field may hold
// commas, quotes ("") and line breaks. Blank lines are skipped; a UTF-8 byte-order mark is ignored.
// A record is malformed when a quote is left open at the end of the input or text follows a closing
// quote; the reader still returns it (fields as best read) and says why, and carries on.
class CsvReader {
 public:
  // Throws analysis::Error naming the file when it cannot be opened.
  explicit CsvReader(const std::filesystem::path& path);
  // Reads from a stream the caller keeps alive; `name` is what messages call it.
  CsvReader(std::istream& in, std::string name);
  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  ~CsvReader();

  // Fills `fields` with the next record; false at the end of the input.
  bool next(std::vector<std::string>& fields);

  // About the record next() returned last: where it began (byte offset, 1-based line) and whether
  // it was malformed (then malformed_why() says how).
  std::uint64_t record_offset() const { return record_offset_; }
  std::size_t record_line() const { return record_line_; }
  bool malformed() const { return !malformed_why_.empty(); }
  const std::string& malformed_why() const { return malformed_why_; }

  // Continues reading at a record that began at `offset` on `line` (values from record_offset()
  // and record_line()). Throws analysis::Error when the input cannot seek.
  void seek(std::uint64_t offset, std::size_t line);

  const std::string& name() const { return name_; }

 private:
  bool fill();  // refills buf_; false at the end of the input
  int peek();
  int get();

  std::unique_ptr<std::istream> owned_;
  std::istream* in_ = nullptr;
  std::string name_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t buf_offset_ = 0;  // input offset of buf_[0]
  std::size_t line_ = 1;
  bool at_start_ = true;
  std::uint64_t record_offset_ = 0;
  std::size_t record_line_ = 0;
  std::string malformed_why_;
};

// Reads a whole small table with a header row: the column index of each name, and the rows.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // 1-based line where each row began
  std::optional<std::size_t> column(std::string_view name) const;
};
// Throws analysis::Error naming the file (and line) when it is missing, empty or malformed.
CsvTable read_csv_table(const std::filesystem::path& path);

// A field as it must be written: quoted when it holds a comma, quote, CR or LF, or starts or ends
// with a space; as it is otherwise.
std::string csv_field(std::string_view field);
// Writes one record ending in "\n".
void write_csv_record(std::ostream& out, std::span<const std::string> fields);
void write_csv_record(std::ostream& out, std::initializer_list<std::string_view> fields);

// Whole-field number parsing for CSV cells (surrounding spaces allowed); nullopt when not a number.
std::optional<long long> parse_csv_int(std::string_view text);
std::optional<double> parse_csv_double(std::string_view text);

}  // namespace unitscope::analysis
