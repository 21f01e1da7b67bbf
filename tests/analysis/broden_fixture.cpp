#include "broden_fixture.h"

#include <algorithm>
#include <fstream>

#include "analysis/data/csv.h"

namespace unitscope::test {

using analysis::Image;

namespace {

std::ofstream open_out(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  return std::ofstream(path, std::ios::binary | std::ios::trunc);
}

}  // namespace

void BrodenFixture::write_tables() const {
  {
    auto out = open_out(dir / "category.csv");
    analysis::write_csv_record(out, {"name", "first", "last", "count", "frequency"});
    for (const auto& category : categories) {
      int first = 0, last = 0, count = 0;
      for (const auto& label : labels) {
        for (const auto& [name, coverage] : label.coverage) {
          if (name != category) continue;
          first = count ? std::min(first, label.number) : label.number;
          last = std::max(last, label.number);
          ++count;
        }
      }
      analysis::write_csv_record(out, {category, std::to_string(first), std::to_string(last),
                                       std::to_string(count), "10"});
    }
  }
  {
    auto out = open_out(dir / "label.csv");
    analysis::write_csv_record(out, {"number", "name", "category", "frequency", "coverage", "syns"});
    for (const auto& label : labels) {
      std::string cell = label.label_csv_category;
      double total = 0;
      if (cell.empty()) {
        for (const auto& [name, coverage] : label.coverage) {
          cell += (cell.empty() ? "" : ";") + name + "(" + std::to_string(label.number % 7 + 1) + ")";
          total += coverage;
        }
      }
      analysis::write_csv_record(out, {std::to_string(label.number), label.name, cell,
                                       std::to_string(label.number % 11 + 1), std::to_string(total),
                                       label.name + "-syn"});
    }
  }
  for (const auto& category : categories) {
    auto out = open_out(dir / ("c_" + category + ".csv"));
    analysis::write_csv_record(out, {"code", "number", "name", "frequency", "coverage"});
    int code = 0;
    for (const auto& label : labels) {
      for (const auto& [name, coverage] : label.coverage) {
        if (name != category) continue;
        analysis::write_csv_record(out, {std::to_string(++code), std::to_string(label.number),
                                         label.name, "3", std::to_string(coverage)});
      }
    }
  }
  auto out = open_out(dir / "index.csv");
  analysis::write_csv_record(out, header);
  for (const auto& row : rows) analysis::write_csv_record(out, row);
}

Image BrodenFixture::rgb_image(const std::string& relative, int w, int h, int seed) const {
  Image image(w, h, 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      auto* p = image.at(x, y);
      p[0] = std::uint8_t(x * 20 + seed * 7);
      p[1] = std::uint8_t(y * 25 + seed * 3);
      p[2] = std::uint8_t(100 + seed);
    }
  }
  const auto path = dir / "images" / relative;
  std::filesystem::create_directories(path.parent_path());
  if (path.extension() == ".jpg") {
    analysis::write_jpeg(path, image);
    return analysis::read_image(path, 3);  // what any reader decodes, JPEG being lossy
  }
  analysis::write_png(path, image);
  return image;
}

void BrodenFixture::label_png(const std::string& relative, int w, int h,
                              const std::vector<std::int32_t>& values) const {
  Image image(w, h, 3);
  for (std::size_t i = 0; i < values.size(); ++i) {
    image.pixels[i * 3 + 0] = std::uint8_t(values[i] & 255);
    image.pixels[i * 3 + 1] = std::uint8_t(values[i] >> 8);
    image.pixels[i * 3 + 2] = std::uint8_t(values[i] * 13);  // blue carries nothing
  }
  const auto path = dir / "images" / relative;
  std::filesystem::create_directories(path.parent_path());
  analysis::write_png(path, image);
}

void BrodenFixture::text_file(const std::string& relative, const std::string& content) const {
  auto out = open_out(dir / relative);
  out << content;
}

void BrodenFixture::remove(const std::string& relative_to_dir) const {
  std::filesystem::remove(dir / relative_to_dir);
}

std::vector<std::int32_t> pattern_plane(int w, int h, const std::vector<std::int32_t>& allowed,
                                        int seed) {
  std::vector<std::int32_t> plane(std::size_t(w) * h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      plane[std::size_t(y) * w + x] = allowed[std::size_t(x * 3 + y * 5 + seed) % allowed.size()];
    }
  }
  return plane;
}

