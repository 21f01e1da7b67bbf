#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <functional>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/error.h"
#include "broden_fixture.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::BrodenFixture;
using unitscope::test::GoodDataset;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string open_error(const std::filesystem::path& dir, BrodenOptions options = {}) {
  try {
    BrodenDataset::open(dir, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// One way to spoil a row of the good dataset, and what the message must mention besides the row.
struct BadRow {
  const char* what;
  std::size_t row;  // 0-based data row spoiled
  std::function<void(BrodenFixture&)> spoil;
  std::string mentions;
};

std::vector<BadRow> bad_rows() {
  // Good-dataset columns: image,split,ih,iw,sh,sw,object,part,texture,scene.
  return {
      {"a row with a missing field", 2, [](BrodenFixture& f) { f.rows[2].pop_back(); },
       "found 9"},
      {"a row with an extra field", 1, [](BrodenFixture& f) { f.rows[1].push_back("x"); },
       "found 11"},
      {"an unknown image-level label", 2, [](BrodenFixture& f) { f.rows[2][9] = "400;999"; },
       "999"},
      {"label 0 in an image-level cell that label.csv lacks", 2,
       [](BrodenFixture& f) { f.rows[2][8] = "0"; }, "unknown label number 0"},
      {"an unknown label number in a PNG", 3,
       [](BrodenFixture& f) { f.label_png("seg/r3_part.png", 4, 3, std::vector<int>(12, 777)); },
       "777"},
      {"a missing image", 1, [](BrodenFixture& f) { f.remove("images/img/r1.jpg"); }, "r1.jpg"},
      {"a corrupt image", 0,
       [](BrodenFixture& f) { f.text_file("images/img/r0.png", "\x89PNG not really"); },
       "r0.png"},
      {"a missing label PNG", 0, [](BrodenFixture& f) { f.remove("images/seg/r0_part_b.png"); },
       "r0_part_b.png"},
      {"a truncated label PNG", 3,
       [](BrodenFixture& f) {
         std::filesystem::resize_file(f.dir / "images/seg/r3_object.png", 40);
       },
       "r3_object.png"},
      {"an image whose size disagrees with ih", 1, [](BrodenFixture& f) { f.rows[1][2] = "7"; },
       "r1.jpg is 8x6"},
      {"a label PNG whose size disagrees with sw", 3, [](BrodenFixture& f) { f.rows[3][5] = "5"; },
       "r3_object.png is 4x3"},
      {"a non-numeric ih", 2, [](BrodenFixture& f) { f.rows[2][2] = "six"; }, "ih is 'six'"},
      {"a negative sw", 2, [](BrodenFixture& f) { f.rows[2][5] = "-4"; }, "sw is '-4'"},
      {"an empty sh", 2, [](BrodenFixture& f) { f.rows[2][4] = ""; }, "sh is ''"},
      {"an entry that is neither a number nor a PNG", 3,
       [](BrodenFixture& f) { f.rows[3][7] = "seg/r3_part.txt"; }, "seg/r3_part.txt"},
      {"an empty image column", 2, [](BrodenFixture& f) { f.rows[2][0] = ""; }, "image column"},
  };
}

void write_spoiled(const std::filesystem::path& dir, const BadRow& bad) {
  GoodDataset good = unitscope::test::make_good_dataset(dir);
  bad.spoil(good.fixture);
  good.fixture.write_tables();
}

}  // namespace

TEST_SUITE("broden") {
  TEST_CASE("each bad entry fails with a message naming index.csv and the row and the cause") {
    for (const auto& bad : bad_rows()) {
      CAPTURE(bad.what);
      auto dir = unitscope::test::scratch_dir("broden_bad_fail");
      write_spoiled(dir, bad);
      auto data = BrodenDataset::open(dir);
      REQUIRE(data.size() == 4);
      std::vector<std::size_t> delivered;
      std::string message = "(no error)";
      try {
        data.stream(0, data.size(), [&](BrodenSample&& s) { delivered.push_back(s.row); });
      } catch (const Error& e) {
        message = e.what();
      }
      CAPTURE(message);
      CHECK(contains(message, "index.csv row " + std::to_string(bad.row + 1) + " (line " +
                                  std::to_string(bad.row + 2) + ")"));
      CHECK(contains(message, bad.mentions));
      // Rows before the bad one were delivered, in order; nothing after it.
      CHECK(delivered.size() == bad.row);
      for (std::size_t i = 0; i < delivered.size(); ++i) CHECK(delivered[i] == i);
      CHECK_THROWS_AS((void)data.read(bad.row), Error);
    }
  }

  TEST_CASE("each bad entry is skipped and counted and explained when skipping") {
    for (const auto& bad : bad_rows()) {
      CAPTURE(bad.what);
      auto dir = unitscope::test::scratch_dir("broden_bad_skip");
      write_spoiled(dir, bad);
      BrodenOptions options;
      options.on_bad_entry = OnBadEntry::kSkip;
      auto data = BrodenDataset::open(dir, options);
      std::vector<std::size_t> delivered;
      auto report =
          data.stream(0, data.size(), [&](BrodenSample&& s) { delivered.push_back(s.row); });
      CHECK(report.read == 3);
      CHECK(report.skipped == 1);
      REQUIRE(report.problems.size() == 1);
      CHECK(contains(report.problems[0], "index.csv row " + std::to_string(bad.row + 1)));
      CHECK(contains(report.problems[0], bad.mentions));
      CHECK(std::find(delivered.begin(), delivered.end(), bad.row) == delivered.end());
      std::string why;
      CHECK_FALSE(data.read(bad.row, &why));
      CHECK(why == report.problems[0]);
    }
  }

  TEST_CASE("many bad rows among good ones: the skip count and reasons match") {
    auto dir = unitscope::test::scratch_dir("broden_bad_many");
    auto many = unitscope::test::make_many_dataset(dir, 24);
    auto& f = many.fixture;
    f.rows[2][9] = "12345";                                   // unknown scene label
    f.remove("images/img/m5.png");                            // missing image
    f.rows[9].resize(4);                                      // too few fields
    f.label_png("seg/m13_object.png", 2, 2, {1, 1, 1, 1});    // size disagrees with sh x sw
    f.rows[20][3] = "8.5";                                    // iw not whole
    f.write_tables();
    BrodenOptions options;
    options.on_bad_entry = OnBadEntry::kSkip;
    options.threads = 3;
    options.prefetch = 4;
    auto data = BrodenDataset::open(dir, options);
    std::vector<std::size_t> delivered;
    auto report = data.stream(0, data.size(), [&](BrodenSample&& s) { delivered.push_back(s.row); });
    CHECK(report.read == 19);
    CHECK(report.skipped == 5);
    REQUIRE(report.problems.size() == 5);
    const std::size_t bad[] = {2, 5, 9, 13, 20};
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(contains(report.problems[i], "row " + std::to_string(bad[i] + 1) + " "));
    }
    CHECK(delivered.size() == 19);
    CHECK(std::is_sorted(delivered.begin(), delivered.end()));
  }

  TEST_CASE("a quote left open in index.csv is a bad entry and not a crash") {
    auto dir = unitscope::test::scratch_dir("broden_bad_quote");
    unitscope::test::make_good_dataset(dir);
    {
      std::ofstream out(dir / "index.csv", std::ios::app | std::ios::binary);
      out << "\"img/r0.png,train,6,8,3,4,,,,400\n";
    }
    BrodenOptions options;
    options.on_bad_entry = OnBadEntry::kSkip;
    auto data = BrodenDataset::open(dir, options);
    REQUIRE(data.size() == 5);
    auto report = data.stream(0, 5, [](BrodenSample&&) {});
    CHECK(report.read == 4);
    REQUIRE(report.skipped == 1);
    CHECK(contains(report.problems[0], "row 5 (line 6)"));
    CHECK(contains(report.problems[0], "never closed"));
  }

  TEST_CASE("missing or malformed tables are errors naming the file") {
    auto dir = unitscope::test::scratch_dir("broden_bad_tables");
    auto remake = [&] { return unitscope::test::make_good_dataset(dir).fixture; };

    CHECK(contains(open_error(dir / "nowhere"), "nowhere"));
    for (const char* file : {"index.csv", "category.csv", "label.csv", "c_part.csv"}) {
      CAPTURE(file);
      remake().remove(file);
      CHECK(contains(open_error(dir), file));
    }

    auto f = remake();
    f.header.erase(f.header.begin() + 4);  // no "sh"
    f.write_tables();
    auto message = open_error(dir);
    CHECK(contains(message, "index.csv"));
    CHECK(contains(message, "'sh'"));

    f = remake();
    f.header.push_back("weather");  // a column no category backs
    f.write_tables();
    message = open_error(dir);
    CHECK(contains(message, "index.csv"));
    CHECK(contains(message, "weather"));

    f = remake();
    f.header[7] = "object";  // twice
    f.write_tables();
    CHECK(contains(open_error(dir), "appears twice"));

    f = remake();
    f.text_file("index.csv", "");
    CHECK(contains(open_error(dir), "index.csv is empty"));

    f = remake();
    f.text_file("label.csv", "number,name,category,frequency,coverage,syns\n1,sky,object(1),1,1,\n"
                             "two,tree,object(1),1,1,\n");
    message = open_error(dir);
    CHECK(contains(message, "label.csv line 3"));
    CHECK(contains(message, "two"));

    f = remake();
    f.text_file("label.csv", "number,title\n1,sky\n");
    CHECK(contains(open_error(dir), "label.csv header lacks the column 'name'"));

    f = remake();
    f.text_file("c_object.csv", "code,number,name,frequency,coverage\n1,1,sky,1,1\n2,77,x,1,1\n");
    message = open_error(dir);
    CHECK(contains(message, "c_object.csv line 3"));
    CHECK(contains(message, "77"));

    f = remake();
    f.text_file("category.csv", "name,first,last\nobject,1,2,3\n");
    CHECK(contains(open_error(dir), "category.csv line 2"));

    remake();
    BrodenOptions options;
    options.categories = {"object", "colour"};
    message = open_error(dir, options);
    CHECK(contains(message, "colour"));
    CHECK(contains(message, "category.csv"));
  }

  TEST_CASE("a category with no index column is empty for every image") {
    auto dir = unitscope::test::scratch_dir("broden_no_column");
    auto good = unitscope::test::make_good_dataset(dir);
    auto& f = good.fixture;
    f.header.pop_back();  // drop "scene"
    for (auto& row : f.rows) row.pop_back();
    f.write_tables();
    auto data = BrodenDataset::open(dir);
    REQUIRE(data.category_index("scene"));
    auto sample = data.read(0);
    REQUIRE(sample);
    CHECK(sample->labels[*data.category_index("scene")].image_labels.empty());
    CHECK(sample->labels[*data.category_index("texture")].image_labels ==
          std::vector<std::int32_t>{600});
  }
}
