// The activation cache file: appends, mapped reads across growth, truncation and clear errors.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "analysis/data/activation_cache.h"
#include "analysis/data/error.h"
#include "test_paths.h"

using unitscope::analysis::ActivationCache;
using unitscope::analysis::Error;
using unitscope::test::scratch_dir;

namespace {

std::vector<float> iota(std::size_t n, float start) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

}  // namespace

TEST_CASE("activation cache: appends read back through the map, also after the file grows") {
  const auto path = scratch_dir("activation_cache") / "layer.f32";
  ActivationCache cache(path, /*create=*/true);
  const auto a = iota(1000, 0.0f), b = iota(5000, 1000.0f);
  cache.append(a.data(), a.size() * sizeof(float));
  auto view = cache.floats(10, 5);
  CHECK(std::vector<float>(view.begin(), view.end()) == std::vector<float>{10, 11, 12, 13, 14});
  cache.append(b.data(), b.size() * sizeof(float));  // past the part already mapped
  CHECK(cache.size() == 6000 * sizeof(float));
  view = cache.floats(990, 20);
  CHECK(view.front() == 990.0f);
  CHECK(view.back() == 1009.0f);
  cache.close();
  // The file is plain float32, as tools and tests read it.
  std::ifstream f(path, std::ios::binary);
  std::vector<float> all(6000);
  f.read(reinterpret_cast<char*>(all.data()), static_cast<std::streamsize>(all.size() * sizeof(float)));
  REQUIRE(f.good());
  CHECK(all == iota(6000, 0.0f));
}

TEST_CASE("activation cache: reopening keeps the data, truncation drops a lost batch") {
  const auto path = scratch_dir("activation_cache_reopen") / "layer.f32";
  {
    ActivationCache cache(path, true);
    const auto a = iota(300, 0.0f);
    cache.append(a.data(), a.size() * sizeof(float));
  }
  ActivationCache cache(path, /*create=*/false);
  CHECK(cache.size() == 1200);
  cache.truncate(800);
  CHECK(std::filesystem::file_size(path) == 800);
  CHECK(cache.floats(199, 1)[0] == 199.0f);
  const auto more = iota(2, -1.0f);
  cache.append(more.data(), more.size() * sizeof(float));
  CHECK(cache.floats(200, 2)[0] == -1.0f);
  CHECK(cache.floats(200, 2)[1] == 0.0f);
}

TEST_CASE("activation cache: a short or missing file is an error that names it") {
  const auto dir = scratch_dir("activation_cache_errors");
  CHECK_THROWS_WITH_AS(ActivationCache(dir / "missing.f32", false), doctest::Contains("missing.f32"), Error);
  ActivationCache cache(dir / "short.f32", true);
  const auto a = iota(4, 0.0f);
  cache.append(a.data(), sizeof(float) * 4);
  CHECK_THROWS_WITH_AS(cache.floats(2, 3), doctest::Contains("short.f32"), Error);
  CHECK_THROWS_WITH_AS(cache.truncate(100), doctest::Contains("fewer than its checkpoint"), Error);
  CHECK(cache.floats(0, 4)[3] == 3.0f);
}
