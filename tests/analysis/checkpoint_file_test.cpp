// Checkpoint slots: alternation, the newest intact slot wins, a torn write falls back, damage is named.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "analysis/data/checkpoint_file.h"
#include "analysis/data/error.h"
#include "test_paths.h"

using unitscope::analysis::checksum64;
using unitscope::analysis::CheckpointFile;
using unitscope::analysis::Error;
using unitscope::test::scratch_dir;

namespace {

std::vector<std::uint8_t> payload(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + 31 * i);
  return v;
}

// Overwrites `n` bytes at `offset` of a file with 0xff, as a write cut short would leave it.
void damage(const std::filesystem::path& path, std::size_t offset, std::size_t n) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  const std::string junk(n, '\xff');
  f.write(junk.data(), static_cast<std::streamsize>(n));
}

}  // namespace

TEST_CASE("checkpoint slots alternate and a reopened file loads the newest") {
  const auto dir = scratch_dir("checkpoint_slots");
  CheckpointFile file(dir / "checkpoint");
  CHECK(!file.load().has_value());
  file.save(payload(5000, 1));
  file.save(payload(100, 2));  // shorter than the slot it overwrites later
  file.save(payload(300, 3));
  CHECK(std::filesystem::exists(file.slot(0)));
  CHECK(std::filesystem::exists(file.slot(1)));
  CheckpointFile again(dir / "checkpoint");
  CHECK(again.load() == payload(300, 3));
  // Saves after a load go on from its sequence number, into the other slot.
  again.save(payload(7, 4));
  CHECK(CheckpointFile(dir / "checkpoint").load() == payload(7, 4));
}

TEST_CASE("a torn checkpoint falls back to the slot before it, and two damaged slots are an error") {
  const auto dir = scratch_dir("checkpoint_torn");
  CheckpointFile file(dir / "checkpoint");
  file.save(payload(4000, 1));  // sequence 1, slot 1
  file.save(payload(4000, 2));  // sequence 2, slot 0
  damage(file.slot(0), 1000, 16);  // the payload of the newest
  CHECK(CheckpointFile(dir / "checkpoint").load() == payload(4000, 1));
  damage(file.slot(1), 0, 4);  // the header of the other
  CHECK_THROWS_WITH_AS(CheckpointFile(dir / "checkpoint").load(), doctest::Contains("checkpoint.0"), Error);
  std::filesystem::resize_file(file.slot(0), 10);  // shorter than a header
  CHECK_THROWS_AS(CheckpointFile(dir / "checkpoint").load(), Error);
}

TEST_CASE("checksum64 sees single-bit changes and lengths") {
  const std::vector<std::uint8_t> a = payload(1001, 9);
  std::vector<std::uint8_t> b = a;
  b[777] ^= 0x10;
  CHECK(checksum64(a) != checksum64(b));
  CHECK(checksum64(std::span(a).first(1000)) != checksum64(a));
  CHECK(checksum64(std::vector<std::uint8_t>(8, 0)) != checksum64(std::vector<std::uint8_t>(16, 0)));
  CHECK(checksum64(a) == checksum64(payload(1001, 9)));
}