namespace {

BrodenFixture standard_tables(const std::filesystem::path& dir) {
  BrodenFixture f;
  f.dir = dir;
  f.categories = {"object", "part", "scene", "texture"};
  f.labels = {
      {1, "sky", {{"object", 2.0}}, ""},
      {2, "tree", {{"object", 1.0}}, ""},
      {3, "house, \"cottage\"", {{"object", 0.5}}, ""},
      {5, "roof", {{"part", 0.3}}, ""},
      {9, "orphan", {}, "object(1)"},
      {300, "window", {{"object", 0.1}, {"part", 0.4}}, ""},
      {301, "door", {{"object", 0.2}, {"part", 0.2}}, ""},
      {400, "beach", {{"scene", 1.0}}, ""},
      {401, "forest", {{"scene", 1.0}}, ""},
      {600, "striped", {{"texture", 1.0}}, ""},
  };
  // Column order differs from category.csv's on purpose.
  f.header = {"image", "split", "ih", "iw", "sh", "sw", "object", "part", "texture", "scene"};
  return f;
}

struct RowSpec {
  std::string image, split;
  int sh, sw;
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> object, part;  // file, allowed
  std::vector<std::int32_t> scene, texture;
};

void add_row(GoodDataset& data, const RowSpec& spec, int seed) {
  BrodenFixture& f = data.fixture;
  ExpectedSample e;
  e.image = spec.image;
  e.split = spec.split;
  e.ih = 6;
  e.iw = 8;
  e.sh = spec.sh;
  e.sw = spec.sw;
  e.pixels = f.rgb_image(spec.image, e.iw, e.ih, seed);
  e.planes.resize(4);
  e.image_labels.resize(4);
  auto pixel_cell = [&](int category, const auto& planes) {
    std::string cell;
    int k = 0;
    for (const auto& [file, allowed] : planes) {
      auto plane = pattern_plane(e.sw, e.sh, allowed, seed + k++);
      f.label_png(file, e.sw, e.sh, plane);
      e.planes[category].push_back(plane);
      cell += (cell.empty() ? "" : ";") + file;
    }
    return cell;
  };
  auto number_cell = [&](int category, const std::vector<std::int32_t>& numbers) {
    std::string cell;
    for (auto n : numbers) cell += (cell.empty() ? "" : ";") + std::to_string(n);
    e.image_labels[category] = numbers;
    return cell;
  };
  std::string object = pixel_cell(0, spec.object);
  std::string part = pixel_cell(1, spec.part);
  std::string scene = number_cell(2, spec.scene);
  std::string texture = number_cell(3, spec.texture);
  f.rows.push_back({spec.image, spec.split, "6", "8", std::to_string(spec.sh),
                    std::to_string(spec.sw), object, part, texture, scene});
  data.samples.push_back(std::move(e));
}

}  // namespace

GoodDataset make_good_dataset(const std::filesystem::path& dir) {
  GoodDataset data{standard_tables(dir), {}};
  add_row(data,
          {"img/r0.png", "train", 3, 4,
           {{"seg/r0_object.png", {0, 1, 2, 300}}},
           {{"seg/r0_part_a.png", {0, 5, 300}}, {"seg/r0_part_b.png", {301, 0, 5}}},
           {400}, {600}},
          0);
  add_row(data,
          {"img/r1.jpg", "val", 6, 8, {{"seg/r1_object.png", {0, 3, 301}}}, {}, {401}, {}}, 1);
  add_row(data, {"img/r2.png", "train", 3, 4, {}, {}, {400, 401}, {600}}, 2);
  add_row(data,
          {"img/r3.png", "val", 3, 4,
           {{"seg/r3_object.png", {1, 9}}}, {{"seg/r3_part.png", {0, 5}}}, {}, {}},
          3);
  data.fixture.write_tables();
  return data;
}

GoodDataset make_many_dataset(const std::filesystem::path& dir, int rows) {
  GoodDataset data{standard_tables(dir), {}};
  for (int i = 0; i < rows; ++i) {
    const std::string n = std::to_string(i);
    RowSpec spec{"img/m" + n + ".png", i % 3 ? "train" : "val", i % 2 ? 6 : 3, i % 2 ? 8 : 4,
                 {{"seg/m" + n + "_object.png", {0, 1, 2, 3, 300, 301}}},
                 {}, {i % 2 ? 400 : 401}, {}};
    if (i % 4) spec.part.push_back({"seg/m" + n + "_part.png", {0, 5, 300}});
    if (i % 5 == 0) spec.part.push_back({"seg/m" + n + "_part2.png", {301, 5}});
    add_row(data, spec, i);
  }
  data.fixture.write_tables();
  return data;
}

}  // namespace unitscope::test
