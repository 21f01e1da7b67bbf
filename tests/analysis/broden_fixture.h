// Builds tiny Broden-layout datasets inside tests, and says what the reader must return for them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/image.h"

namespace unitscope::test {

struct FixtureLabel {
  int number = 0;
  std::string name;
  std::vector<std::pair<std::string, double>> coverage;  // category -> coverage in c_<category>.csv
  std::string label_csv_category;  // label.csv's category cell; derived from coverage when empty
};

// A Broden directory written file by file. Tests edit the tables and rows, then call write_tables().
struct BrodenFixture {
  std::filesystem::path dir;
  std::vector<std::string> categories;  // category.csv order
  std::vector<FixtureLabel> labels;
  std::vector<std::string> header;      // index.csv header; image,split,ih,iw,sh,sw + categories
  std::vector<std::vector<std::string>> rows;

  // Writes category.csv, label.csv, every c_<category>.csv and index.csv.
  void write_tables() const;
  // Files under images/; the written content is returned where a test compares against it.
  analysis::Image rgb_image(const std::string& relative, int w, int h, int seed) const;
  void label_png(const std::string& relative, int w, int h,
                 const std::vector<std::int32_t>& values) const;
  void text_file(const std::string& relative, const std::string& content) const;
  void remove(const std::string& relative_to_dir) const;
};

struct ExpectedSample {
  std::string image, split;
  int ih = 0, iw = 0, sh = 0, sw = 0;
  analysis::Image pixels;
  std::vector<std::vector<std::vector<std::int32_t>>> planes;  // per category, per plane
  std::vector<std::vector<std::int32_t>> image_labels;         // per category
};

struct GoodDataset {
  BrodenFixture fixture;
  std::vector<ExpectedSample> samples;  // one per index row, in file order
};

// Categories object, part, scene, texture; labels 1, 2, 3, 5, 9, 300, 301, 400, 401, 600 (gaps,
// numbers above 255); segmentations at full and half size; two part planes in one row; rows that
// lack categories; scene and texture as image-level labels; train and val rows.
GoodDataset make_good_dataset(const std::filesystem::path& dir);
// The same tables with `rows` generated rows, for streaming tests.
GoodDataset make_many_dataset(const std::filesystem::path& dir, int rows);

// A label plane of w*h values drawn from `allowed` by a fixed pattern.
std::vector<std::int32_t> pattern_plane(int w, int h, const std::vector<std::int32_t>& allowed,
                                        int seed);

}  // namespace unitscope::test
