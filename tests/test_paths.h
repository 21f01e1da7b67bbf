// Where tests find committed fixtures and where they may write scratch files.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace unitscope::test {

inline std::filesystem::path source_dir() { return UNITSCOPE_SOURCE_DIR; }
inline std::filesystem::path fixtures_dir() { return source_dir() / "tests" / "fixtures"; }

// A fresh, empty directory under the build tree, named after the test.
inline std::filesystem::path scratch_dir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(UNITSCOPE_BINARY_DIR) / "scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A file's whole content ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace unitscope::test
