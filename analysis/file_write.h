// Writing files whole: a buffer at an offset through short writes and signals, and a file replaced at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace unitscope::analysis {

// Throws Error("cannot write " + what + ": " + the system's reason) when the file system refuses.
void write_at(int fd, const void* data, std::size_t bytes, std::uint64_t offset, const std::string& what);

// Writes `text` to `path` through a temporary file and a rename, so readers never see half a file.
// The temporary's name carries the process id, so two processes saving at once do not share it,
// and it is removed when the write fails. Throws Error naming `path`.
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace unitscope::analysis
