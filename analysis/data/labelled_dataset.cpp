#include "analysis/data/labelled_dataset.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/data/error.h"
#include "analysis/data/file_write.h"

namespace unitscope::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kMarker = "labels.json";  // written last: the dataset is whole

std::string chunk_name(std::size_t chunk) {
  char text[32];
  std::snprintf(text, sizeof text, "%06zu.json", chunk);
  return text;
}

std::string image_stem(const std::string& folder, std::size_t index) {
  char number[32];
  std::snprintf(number, sizeof number, "%06zu", index);
  return folder + "/" + number;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string coverage_text(double coverage) {
  char text[64];
  std::snprintf(text, sizeof text, "%f", coverage);
  return text;
}

}  // namespace

Image encode_label_png_pixels(std::span<const std::uint16_t> plane, int width, int height) {
  Image out(width, height, 3);
  for (std::size_t i = 0; i < plane.size() && i * 3 < out.pixels.size(); ++i) {
    out.pixels[i * 3] = std::uint8_t(plane[i] & 0xff);
    out.pixels[i * 3 + 1] = std::uint8_t(plane[i] >> 8);
  }
  return out;
}

LabelledDatasetWriter::LabelledDatasetWriter(fs::path dir, const SegmenterVocabulary& vocabulary,
                                             std::string fingerprint, std::string folder)
    : dir_(std::move(dir)),
      vocabulary_(vocabulary),
      concepts_(vocabulary.concepts()),
      fingerprint_(std::move(fingerprint)),
      folder_(std::move(folder)) {
  if (concepts_.size() > 65535) throw Error("a label dataset holds at most 65534 concepts");
  for (const auto& category : vocabulary_.categories) {
    std::vector<int> heads;
    for (std::size_t h = 0; h < vocabulary_.heads.size(); ++h) {
      if (vocabulary_.heads[h].category == category) heads.push_back(int(h));
    }
    head_planes_.push_back(std::move(heads));
  }
  std::error_code ec;
  const fs::path marker = dir_ / kMarker;
  if (fs::exists(marker, ec)) {
    const json j = json::parse(read_all(marker), nullptr, false);
    if (j.is_discarded() || !j.contains("fingerprint") || j.at("fingerprint") != fingerprint_) {
      throw Error(dir_.string() + " holds labels of other images, another segmenter or other options (" +
                  marker.string() + "); delete it or write the labels elsewhere");
    }
    return;
  }
  if (fs::exists(dir_ / "index.csv", ec)) {
    throw Error(dir_.string() + " holds a dataset that unitscope did not label (index.csv without " +
                std::string(kMarker) + "); write the labels elsewhere");
  }
  const fs::path chunks = dir_ / ".chunks";
  const fs::path stamp = chunks / "fingerprint";
  if (fs::exists(stamp, ec) && read_all(stamp) != fingerprint_) {
    throw Error(dir_.string() + " holds part of a labelling of other images, another segmenter or other options (" +
                stamp.string() + "); delete it or write the labels elsewhere");
  }
  fs::create_directories(dir_ / "images" / folder_, ec);
  if (ec) throw Error("cannot create " + (dir_ / "images" / folder_).string() + ": " + ec.message());
  fs::create_directories(chunks, ec);
  if (ec) throw Error("cannot create " + chunks.string() + ": " + ec.message());
  if (!fs::exists(stamp)) write_file_atomic(stamp, fingerprint_);
}

bool LabelledDatasetWriter::complete() const {
  std::error_code ec;
  return fs::exists(dir_ / kMarker, ec) && fs::exists(dir_ / "index.csv", ec);
}

bool LabelledDatasetWriter::has_chunk(std::size_t chunk) const {
  std::error_code ec;
  return fs::exists(dir_ / ".chunks" / chunk_name(chunk), ec);
}

