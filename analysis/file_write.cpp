#include "analysis/file_write.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "analysis/error.h"

namespace unitscope::analysis {

void write_at(int fd, const void* data, std::size_t bytes, std::uint64_t offset, const std::string& what) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("cannot write " + what + ": " + std::strerror(errno));
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace unitscope::analysis
