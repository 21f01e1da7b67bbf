#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "analysis/data/csv.h"
#include "analysis/data/error.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using Fields = std::vector<std::string>;

namespace {

std::vector<Fields> read_all(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in, "text");
  std::vector<Fields> records;
  Fields fields;
  while (reader.next(fields)) records.push_back(fields);
  return records;
}

}  // namespace

TEST_SUITE("csv") {
  TEST_CASE("plain and empty fields with LF or CRLF and no final newline") {
    CHECK(read_all("a,b,c\n1,,3\n") == std::vector<Fields>{{"a", "b", "c"}, {"1", "", "3"}});
    CHECK(read_all("a,b\r\n1,2\r\n") == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
    CHECK(read_all("a,b\n1,2") == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
    CHECK(read_all("x,\n,\n") == std::vector<Fields>{{"x", ""}, {"", ""}});
    CHECK(read_all("").empty());
    CHECK(read_all("\n\r\n").empty());
  }

  TEST_CASE("quoted fields hold commas and doubled quotes and line breaks") {
    auto records = read_all("name,syns\n\"house, small\",\"say \"\"hi\"\"\"\n\"two\r\nlines\",\"\"\n");
    REQUIRE(records.size() == 3);
    CHECK(records[1] == Fields{"house, small", "say \"hi\""});
    CHECK(records[2] == Fields{"two\r\nlines", ""});
  }

  TEST_CASE("offsets and lines let a reader come back to a record") {
    const std::string text = "h1,h2\r\n\"a\nb\",1\r\n\r\nc,2\r\n";
    std::istringstream in(text);
    CsvReader reader(in, "text");
    Fields fields;
    REQUIRE(reader.next(fields));
    CHECK(reader.record_line() == 1);
    REQUIRE(reader.next(fields));
    CHECK(reader.record_line() == 2);
    CHECK(reader.record_offset() == 7);
    REQUIRE(reader.next(fields));
    CHECK(fields == Fields{"c", "2"});
    CHECK(reader.record_line() == 5);  // the quoted line break and the blank line both count
    const auto offset = reader.record_offset();
    CHECK(text.substr(offset, 3) == "c,2");
    CHECK_FALSE(reader.next(fields));

    reader.seek(7, 2);
    REQUIRE(reader.next(fields));
    CHECK(fields == Fields{"a\nb", "1"});
    reader.seek(offset, 5);
    REQUIRE(reader.next(fields));
    CHECK(fields == Fields{"c", "2"});
    CHECK(reader.record_line() == 5);
  }

  TEST_CASE("records longer than the read buffer come back whole") {
    std::string big(200000, 'x');
    auto records = read_all("a," + big + "\n\"" + big + "\",b\n");
    REQUIRE(records.size() == 2);
    CHECK(records[0][1] == big);
    CHECK(records[1][0] == big);
    CHECK(records[1][1] == "b");
  }

  TEST_CASE("malformed records are flagged and not fatal") {
    std::istringstream in("a,\"b\"c,d\ne,f\n\"open,g\nh\n");
    CsvReader reader(in, "text");
    Fields fields;
    REQUIRE(reader.next(fields));
    CHECK(reader.malformed());
    CHECK(reader.malformed_why() == "text follows a closing quote");
    CHECK(fields == Fields{"a", "bc", "d"});
    REQUIRE(reader.next(fields));
    CHECK_FALSE(reader.malformed());
    CHECK(fields == Fields{"e", "f"});
    REQUIRE(reader.next(fields));
    CHECK(reader.malformed());
    CHECK(reader.malformed_why() == "quote opened on line 3 is never closed");
    CHECK_FALSE(reader.next(fields));
  }

  TEST_CASE("a byte-order mark before the header is ignored") {
    CHECK(read_all("\xEF\xBB\xBFimage,split\n") == std::vector<Fields>{{"image", "split"}});
  }

  TEST_CASE("the writer quotes only what needs it and reads back the same") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv_field(" padded") == "\" padded\"");
    CHECK(csv_field("") == "");

    const Fields tricky{"", "a,b", "\"", "x\r\ny", "seg/1.png;seg/2.png", " s "};
    std::ostringstream out;
    write_csv_record(out, tricky);
    write_csv_record(out, {"1", "two"});
    CHECK(read_all(out.str()) == std::vector<Fields>{tricky, {"1", "two"}});
  }

  TEST_CASE("tables: header lookup and field counts and missing files") {
    auto dir = unitscope::test::scratch_dir("csv_table");
    std::ofstream(dir / "t.csv") << "number,name\n1,sky\n\n2,\"tree, big\"\n";
    auto table = read_csv_table(dir / "t.csv");
    CHECK(table.column("name") == 1);
    CHECK_FALSE(table.column("nope"));
    REQUIRE(table.rows.size() == 2);
    CHECK(table.rows[1] == Fields{"2", "tree, big"});
    CHECK(table.lines == std::vector<std::size_t>{2, 4});

    std::ofstream(dir / "short.csv") << "a,b\n1\n";
    CHECK_THROWS_WITH_AS(read_csv_table(dir / "short.csv"),
                         doctest::Contains("short.csv line 2: expected 2 fields, found 1"), Error);
    std::ofstream(dir / "empty.csv") << "";
    CHECK_THROWS_WITH_AS(read_csv_table(dir / "empty.csv"), doctest::Contains("empty.csv is empty"),
                         Error);
    CHECK_THROWS_WITH_AS(CsvReader(dir / "missing.csv"), doctest::Contains("missing.csv"), Error);
  }

  TEST_CASE("number cells parse whole with spaces allowed around them") {
    CHECK(parse_csv_int("42") == 42);
    CHECK(parse_csv_int(" 7 ") == 7);
    CHECK(parse_csv_int("-3") == -3);
    CHECK_FALSE(parse_csv_int(""));
    CHECK_FALSE(parse_csv_int("4x"));
    CHECK_FALSE(parse_csv_int("8.5"));
    CHECK_FALSE(parse_csv_int("99999999999999999999999"));
    CHECK(parse_csv_double("9.140027") == doctest::Approx(9.140027));
    CHECK(parse_csv_double("3") == doctest::Approx(3.0));
    CHECK_FALSE(parse_csv_double("abc"));
  }
}
