// Writing a whole buffer at a file offset, through short writes and signals, for the dissection's files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace unitscope::analysis {

// Throws Error("cannot write " + what + ": " + the system's reason) when the file system refuses.
void write_at(int fd, const void* data, std::size_t bytes, std::uint64_t offset, const std::string& what);

}  // namespace unitscope::analysis
