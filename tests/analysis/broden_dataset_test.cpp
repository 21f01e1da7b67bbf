#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <stop_token>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/error.h"
#include "broden_fixture.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::ExpectedSample;
using unitscope::test::GoodDataset;

namespace {

const char* const kFixtureCategories[] = {"object", "part", "scene", "texture"};

void check_sample(const BrodenDataset& data, const BrodenSample& s, const ExpectedSample& e) {
  CHECK(s.image == e.image);
  CHECK(s.split == e.split);
  CHECK(s.ih == e.ih);
  CHECK(s.iw == e.iw);
  CHECK(s.sh == e.sh);
  CHECK(s.sw == e.sw);
  if (data.options().load_images) {
    CHECK(s.pixels.width == e.iw);
    CHECK(s.pixels.height == e.ih);
    CHECK(s.pixels.channels == 3);
    CHECK(s.pixels.pixels == e.pixels.pixels);
  } else {
    CHECK(s.pixels.empty());
  }
  REQUIRE(s.labels.size() == data.categories().size());
  for (std::size_t c = 0; c < data.categories().size(); ++c) {
    const auto& name = data.categories()[c].name;
    std::size_t f = 0;
    while (kFixtureCategories[f] != name) ++f;
    CAPTURE(name);
    CHECK(s.labels[c].planes == e.planes[f]);
    CHECK(s.labels[c].image_labels == e.image_labels[f]);
  }
}

std::vector<BrodenSample> stream_all(const BrodenDataset& data, BrodenReport* report = nullptr) {
  std::vector<BrodenSample> samples;
  auto r = data.stream(0, data.size(), [&](BrodenSample&& s) { samples.push_back(std::move(s)); });
  if (report) *report = r;
  return samples;
}

bool same(const BrodenSample& a, const BrodenSample& b) {
  if (a.row != b.row || a.image != b.image || a.split != b.split || a.ih != b.ih ||
      a.iw != b.iw || a.sh != b.sh || a.sw != b.sw || a.pixels.pixels != b.pixels.pixels ||
      a.labels.size() != b.labels.size()) {
    return false;
  }
  for (std::size_t c = 0; c < a.labels.size(); ++c) {
    if (a.labels[c].planes != b.labels[c].planes) return false;
    if (a.labels[c].image_labels != b.labels[c].image_labels) return false;
  }
  return true;
}

}  // namespace

