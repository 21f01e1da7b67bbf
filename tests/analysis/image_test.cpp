#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "analysis/data/error.h"
#include "analysis/data/image.h"
#include "test_paths.h"

using namespace unitscope::analysis;

TEST_SUITE("image") {
  TEST_CASE("PNG round-trips exactly and JPEG approximately") {
    auto dir = unitscope::test::scratch_dir("image_roundtrip");
    Image image(7, 5, 3);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = std::uint8_t(i * 37);
    write_png(dir / "a.png", image);
    Image back = read_image(dir / "a.png", 3);
    CHECK(back.width == 7);
    CHECK(back.height == 5);
    CHECK(back.pixels == image.pixels);

    Image flat(16, 16, 3);
    std::fill(flat.pixels.begin(), flat.pixels.end(), std::uint8_t(120));
    write_jpeg(dir / "b.jpg", flat, 95);
    Image jpeg = read_image(dir / "b.jpg", 3);
    REQUIRE(jpeg.pixels.size() == flat.pixels.size());
    for (auto p : jpeg.pixels) CHECK(std::abs(int(p) - 120) <= 2);
  }

  TEST_CASE("writers are deterministic") {
    auto dir = unitscope::test::scratch_dir("image_deterministic");
    Image image(32, 32, 3);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = std::uint8_t(i % 251);
    write_jpeg(dir / "1.jpg", image);
    write_jpeg(dir / "2.jpg", image);
    CHECK(encode_png(image) == encode_png(image));
    auto slurp = [](const std::filesystem::path& p) {
      std::ifstream in(p, std::ios::binary);
      return std::string{std::istreambuf_iterator<char>(in), {}};
    };
    CHECK(slurp(dir / "1.jpg") == slurp(dir / "2.jpg"));
  }

  TEST_CASE("missing and corrupt files give reasons that name the file") {
    auto dir = unitscope::test::scratch_dir("image_bad");
    std::string why;
    CHECK_FALSE(try_read_image(dir / "nope.png", 3, &why));
    CHECK(why.find("nope.png") != std::string::npos);
    std::ofstream(dir / "bad.png") << "not a png";
    CHECK_FALSE(try_read_image(dir / "bad.png", 3, &why));
    CHECK(why.find("bad.png") != std::string::npos);
    CHECK_THROWS_AS(read_image(dir / "bad.png", 3), Error);
  }
}
