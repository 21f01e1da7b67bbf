#include "analysis/world/broden_writer.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "analysis/data/error.h"
#include "analysis/world/scene_draw.h"

namespace unitscope::analysis {

namespace {

constexpr int kMaxPlanes = 2;

// Per label number and category: images that have the label, and labelled pixels. Integer sums, so
// merging per-thread tallies in any order gives the same totals.
struct Tally {
  std::vector<std::array<std::int64_t, kWorldCategoryCount>> images, pixels;
  explicit Tally(std::size_t labels) : images(labels), pixels(labels) {
    for (auto& a : images) a.fill(0);
    for (auto& a : pixels) a.fill(0);
  }
  void add(const Tally& o) {
    for (std::size_t n = 0; n < images.size(); ++n) {
      for (int c = 0; c < kWorldCategoryCount; ++c) {
        images[n][c] += o.images[n][c];
        pixels[n][c] += o.pixels[n][c];
      }
    }
  }
};

// What one image contributed to index.csv, kept so the index is written in order at the end.
struct RowInfo {
  std::int16_t scene_class = 0;  // < 0: no scene label
  std::array<std::uint8_t, kWorldCategoryCount> planes{};  // non-empty label planes written
};

std::string image_stem(const BrodenExportOptions& o, std::size_t index, int digits) {
  char number[32];
  std::snprintf(number, sizeof number, "%0*zu", digits, index);
  return o.folder + "/" + number;
}

// As Broden names them: <stem>_object.png, and <stem>_part_1.png, _part_2.png for multi-plane ones.
std::string plane_file(const std::string& stem, WorldCategory c, int plane) {
  // Appends rather than operator+ chains, which trip GCC 12's false -Wrestrict at -O2.
  std::string name = stem;
  name += '_';
  name += category_name(c);
  if (world_plane_count(c) > 1) {
    name += '_';
    name += std::to_string(plane + 1);
  }
  name += ".png";
  return name;
}

int count_planes(const Scene& scene, WorldCategory c) {
  int n = 0;
  for (const auto& plane : scene.planes_of(c)) {
    if (std::any_of(plane.begin(), plane.end(), [](std::uint16_t v) { return v != 0; })) ++n;
  }
  return n;
}

void export_one(const SceneSource& source, const std::filesystem::path& images_dir,
                const BrodenExportOptions& o, std::size_t index, int digits, Scene& scene,
                Tally& tally, RowInfo& row, std::vector<std::int64_t>& hist) {
  source(index, scene);
  const std::string stem = image_stem(o, index, digits);
  write_jpeg(images_dir / (stem + ".jpg"), scene.image, o.jpeg_quality);
  row.scene_class = std::int16_t(scene.scene_class);
  if (scene.scene_class >= 0) {
    const std::uint16_t scene_label = scene.scene_label();
    tally.images[scene_label][int(WorldCategory::kScene)] += 1;
    tally.pixels[scene_label][int(WorldCategory::kScene)] +=
        std::int64_t(scene.label_width) * scene.label_height;
  }
  for (int c = 0; c < kWorldCategoryCount; ++c) {
    const auto category = WorldCategory(c);
    if (!is_pixel_category(category)) continue;
    const int planes = count_planes(scene, category);
    row.planes[c] = std::uint8_t(planes);
    std::fill(hist.begin(), hist.end(), 0);
    int written = 0;
    for (const auto& plane : scene.planes_of(category)) {
      if (std::none_of(plane.begin(), plane.end(), [](std::uint16_t v) { return v != 0; }))
        continue;
      for (std::uint16_t v : plane) ++hist[v];
      Image png = encode_label_png_pixels(plane, scene.label_width, scene.label_height);
      write_png(images_dir / plane_file(stem, category, written++), png);
    }
    for (std::size_t n = 1; n < hist.size(); ++n) {
      if (hist[n] == 0) continue;
      tally.images[n][c] += 1;
      tally.pixels[n][c] += hist[n];
    }
  }
}

std::string format_coverage(std::int64_t pixels, std::int64_t per_image) {
  char text[64];
  std::snprintf(text, sizeof text, "%f", double(pixels) / double(per_image));
  return text;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error("cannot write " + path.string());
}

void write_tables(const std::filesystem::path& dir, const SceneSourceInfo& info,
                  const BrodenExportOptions& o, const Tally& t, const std::vector<RowInfo>& rows,
                  int digits, BrodenExportReport& report) {
  const auto& taxonomy = WorldTaxonomy::get();
  const auto& labels = taxonomy.labels();
  const std::int64_t per_image = std::int64_t(info.label_width) * info.label_height;
  const int ih = info.height, iw = info.width;
  const int sh = info.label_height, sw = info.label_width;

  std::ostringstream index;
  index << "image,split,ih,iw,sh,sw";
  for (int c = 0; c < kWorldCategoryCount; ++c) index << ',' << category_name(WorldCategory(c));
  index << '\n';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string stem = image_stem(o, i, digits);
    const bool val = is_val_image(info.seed, i, o.val_fraction);
    (val ? report.val : report.train) += 1;
    index << stem << ".jpg," << (val ? "val" : "train") << ',' << ih << ',' << iw << ',' << sh
          << ',' << sw;
    for (int c = 0; c < kWorldCategoryCount; ++c) {
      const auto category = WorldCategory(c);
      index << ',';
      if (!is_pixel_category(category)) {
        if (rows[i].scene_class >= 0) index << taxonomy.number(category, rows[i].scene_class);
        continue;
      }
      for (int p = 0; p < rows[i].planes[c]; ++p) {
        index << (p ? ";" : "") << plane_file(stem, category, p);
      }
    }
    index << '\n';
  }
  write_text(dir / "index.csv", index.str());

