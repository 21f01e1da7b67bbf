#include "analysis/data/csv.h"

#include <charconv>
#include <fstream>
#include <istream>
#include <ostream>

#include "analysis/data/error.h"

namespace unitscope::analysis {

namespace {

constexpr std::size_t kBufferSize = 1 << 16;
constexpr int kEnd = -1;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ends_field(int c) { return c == ',' || c == '\n' || c == '\r' || c == kEnd; }

}  // namespace

CsvReader::CsvReader(const std::filesystem::path& path)
    : owned_(std::make_unique<std::ifstream>(path, std::ios::binary)),
      in_(owned_.get()),
      name_(path.string()),
      buf_(kBufferSize) {
  if (!*owned_) throw Error("cannot open " + name_);
}

CsvReader::CsvReader(std::istream& in, std::string name)
    : in_(&in), name_(std::move(name)), buf_(kBufferSize) {}

CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;
CsvReader::~CsvReader() = default;

bool CsvReader::fill() {
  if (pos_ < len_) return true;
  buf_offset_ += len_;
  pos_ = len_ = 0;
  if (!in_->good()) return false;
  in_->read(buf_.data(), std::streamsize(buf_.size()));
  len_ = std::size_t(in_->gcount());
  return len_ > 0;
}

int CsvReader::peek() { return fill() ? static_cast<unsigned char>(buf_[pos_]) : kEnd; }

int CsvReader::get() { return fill() ? static_cast<unsigned char>(buf_[pos_++]) : kEnd; }

void CsvReader::seek(std::uint64_t offset, std::size_t line) {
  in_->clear();
  in_->seekg(std::streamoff(offset));
  if (!*in_) throw Error("cannot seek in " + name_);
  buf_offset_ = offset;
  pos_ = len_ = 0;
  line_ = line;
  at_start_ = offset == 0;
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  malformed_why_.clear();
  if (at_start_) {
    at_start_ = false;
    // Spreadsheet programs put a byte-order mark before the header.
    if (fill() && len_ - pos_ >= 3 && buf_[pos_] == '\xEF' && buf_[pos_ + 1] == '\xBB' &&
        buf_[pos_ + 2] == '\xBF') {
      pos_ += 3;
    }
  }
  for (;;) {
    int c = peek();
    if (c == kEnd) return false;
    if (c == '\n') {
      get();
      ++line_;
    } else if (c == '\r') {
      get();
      if (peek() == '\n') get();
      ++line_;
    } else {
      break;
    }
  }
  record_offset_ = buf_offset_ + pos_;
  record_line_ = line_;

  std::string field;
  for (;;) {
    field.clear();
    int c = peek();
    if (c == '"') {
      get();
      const std::size_t opened = line_;
      for (;;) {
        c = get();
        if (c == kEnd) {
          malformed_why_ = "quote opened on line " + std::to_string(opened) + " is never closed";
          fields.push_back(field);
          return true;
        }
        if (c == '"') {
          if (peek() != '"') break;
          get();
        } else if (c == '\n' || (c == '\r' && peek() != '\n')) {
          ++line_;
        }
        field += char(c);
      }
      if (!ends_field(peek())) {
        if (malformed_why_.empty()) malformed_why_ = "text follows a closing quote";
        while (!ends_field(peek())) field += char(get());
      }
    } else {
      // Unquoted: a stray quote mid-field is kept as text, as most writers and readers do.
      while (!ends_field(c = peek())) {
        // Scan the buffered run in one go; this loop is the hot path for big index files.
        const char* begin = buf_.data() + pos_;
        const char* end = buf_.data() + len_;
        const char* p = begin;
        while (p != end && *p != ',' && *p != '\n' && *p != '\r') ++p;
        field.append(begin, p);
        pos_ += std::size_t(p - begin);
      }
    }
    fields.push_back(field);
    c = get();
    if (c == ',') continue;
    if (c == '\r') {
      if (peek() == '\n') get();
      ++line_;
    } else if (c == '\n') {
      ++line_;
    }
    return true;
  }
}

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

CsvTable read_csv_table(const std::filesystem::path& path) {
  CsvReader reader(path);
  CsvTable table;
  if (!reader.next(table.header)) throw Error(path.string() + " is empty: it needs a header row");
  if (reader.malformed()) {
    throw Error(path.string() + " line " + std::to_string(reader.record_line()) + ": " +
                reader.malformed_why());
  }
  for (auto& name : table.header) name = std::string(trim(name));
  std::vector<std::string> fields;
  while (reader.next(fields)) {
    const std::string where = path.string() + " line " + std::to_string(reader.record_line());
    if (reader.malformed()) throw Error(where + ": " + reader.malformed_why());
    if (fields.size() != table.header.size()) {
      throw Error(where + ": expected " + std::to_string(table.header.size()) + " fields, found " +
                  std::to_string(fields.size()));
    }
    table.rows.push_back(fields);
    table.lines.push_back(reader.record_line());
  }
  return table;
}

std::string csv_field(std::string_view field) {
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_csv_record(std::ostream& out, std::span<const std::string> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out << ',';
    out << csv_field(fields[i]);
  }
  out << '\n';
}

void write_csv_record(std::ostream& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (auto field : fields) {
    if (!first) out << ',';
    first = false;
    out << csv_field(field);
  }
  out << '\n';
}

std::optional<long long> parse_csv_int(std::string_view text) {
  text = trim(text);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_csv_double(std::string_view text) {
  text = trim(text);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace unitscope::analysis
