#include "analysis/data/broden_dataset.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>
#include <variant>

#include "analysis/data/broden_tables.h"
#include "analysis/data/csv.h"
#include "analysis/data/error.h"

namespace unitscope::analysis {

namespace {

const char* const kMetaColumns[] = {"image", "split", "ih", "iw", "sh", "sw"};
constexpr int kMaxSide = 1 << 16;

// Where one data row of index.csv starts, so a sample can be re-read without keeping the row.
struct RowRef {
  std::uint64_t offset = 0;
  std::uint32_t row = 0;   // 0-based data row
  std::uint32_t line = 0;  // 1-based line of the file
};

bool is_png_name(std::string_view s) {
  if (s.size() < 4) return false;
  auto tail = s.substr(s.size() - 4);
  auto lower = [](char c) { return char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
  return tail[0] == '.' && lower(tail[1]) == 'p' && lower(tail[2]) == 'n' && lower(tail[3]) == 'g';
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

struct BrodenDataset::Impl {
  std::filesystem::path dir;
  std::filesystem::path index_path;
  std::filesystem::path images_dir;
  BrodenOptions options;
  BrodenTables tables;
  std::vector<BrodenCategory> categories;  // the selected ones, in the order samples carry them
  std::size_t header_fields = 0;
  std::size_t col[6] = {};  // image, split, ih, iw, sh, sw
  std::vector<std::optional<std::size_t>> category_columns;  // per selected category
  std::vector<std::string> column_names;                     // per selected category, for messages
  std::vector<RowRef> rows;

  std::string where(const RowRef& ref) const {
    return index_path.string() + " row " + std::to_string(ref.row + 1) + " (line " +
           std::to_string(ref.line) + ")";
  }

  void read_header();
  void index_rows();
  // The sample, or the whole message saying why the row is bad.
  std::variant<BrodenSample, std::string> decode(const RowRef& ref,
                                                 const std::vector<std::string>& fields,
                                                 const std::string& malformed) const;
  std::optional<std::string> decode_cell(const RowRef& ref, std::size_t category,
                                         std::string_view cell, BrodenSample& sample) const;
};

void BrodenDataset::Impl::read_header() {
  CsvReader reader(index_path);
  std::vector<std::string> header;
  if (!reader.next(header)) throw Error(index_path.string() + " is empty: it needs a header row");
  if (reader.malformed()) throw Error(index_path.string() + " header: " + reader.malformed_why());
  header_fields = header.size();
  for (auto& name : header) name = std::string(trim(name));
  std::unordered_set<std::string> seen;
  for (const auto& name : header) {
    if (!seen.insert(name).second) {
      throw Error(index_path.string() + " header: column '" + name + "' appears twice");
    }
  }
  for (int i = 0; i < 6; ++i) {
    auto it = std::find(header.begin(), header.end(), kMetaColumns[i]);
    if (it == header.end()) {
      throw Error(index_path.string() + " header lacks the column '" + kMetaColumns[i] +
                  "' (it needs image, split, ih, iw, sh, sw, then one column per category)");
    }
    col[i] = std::size_t(it - header.begin());
  }
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto& name = header[i];
    if (std::find(std::begin(kMetaColumns), std::end(kMetaColumns), name) !=
        std::end(kMetaColumns)) {
      continue;
    }
    if (!tables.category_index(name)) {
      throw Error(index_path.string() + " header: column '" + name +
                  "' is not a category listed in category.csv");
    }
  }
  for (const auto& category : categories) {
    auto it = std::find(header.begin(), header.end(), category.name);
    // A category without a column is one that no image has.
    category_columns.push_back(it == header.end()
                                   ? std::nullopt
                                   : std::optional<std::size_t>(std::size_t(it - header.begin())));
    column_names.push_back(category.name);
  }
}

void BrodenDataset::Impl::index_rows() {
  CsvReader reader(index_path);
  std::vector<std::string> fields;
  reader.next(fields);  // the header, checked by read_header
  std::uint32_t row = 0;
  while (reader.next(fields)) {
    RowRef ref{reader.record_offset(), row++, std::uint32_t(reader.record_line())};
    // A row too short to have a split stays in, so it is reported when read.
    if (!options.split.empty() && col[1] < fields.size() && fields[col[1]] != options.split) continue;
    rows.push_back(ref);
  }
  rows.shrink_to_fit();
}

std::optional<std::string> BrodenDataset::Impl::decode_cell(const RowRef& ref, std::size_t category,
                                                            std::string_view cell,
                                                            BrodenSample& sample) const {
  auto& out = sample.labels[category];
  const std::string in_column = " in column '" + column_names[category] + "'";
  while (!cell.empty()) {
    auto semi = cell.find(';');
    std::string_view entry = trim(cell.substr(0, semi));
    cell = semi == std::string_view::npos ? std::string_view() : cell.substr(semi + 1);
    if (entry.empty()) continue;
    if (all_digits(entry)) {
      auto number = parse_csv_int(entry);
      if (!number || !tables.listed(*number)) {
        return where(ref) + ": unknown label number " + std::string(entry) + in_column +
               " (label.csv does not list it)";
      }
      out.image_labels.push_back(std::int32_t(*number));
      continue;
    }
    if (!is_png_name(entry)) {
      return where(ref) + ": entry '" + std::string(entry) + "'" + in_column +
             " is neither a label number nor a .png file";
    }
    const auto path = images_dir / std::string(entry);
    std::string why;
    auto png = try_read_image(path, 3, &why);
    if (!png) return where(ref) + in_column + ": " + why;
    if (png->width != sample.sw || png->height != sample.sh) {
      return where(ref) + in_column + ": " + path.string() + " is " +
             size_text(png->width, png->height) + " but the index says sw x sh = " +
             size_text(sample.sw, sample.sh);
    }
    std::vector<std::int32_t> plane(std::size_t(png->width) * std::size_t(png->height));
    const std::uint8_t* p = png->pixels.data();
    bool all_known = true;
    for (auto& value : plane) {
      value = std::int32_t(p[0]) | (std::int32_t(p[1]) << 8);
      all_known &= tables.pixel_label_ok(value);
      p += 3;
    }
    if (!all_known) {
      auto bad = std::find_if(plane.begin(), plane.end(),
                              [&](std::int32_t v) { return !tables.pixel_label_ok(v); });
      return where(ref) + in_column + ": " + path.string() + " holds label number " +
             std::to_string(*bad) + " (R + 256*G), which label.csv does not list";
    }
    out.planes.push_back(std::move(plane));
  }
  return std::nullopt;
}

std::variant<BrodenSample, std::string> BrodenDataset::Impl::decode(
    const RowRef& ref, const std::vector<std::string>& fields, const std::string& malformed) const {
  if (!malformed.empty()) return where(ref) + ": " + malformed;
  if (fields.size() != header_fields) {
    return where(ref) + ": expected " + std::to_string(header_fields) +
           " fields as the header has, found " + std::to_string(fields.size());
  }
  BrodenSample sample;
  sample.row = ref.row;
  sample.image = fields[col[0]];
  sample.split = fields[col[1]];
  int* sizes[4] = {&sample.ih, &sample.iw, &sample.sh, &sample.sw};
  for (int i = 0; i < 4; ++i) {
    auto value = parse_csv_int(fields[col[2 + i]]);
    if (!value || *value < 1 || *value > kMaxSide) {
      return where(ref) + ": " + kMetaColumns[2 + i] + " is '" + fields[col[2 + i]] +
             "', not a whole number from 1 to " + std::to_string(kMaxSide);
    }
    *sizes[i] = int(*value);
  }
  if (options.load_images) {
    if (trim(sample.image).empty()) return where(ref) + ": the image column is empty";
    const auto path = images_dir / sample.image;
    std::string why;
    auto image = try_read_image(path, 3, &why);
    if (!image) return where(ref) + ": " + why;
    if (image->width != sample.iw || image->height != sample.ih) {
      return where(ref) + ": " + path.string() + " is " + size_text(image->width, image->height) +
             " but the index says iw x ih = " + size_text(sample.iw, sample.ih);
    }
    sample.pixels = std::move(*image);
  }
  if (options.load_labels) {
    sample.labels.resize(categories.size());
    for (std::size_t c = 0; c < categories.size(); ++c) {
      if (!category_columns[c]) continue;
      if (auto problem = decode_cell(ref, c, fields[*category_columns[c]], sample)) return *problem;
    }
  }
  if (options.view) {
    try {
      apply_label_view(*options.view, sample);
    } catch (const Error& e) {
      return where(ref) + ": " + e.what();
    }
  }
  return sample;
}

BrodenDataset BrodenDataset::open(const std::filesystem::path& dir, BrodenOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->index_path = dir / "index.csv";
  impl->images_dir = dir / "images";
  impl->options = std::move(options);
  if (!std::filesystem::is_directory(dir)) {
    throw Error("Broden dataset directory " + dir.string() + " does not exist");
  }
  impl->tables = read_broden_tables(dir);
  const auto& all = impl->tables.categories;
  if (impl->options.categories.empty()) {
    impl->categories = all;
  } else {
    std::unordered_set<std::string> chosen;
    for (const auto& name : impl->options.categories) {
      auto index = impl->tables.category_index(name);
      if (!index) {
        std::string listed;
        for (const auto& category : all) listed += (listed.empty() ? "" : ", ") + category.name;
        throw Error("unknown category '" + name + "': " + (dir / "category.csv").string() +
                    " lists " + listed);
      }
      if (!chosen.insert(name).second) throw Error("category '" + name + "' is asked for twice");
      impl->categories.push_back(all[*index]);
    }
  }
  impl->read_header();
  impl->index_rows();
  return BrodenDataset(std::move(impl));
}

BrodenDataset::BrodenDataset(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BrodenDataset::BrodenDataset(BrodenDataset&&) noexcept = default;
BrodenDataset& BrodenDataset::operator=(BrodenDataset&&) noexcept = default;
BrodenDataset::~BrodenDataset() = default;

const std::filesystem::path& BrodenDataset::directory() const { return impl_->dir; }
const BrodenOptions& BrodenDataset::options() const { return impl_->options; }
const std::vector<BrodenCategory>& BrodenDataset::categories() const { return impl_->categories; }
const std::vector<BrodenLabel>& BrodenDataset::labels() const { return impl_->tables.labels; }
std::size_t BrodenDataset::size() const { return impl_->rows.size(); }

std::optional<int> BrodenDataset::category_index(const std::string& name) const {
  for (std::size_t i = 0; i < impl_->categories.size(); ++i) {
    if (impl_->categories[i].name == name) return int(i);
  }
  return std::nullopt;
}

std::optional<BrodenSample> BrodenDataset::read(std::size_t position, std::string* why) const {
  if (position >= impl_->rows.size()) {
    throw std::out_of_range("BrodenDataset::read: position " + std::to_string(position) +
                            " is past the end (" + std::to_string(impl_->rows.size()) + ")");
  }
  const RowRef& ref = impl_->rows[position];
  CsvReader reader(impl_->index_path);
  reader.seek(ref.offset, ref.line);
  std::vector<std::string> fields;
  std::string malformed = "the file changed since it was opened";
  if (reader.next(fields)) malformed = reader.malformed_why();
  auto result = impl_->decode(ref, fields, malformed);
  if (auto* sample = std::get_if<BrodenSample>(&result)) return std::move(*sample);
  auto& problem = std::get<std::string>(result);
  if (impl_->options.on_bad_entry == OnBadEntry::kFail) throw Error(problem);
  if (why) *why = std::move(problem);
  return std::nullopt;
}

namespace {

// The decoded result for one position, waiting for the consumer to reach it.
struct Slot {
  bool ready = false;
  std::optional<BrodenSample> sample;
  std::string problem;
  std::exception_ptr error;
};

struct Task {
  std::size_t position = 0;
  std::vector<std::string> fields;
  std::string malformed;
};

}  // namespace

BrodenReport BrodenDataset::stream(std::size_t begin, std::size_t end,
                                   const std::function<void(BrodenSample&&)>& consume,
                                   std::stop_token stop) const {
  const Impl& impl = *impl_;
  end = std::min(end, impl.rows.size());
  BrodenReport report;
  if (begin >= end) return report;

  const std::size_t window = std::size_t(std::max(1, impl.options.prefetch));
  const int threads = int(std::min<std::size_t>(std::size_t(std::max(1, impl.options.threads)),
                                                end - begin));
  std::mutex mutex;
  std::condition_variable_any work_ready, result_ready;
  std::deque<Task> tasks;
  std::vector<Slot> slots(window);
  bool quit = false;

  auto worker = [&] {
    for (;;) {
      Task task;
      {
        std::unique_lock lock(mutex);
        work_ready.wait(lock, [&] { return quit || !tasks.empty(); });
        if (quit) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      Slot slot;
      slot.ready = true;
      try {
        auto result = impl.decode(impl.rows[task.position], task.fields, task.malformed);
        if (auto* sample = std::get_if<BrodenSample>(&result)) {
          slot.sample = std::move(*sample);
        } else {
          slot.problem = std::move(std::get<std::string>(result));
        }
      } catch (...) {
        slot.error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        slots[task.position % window] = std::move(slot);
      }
      result_ready.notify_all();
    }
  };

  // Joins the workers however this function is left: normally, by a throw, or by a stop request.
  struct Pool {
    std::mutex& mutex;
    bool& quit;
    std::condition_variable_any& work_ready;
    std::vector<std::thread> threads;
    ~Pool() {
      {
        std::lock_guard lock(mutex);
        quit = true;
      }
      work_ready.notify_all();
      for (auto& thread : threads) thread.join();
    }
  } pool{mutex, quit, work_ready, {}};
  for (int i = 0; i < threads; ++i) pool.threads.emplace_back(worker);

  CsvReader reader(impl.index_path);
  std::vector<std::string> fields;
  std::size_t submitted = begin;
  for (std::size_t position = begin; position < end && !stop.stop_requested(); ++position) {
    while (submitted < end && submitted - position < window) {
      const RowRef& ref = impl.rows[submitted];
      // Rows the split filter left out lie between non-consecutive positions.
      if (submitted == begin || ref.row != impl.rows[submitted - 1].row + 1) {
        reader.seek(ref.offset, ref.line);
      }
      Task task;
      task.position = submitted++;
      if (reader.next(fields)) {
        task.fields = fields;
        task.malformed = reader.malformed_why();
      } else {
        task.malformed = "the file changed since it was opened";
      }
      {
        std::lock_guard lock(mutex);
        tasks.push_back(std::move(task));
      }
      work_ready.notify_one();
    }
    Slot slot;
    {
      std::unique_lock lock(mutex);
      Slot& waiting = slots[position % window];
      if (!result_ready.wait(lock, stop, [&] { return waiting.ready; })) break;
      slot = std::move(waiting);
      waiting = Slot{};
    }
    if (slot.error) std::rethrow_exception(slot.error);
    if (slot.sample) {
      ++report.read;
      consume(std::move(*slot.sample));
    } else if (impl.options.on_bad_entry == OnBadEntry::kFail) {
      throw Error(slot.problem);
    } else {
      ++report.skipped;
      report.problems.push_back(std::move(slot.problem));
    }
  }
  return report;
}

}  // namespace unitscope::analysis