void LabelledDatasetWriter::write_chunk(std::size_t chunk, std::size_t first,
                                        std::span<const LabelledImage> images) {
  json rows = json::array();
  for (std::size_t k = 0; k < images.size(); ++k) {
    const LabelledImage& image = images[k];
    const std::string stem = image_stem(folder_, first + k);
    const std::string file = stem + (image.copy_from.empty() ? std::string(".png") : image.extension);
    const fs::path target = dir_ / "images" / file;
    if (image.copy_from.empty()) {
      write_png(target, image.pixels);
    } else {
      std::error_code ec;
      fs::copy_file(image.copy_from, target, fs::copy_options::overwrite_existing, ec);
      if (ec) throw Error("cannot copy " + image.copy_from.string() + " to " + target.string() + ": " + ec.message());
    }
    if (image.planes.size() != vocabulary_.heads.size()) {
      throw Error("labels of " + file + " have " + std::to_string(image.planes.size()) + " planes for " +
                  std::to_string(vocabulary_.heads.size()) + " heads");
    }
    json planes = json::array(), counts = json::array();
    std::vector<std::int64_t> hist(concepts_.size());
    for (std::size_t h = 0; h < image.planes.size(); ++h) {
      const auto& plane = image.planes[h];
      std::fill(hist.begin(), hist.end(), 0);
      for (std::uint16_t v : plane) ++hist.at(v);
      json head_counts = json::array();
      for (std::size_t n = 1; n < hist.size(); ++n) {
        if (hist[n]) head_counts.push_back({n, hist[n]});
      }
      std::string png;
      if (!head_counts.empty()) {
        png = stem + "_" + vocabulary_.heads[h].category + "_" + std::to_string(h + 1) + ".png";
        write_png(dir_ / "images" / png, encode_label_png_pixels(plane, image.label_width, image.label_height));
      }
      planes.push_back(png);
      counts.push_back(std::move(head_counts));
    }
    rows.push_back({{"image", file},
                    {"ih", image.height},
                    {"iw", image.width},
                    {"sh", image.label_height},
                    {"sw", image.label_width},
                    {"planes", planes},
                    {"counts", counts}});
  }
  write_file_atomic(dir_ / ".chunks" / chunk_name(chunk), rows.dump() + "\n");
}

