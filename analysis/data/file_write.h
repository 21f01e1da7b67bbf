// Writing files whole: a buffer at an offset through short writes and signals, and a file replaced at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace unitscope::analysis {

// Throws Error("cannot write " + what + ": " + the system's reason) when the file system refuses.
void write_at(int fd, const void* data, std::size_t bytes, std::uint64_t offset, const std::string& what);

// A file that only grows, with a length vouched for elsewhere (a checkpoint): bytes past it are cut
// off on opening. Throws Error naming the file when the file system refuses.
class AppendFile {
 public:
  AppendFile() = default;
  // Opens `path`, creating it when missing, and cuts it to `vouched` bytes; throws when shorter.
  AppendFile(std::filesystem::path path, std::uint64_t vouched);
  ~AppendFile();
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  void append(const void* data, std::size_t bytes);
  std::vector<std::uint8_t> read_all() const;
  std::uint64_t size() const { return size_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Writes `text` to `path` through a temporary file and a rename, so readers never see half a file.
// The temporary's name carries the process id, so two processes saving at once do not share it,
// and it is removed when the write fails. Throws Error naming `path`.
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace unitscope::analysis