  std::ostringstream label_csv;
  label_csv << "number,name,category,frequency,coverage,syns\n";
  for (std::size_t n = 1; n < labels.size(); ++n) {
    auto cats = labels[n].categories;
    std::stable_sort(cats.begin(), cats.end(), [&](WorldCategory a, WorldCategory b) {
      return t.images[n][int(a)] > t.images[n][int(b)];
    });
    std::int64_t frequency = 0, pixels = 0;
    std::string field;
    for (WorldCategory c : cats) {
      if (!field.empty()) field += ';';
      field += std::string(category_name(c)) + "(" + std::to_string(t.images[n][int(c)]) + ")";
      frequency += t.images[n][int(c)];
      pixels += t.pixels[n][int(c)];
    }
    label_csv << n << ',' << labels[n].name << ',' << field << ',' << frequency << ','
              << format_coverage(pixels, per_image) << ",\n";
  }
  write_text(dir / "label.csv", label_csv.str());

  std::ostringstream category_csv;
  category_csv << "name,first,last,count,frequency\n";
  for (int c = 0; c < kWorldCategoryCount; ++c) {
    const auto category = WorldCategory(c);
    auto numbers = taxonomy.numbers(category);
    std::vector<std::uint16_t> order(numbers.begin(), numbers.end());
    std::int64_t frequency = 0;
    for (auto n : order) frequency += t.images[n][c];
    category_csv << category_name(category) << ',' << *std::min_element(order.begin(), order.end())
                 << ',' << *std::max_element(order.begin(), order.end()) << ',' << order.size()
                 << ',' << frequency << '\n';
    // Codes in Broden's order: most frequent first, then most coverage.
    std::stable_sort(order.begin(), order.end(), [&](std::uint16_t a, std::uint16_t b) {
      if (t.images[a][c] != t.images[b][c]) return t.images[a][c] > t.images[b][c];
      if (t.pixels[a][c] != t.pixels[b][c]) return t.pixels[a][c] > t.pixels[b][c];
      return a < b;
    });
    std::ostringstream codes;
    codes << "code,number,name,frequency,coverage\n";
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto n = order[k];
      codes << k + 1 << ',' << n << ',' << labels[n].name << ',' << t.images[n][c] << ','
            << format_coverage(t.pixels[n][c], per_image) << '\n';
    }
    std::string file = "c_";
    file += category_name(category);
    file += ".csv";
    write_text(dir / file, codes.str());
  }
  write_text(dir / "category.csv", category_csv.str());
}

}  // namespace

bool is_val_image(std::uint64_t seed, std::uint64_t index, double val_fraction) {
  scene_draw::Rng rng(seed * 0x9e3779b97f4a7c15ull + index * 0xc2b2ae3d27d4eb4full + 0x51a7);
  return double(rng.next() >> 11) * (1.0 / 9007199254740992.0) < val_fraction;
}

BrodenExportReport export_broden(const SceneWorld& world, const std::filesystem::path& dir,
                                 const BrodenExportOptions& options, const ExportProgress& progress,
                                 std::stop_token stop) {
  SceneSourceInfo info;
  info.seed = world.options().seed;
  info.width = world.options().width;
  info.height = world.options().height;
  info.label_width = world.label_width();
  info.label_height = world.label_height();
  return export_broden([&world](std::size_t i, Scene& out) { world.generate(i, out); }, info, dir,
                       options, progress, stop);
}

BrodenExportReport export_broden(const SceneSource& source, const SceneSourceInfo& info,
                                 const std::filesystem::path& dir,
                                 const BrodenExportOptions& options, const ExportProgress& progress,
                                 std::stop_token stop) {
  if (options.val_fraction < 0 || options.val_fraction > 1) {
    throw Error("validation fraction must be within 0..1, not " +
                std::to_string(options.val_fraction));
  }
  if (options.folder.empty() || options.folder.find_first_of(",;\"/\\") != std::string::npos) {
    throw Error("image folder name '" + options.folder +
                "' must be non-empty without , ; \" / or \\");
  }
  const auto images_dir = dir / "images";
  std::error_code ec;
  std::filesystem::create_directories(images_dir / options.folder, ec);
  if (ec)
    throw Error("cannot create " + (images_dir / options.folder).string() + ": " + ec.message());

  const std::size_t n = options.images;
  const int digits = std::max(6, int(std::to_string(n > 0 ? n - 1 : 0).size()));
  const std::size_t label_count = WorldTaxonomy::get().labels().size();
  const int threads = std::clamp(options.threads, 1, 256);
  std::vector<Tally> tallies(static_cast<std::size_t>(threads), Tally(label_count));
  std::vector<RowInfo> rows(n);
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;

  auto work = [&](int t, bool report_progress) {
    Scene scene;
    std::vector<std::int64_t> hist(label_count);
    try {
      for (;;) {
        if (failed || stop.stop_requested()) return;
        const std::size_t i = next++;
        if (i >= n) return;
        export_one(source, images_dir, options, i, digits, scene, tallies[std::size_t(t)], rows[i],
                   hist);
        const std::size_t d = ++done;
        if (report_progress && progress) progress(d, n);
      }
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  {
    std::vector<std::jthread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t, false);
    work(0, true);
  }
  if (error) std::rethrow_exception(error);

  BrodenExportReport report;
  report.images = done;
  if (done != n) return report;
  if (progress) progress(n, n);
  for (int t = 1; t < threads; ++t) tallies[0].add(tallies[std::size_t(t)]);
  write_tables(dir, info, options, tallies[0], rows, digits, report);
  report.complete = true;
  return report;
}

}  // namespace unitscope::analysis