std::size_t LabelledDatasetWriter::finish(std::size_t chunks) {
  // Per concept and category: images that hold it, and the sum of its share of each image.
  const std::size_t categories = vocabulary_.categories.size();
  std::vector<std::vector<std::int64_t>> images(concepts_.size(), std::vector<std::int64_t>(categories));
  std::vector<std::vector<double>> coverage(concepts_.size(), std::vector<double>(categories));
  std::vector<int> head_category;
  for (const auto& head : vocabulary_.heads) {
    head_category.push_back(int(std::find(vocabulary_.categories.begin(), vocabulary_.categories.end(),
                                          head.category) - vocabulary_.categories.begin()));
  }
  // Only categories some head labels: a category with no concept has no codes to list.
  std::vector<std::size_t> used;
  for (std::size_t c = 0; c < categories; ++c) {
    if (!head_planes_[c].empty()) used.push_back(c);
  }
  std::ostringstream index;
  index << "image,split,ih,iw,sh,sw";
  for (std::size_t c : used) index << ',' << vocabulary_.categories[c];
  index << '\n';
  std::size_t count = 0;
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    const fs::path path = dir_ / ".chunks" / chunk_name(chunk);
    const json rows = json::parse(read_all(path), nullptr, false);
    if (rows.is_discarded() || !rows.is_array()) throw Error(path.string() + " is damaged; delete " + dir_.string());
    for (const json& row : rows) {
      ++count;
      const double pixels = double(row.at("sh").get<int>()) * row.at("sw").get<int>();
      index << row.at("image").get<std::string>() << ",train," << row.at("ih").get<int>() << ','
            << row.at("iw").get<int>() << ',' << row.at("sh").get<int>() << ',' << row.at("sw").get<int>();
      for (std::size_t c : used) {
        index << ',';
        bool first = true;
        for (int h : head_planes_[c]) {
          const std::string png = row.at("planes").at(std::size_t(h)).get<std::string>();
          if (png.empty()) continue;
          index << (first ? "" : ";") << png;
          first = false;
        }
      }
      index << '\n';
      // A concept two heads of one category both mark counts once per image.
      std::map<std::pair<std::size_t, std::size_t>, std::int64_t> seen;
      for (std::size_t h = 0; h < vocabulary_.heads.size(); ++h) {
        for (const json& nc : row.at("counts").at(h)) {
          seen[{nc.at(0).get<std::size_t>(), std::size_t(head_category[h])}] += nc.at(1).get<std::int64_t>();
        }
      }
      for (const auto& [key, n] : seen) {
        images.at(key.first)[key.second] += 1;
        coverage.at(key.first)[key.second] += double(n) / pixels;
      }
    }
  }
  write_file_atomic(dir_ / "index.csv", index.str());

  // Which categories name each concept: those of the heads that have it as a channel.
  std::vector<std::vector<std::size_t>> concept_categories(concepts_.size());
  const auto numbers = vocabulary_.channel_numbers();
  for (std::size_t h = 0; h < numbers.size(); ++h) {
    for (int n : numbers[h]) {
      auto& cats = concept_categories[std::size_t(n)];
      if (n > 0 && std::find(cats.begin(), cats.end(), std::size_t(head_category[h])) == cats.end()) {
        cats.push_back(std::size_t(head_category[h]));
      }
    }
  }
  std::ostringstream labels;
  labels << "number,name,category,frequency,coverage,syns\n";
  for (std::size_t n = 1; n < concepts_.size(); ++n) {
    auto cats = concept_categories[n];
    std::stable_sort(cats.begin(), cats.end(), [&](std::size_t a, std::size_t b) { return images[n][a] > images[n][b]; });
    std::string field;
    std::int64_t frequency = 0;
    double cover = 0.0;
    for (std::size_t c : cats) {
      if (!field.empty()) field += ';';
      field += vocabulary_.categories[c] + "(" + std::to_string(images[n][c]) + ")";
      frequency += images[n][c];
      cover += coverage[n][c];
    }
    labels << n << ',' << concepts_[n].name << ',' << field << ',' << frequency << ','
           << coverage_text(count ? cover / double(count) : 0.0) << ",\n";
  }
  write_file_atomic(dir_ / "label.csv", labels.str());

  std::ostringstream category_csv;
  category_csv << "name,first,last,count,frequency\n";
  for (std::size_t c = 0; c < categories; ++c) {
    std::vector<std::size_t> order;
    for (std::size_t n = 1; n < concepts_.size(); ++n) {
      const auto& cats = concept_categories[n];
      if (std::find(cats.begin(), cats.end(), c) != cats.end()) order.push_back(n);
    }
    if (order.empty()) continue;
    std::int64_t frequency = 0;
    for (auto n : order) frequency += images[n][c];
    category_csv << vocabulary_.categories[c] << ',' << order.front() << ',' << order.back() << ','
                 << order.size() << ',' << frequency << '\n';
    // Broden's code order: most frequent first, then most coverage.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (images[a][c] != images[b][c]) return images[a][c] > images[b][c];
      if (coverage[a][c] != coverage[b][c]) return coverage[a][c] > coverage[b][c];
      return a < b;
    });
    std::ostringstream codes;
    codes << "code,number,name,frequency,coverage\n";
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto n = order[k];
      codes << k + 1 << ',' << n << ',' << concepts_[n].name << ',' << images[n][c] << ','
            << coverage_text(count ? coverage[n][c] / double(count) : 0.0) << '\n';
    }
    write_file_atomic(dir_ / ("c_" + vocabulary_.categories[c] + ".csv"), codes.str());
  }
  write_file_atomic(dir_ / "category.csv", category_csv.str());
  write_file_atomic(dir_ / kMarker, json{{"fingerprint", fingerprint_}, {"images", count}}.dump() + "\n");
  std::error_code ec;
  fs::remove_all(dir_ / ".chunks", ec);
  return count;
}

}  // namespace unitscope::analysis
