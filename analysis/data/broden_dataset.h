// Reads datasets in Broden's on-disk layout (index.csv, category.csv, label.csv, c_*.csv, images, label PNGs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/data/label_view.h"

namespace unitscope::analysis {

// What to do with a bad entry of index.csv (wrong field count, bad number, missing or corrupt image or
// PNG, unknown label number, size that disagrees with the index): kFail throws analysis::Error naming
// the file and row; kSkip leaves the entry out and lists why in BrodenReport::problems.
enum class OnBadEntry { kFail, kSkip };

struct BrodenOptions {
  OnBadEntry on_bad_entry = OnBadEntry::kFail;
  std::string split;                   // "train", "val", or empty for every row
  std::vector<std::string> categories; // empty: every category, in category.csv order; else this order
  bool load_images = true;             // false: neither reads nor checks the images, only labels
  bool load_labels = true;             // false: neither reads nor checks the label cells (samples carry none)
  int threads = 2;                     // decoder threads
  int prefetch = 32;                   // samples decoded ahead of the consumer; bounds memory
  // Set: each sample's label planes are resampled onto the model's view (apply_label_view) and sh,
  // sw give the view's grid, also when no labels are loaded. Unset: labels as the files hold them.
  std::optional<LabelView> view;
};

struct BrodenCategory {
  std::string name;
  int first_label = 0;  // from category.csv; informational
  int last_label = 0;
  std::vector<int> labels;  // global label numbers c_<name>.csv lists, in code order
};

// One row of label.csv. Numbers can have gaps; labels()[n].name is empty for a missing number.
struct BrodenLabel {
  int number = 0;
  std::string name;
  std::string category;                    // primary category: largest coverage in the c_*.csv files
  std::vector<std::string> categories;     // every category it appears in
  int frequency = 0;                       // from label.csv: images with the label
  double coverage = 0.0;                   // from label.csv: pixel coverage in whole images
};

// The decoded labels of one category for one image.
struct CategoryLabels {
  // Pixel-level: one sh*sw plane per PNG listed in the cell, global label numbers (R + 256*G), 0 = none.
  std::vector<std::vector<std::int32_t>> planes;
  // Image-level: label numbers from the cell.
  std::vector<std::int32_t> image_labels;
};

struct BrodenSample {
  std::size_t row = 0;  // 0-based data row of index.csv (messages say "row row+1")
  std::string image;    // path as written in index.csv, relative to images/
  std::string split;
  int ih = 0, iw = 0;   // image size from the index
  int sh = 0, sw = 0;   // segmentation size from the index
  Image pixels;         // RGB, ih x iw; empty when load_images is false
  std::vector<CategoryLabels> labels;  // same order as BrodenDataset::categories()
};

struct BrodenReport {
  std::size_t read = 0;
  std::size_t skipped = 0;
  std::vector<std::string> problems;  // one line each for skipped entries: file, row, line and why
};

// Opens the directory and reads the small tables up front; samples are decoded on demand. open()
// throws analysis::Error naming the file for a missing table, an index.csv header without image,
// split, ih, iw, sh and sw or with a column that is no category, a malformed category.csv, label.csv
// or c_*.csv (with its line), or an unknown name in options.categories.
// Messages about index.csv entries say "index.csv row R (line L)", R counting data rows from 1.
// read() and stream() may run concurrently from several threads.
class BrodenDataset {
 public:
  static BrodenDataset open(const std::filesystem::path& dir, BrodenOptions options = {});
  BrodenDataset(BrodenDataset&&) noexcept;
  BrodenDataset& operator=(BrodenDataset&&) noexcept;
  ~BrodenDataset();

  const std::filesystem::path& directory() const;
  const BrodenOptions& options() const;
  const std::vector<BrodenCategory>& categories() const;
  // Indexed by label number; entries for gaps have an empty name. Size is max label number + 1.
  const std::vector<BrodenLabel>& labels() const;
  std::optional<int> category_index(const std::string& name) const;
  // Rows that pass the split filter (bad rows included until they are read).
  std::size_t size() const;

  // Decodes one sample by position in the filtered row list (0..size()-1).
  // Returns nullopt for a bad entry when skipping (and sets *why); throws when failing.
  std::optional<BrodenSample> read(std::size_t position, std::string* why = nullptr) const;

  // Streams samples [begin, end) in order on options().threads decoder threads, at most
  // options().prefetch in flight. `consume` runs on the calling thread. Returns what was read/skipped.
  BrodenReport stream(std::size_t begin, std::size_t end,
                      const std::function<void(BrodenSample&&)>& consume,
                      std::stop_token stop = {}) const;

 private:
  struct Impl;
  explicit BrodenDataset(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unitscope::analysis