TEST_SUITE("broden") {
  TEST_CASE("reads every row of a hand-made dataset with exactly the labels written") {
    auto dir = unitscope::test::scratch_dir("broden_good");
    GoodDataset good = unitscope::test::make_good_dataset(dir);
    auto data = BrodenDataset::open(dir);
    REQUIRE(data.size() == 4);
    REQUIRE(data.categories().size() == 4);
    CHECK(data.categories()[0].name == "object");
    CHECK(data.categories()[3].name == "texture");
    CHECK(data.categories()[0].first_label == 1);
    CHECK(data.categories()[0].last_label == 301);
    CHECK(data.categories()[1].labels == std::vector<int>{5, 300, 301});
    CHECK(data.category_index("scene") == 2);
    CHECK_FALSE(data.category_index("color"));

    BrodenReport report;
    auto samples = stream_all(data, &report);
    CHECK(report.read == 4);
    CHECK(report.skipped == 0);
    CHECK(report.problems.empty());
    REQUIRE(samples.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
      CAPTURE(i);
      CHECK(samples[i].row == i);
      check_sample(data, samples[i], good.samples[i]);
      auto again = data.read(i);
      REQUIRE(again);
      CHECK(same(*again, samples[i]));
    }
  }

  TEST_CASE("format points: green channel and gaps and planes and image labels and small and missing labels") {
    auto dir = unitscope::test::scratch_dir("broden_points");
    GoodDataset good = unitscope::test::make_good_dataset(dir);
    auto data = BrodenDataset::open(dir);
    auto samples = stream_all(data);
    REQUIRE(samples.size() == 4);
    const int object = 0, part = 1, scene = 2, texture = 3;

    // Label numbers above 255: 300 = 44 + 256*1 reaches us through the green channel.
    const auto& parts = samples[0].labels[part].planes;
    REQUIRE(parts.size() == 2);  // two PNG planes in one cell
    CHECK(std::count(parts[0].begin(), parts[0].end(), 300) > 0);
    CHECK(std::count(parts[1].begin(), parts[1].end(), 301) > 0);
    CHECK(std::count(samples[0].labels[object].planes[0].begin(),
                     samples[0].labels[object].planes[0].end(), 300) > 0);

    // Segmentation at half the image size, and at full size.
    CHECK(samples[0].labels[object].planes[0].size() == 3 * 4);
    CHECK(samples[1].labels[object].planes[0].size() == 6 * 8);

    // Image-level categories hold numbers, not planes; a cell may hold several.
    CHECK(samples[0].labels[scene].image_labels == std::vector<std::int32_t>{400});
    CHECK(samples[0].labels[texture].image_labels == std::vector<std::int32_t>{600});
    CHECK(samples[2].labels[scene].image_labels == std::vector<std::int32_t>{400, 401});
    CHECK(samples[0].labels[scene].planes.empty());

    // Images that lack a category have nothing for it.
    CHECK(samples[1].labels[part].planes.empty());
    CHECK(samples[1].labels[texture].image_labels.empty());
    CHECK(samples[2].labels[object].planes.empty());
    CHECK(samples[3].labels[scene].image_labels.empty());

    // Gaps in the numbering: labels() is indexed by number, with empty names for gaps.
    const auto& labels = data.labels();
    REQUIRE(labels.size() == 601);
    CHECK(labels[4].name.empty());
    CHECK(labels[4].number == 4);
    CHECK(labels[350].name.empty());
    CHECK(labels[300].name == "window");
    CHECK(labels[300].number == 300);
    CHECK(labels[3].name == "house, \"cottage\"");
    CHECK(labels[600].name == "striped");
    CHECK(labels[1].coverage == doctest::Approx(2.0));
    CHECK(labels[1].frequency == 2);
    (void)good;
  }

  TEST_CASE("a label's primary category has the largest coverage and ties go to the later one") {
    auto dir = unitscope::test::scratch_dir("broden_primary");
    unitscope::test::make_good_dataset(dir);
    auto data = BrodenDataset::open(dir);
    const auto& labels = data.labels();
    CHECK(labels[300].category == "part");  // object 0.1, part 0.4
    CHECK(labels[300].categories == std::vector<std::string>{"object", "part"});
    CHECK(labels[301].category == "part");  // object 0.2, part 0.2: the later in category.csv wins
    CHECK(labels[1].category == "object");
    CHECK(labels[5].category == "part");
    CHECK(labels[400].category == "scene");
    CHECK(labels[9].category == "object");  // in no c_*.csv: label.csv's own category
    CHECK(labels[4].category.empty());
  }

  TEST_CASE("the split option keeps only that split's rows in file order") {
    auto dir = unitscope::test::scratch_dir("broden_split");
    GoodDataset good = unitscope::test::make_good_dataset(dir);
    BrodenOptions options;
    options.split = "val";
    auto data = BrodenDataset::open(dir, options);
    REQUIRE(data.size() == 2);
    auto samples = stream_all(data);
    REQUIRE(samples.size() == 2);
    CHECK(samples[0].row == 1);
    CHECK(samples[1].row == 3);
    check_sample(data, samples[0], good.samples[1]);
    check_sample(data, samples[1], good.samples[3]);
    auto second = data.read(1);
    REQUIRE(second);
    CHECK(second->row == 3);

    options.split = "train";
    CHECK(BrodenDataset::open(dir, options).size() == 2);
    options.split = "test";
    CHECK(BrodenDataset::open(dir, options).size() == 0);
  }

  TEST_CASE("the categories option picks a subset in the order asked") {
    auto dir = unitscope::test::scratch_dir("broden_subset");
    GoodDataset good = unitscope::test::make_good_dataset(dir);
    BrodenOptions options;
    options.categories = {"scene", "object"};
    auto data = BrodenDataset::open(dir, options);
    REQUIRE(data.categories().size() == 2);
    CHECK(data.categories()[0].name == "scene");
    CHECK(data.categories()[1].name == "object");
    CHECK(data.category_index("object") == 1);
    CHECK_FALSE(data.category_index("part"));
    auto samples = stream_all(data);
    REQUIRE(samples.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) check_sample(data, samples[i], good.samples[i]);
    // Only the asked categories are decoded: a broken part PNG does not matter.
    good.fixture.text_file("images/seg/r0_part_a.png", "garbage");
    CHECK(stream_all(data).size() == 4);
  }

  TEST_CASE("load_images=false reads labels only, load_labels=false images only, and neither opens the other") {
    for (const bool images : {false, true}) {
      CAPTURE(images);
      auto dir = unitscope::test::scratch_dir(images ? "broden_no_labels" : "broden_no_images");
      GoodDataset good = unitscope::test::make_good_dataset(dir);
      std::filesystem::remove_all(dir / "images" / (images ? "seg" : "img"));
      BrodenOptions options;
      (images ? options.load_labels : options.load_images) = false;
      auto data = BrodenDataset::open(dir, options);
      BrodenReport report;
      auto samples = stream_all(data, &report);
      CHECK(report.skipped == 0);
      REQUIRE(samples.size() == 4);
      for (std::size_t i = 0; i < 4; ++i) {
        if (!images) {
          check_sample(data, samples[i], good.samples[i]);
        } else {
          CHECK(samples[i].labels.empty());
          CHECK(samples[i].pixels.pixels == good.samples[i].pixels.pixels);
        }
      }
      // With both wanted, the same directory fails on the first row's missing file.
      CHECK_THROWS_AS(stream_all(BrodenDataset::open(dir)), Error);
    }
  }

  TEST_CASE("streaming with 1 and 4 threads gives the same samples in the same order") {
    auto dir = unitscope::test::scratch_dir("broden_threads");
    GoodDataset many = unitscope::test::make_many_dataset(dir, 40);
    BrodenOptions one;
    one.threads = 1;
    one.prefetch = 1;
    BrodenOptions four;
    four.threads = 4;
    four.prefetch = 5;
    auto a = stream_all(BrodenDataset::open(dir, one));
    auto b = stream_all(BrodenDataset::open(dir, four));
    REQUIRE(a.size() == 40);
    REQUIRE(b.size() == 40);
    auto data = BrodenDataset::open(dir, four);
    for (std::size_t i = 0; i < 40; ++i) {
      CAPTURE(i);
      CHECK(a[i].row == i);
      CHECK(same(a[i], b[i]));
      check_sample(data, b[i], many.samples[i]);
    }
    // A sub-range of a split-filtered list, which makes the reader seek over other rows.
    four.split = "train";
    auto train = BrodenDataset::open(dir, four);
    std::vector<std::size_t> rows;
    auto report = train.stream(3, 9, [&](BrodenSample&& s) { rows.push_back(s.row); });
    CHECK(report.read == 6);
    CHECK(rows == std::vector<std::size_t>{5, 7, 8, 10, 11, 13});
  }

  TEST_CASE("a stop request ends streaming early") {
    auto dir = unitscope::test::scratch_dir("broden_stop");
    unitscope::test::make_many_dataset(dir, 30);
    BrodenOptions options;
    options.threads = 3;
    options.prefetch = 4;
    auto data = BrodenDataset::open(dir, options);
    std::stop_source source;
    std::size_t seen = 0;
    auto report = data.stream(0, data.size(), [&](BrodenSample&&) {
      if (++seen == 3) source.request_stop();
    }, source.get_token());
    CHECK(seen == 3);
    CHECK(report.read == 3);

    std::stop_source stopped;
    stopped.request_stop();
    seen = 0;
    report = data.stream(0, data.size(), [&](BrodenSample&&) { ++seen; }, stopped.get_token());
    CHECK(seen == 0);
    CHECK(report.read == 0);
  }

  TEST_CASE("an exception from the consumer leaves stream cleanly") {
    auto dir = unitscope::test::scratch_dir("broden_consumer_throws");
    unitscope::test::make_many_dataset(dir, 12);
    BrodenOptions options;
    options.threads = 3;
    auto data = BrodenDataset::open(dir, options);
    int seen = 0;
    CHECK_THROWS_WITH(data.stream(0, data.size(), [&](BrodenSample&&) {
      if (++seen == 2) throw std::runtime_error("consumer gave up");
    }), "consumer gave up");
    CHECK(seen == 2);
    CHECK_THROWS_AS((void)data.read(12), std::out_of_range);
  }
}
