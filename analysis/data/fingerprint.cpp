#include "analysis/data/fingerprint.h"

#include <cstdio>
#include <fstream>
#include <vector>

#include "analysis/data/error.h"

namespace unitscope::analysis {
namespace {

constexpr std::uint64_t kOffset = 0xcbf29ce484222325ull;

void mix(std::uint64_t& h, const char* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= std::uint64_t(static_cast<unsigned char>(data[i]));
    h *= 0x100000001b3ull;
  }
}

std::string hex(std::uint64_t h) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(h));
  return text;
}

}  // namespace

std::string fnv1a_64_hex(std::string_view text) {
  std::uint64_t h = kOffset;
  mix(h, text.data(), text.size());
  return hex(h);
}

std::string file_fingerprint(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return "missing";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::uint64_t h = kOffset;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    mix(h, buffer.data(), std::size_t(in.gcount()));
  }
  if (in.bad()) throw Error("cannot read " + path.string());
  return hex(h);
}

}  // namespace unitscope::analysis
