#include "analysis/data/file_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <utility>

#include "analysis/data/error.h"

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

AppendFile::AppendFile(std::filesystem::path path, std::uint64_t vouched) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open " + path_.string() + ": " + std::strerror(errno));
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0 || static_cast<std::uint64_t>(end) < vouched) {
    throw Error(path_.string() + " holds " + std::to_string(end) + " bytes, fewer than its checkpoint's " +
                std::to_string(vouched));
  }
  if (::ftruncate(fd_, static_cast<off_t>(vouched)) != 0) {
    throw Error("cannot cut " + path_.string() + ": " + std::strerror(errno));
  }
  size_ = vouched;
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(std::exchange(other.size_, 0)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void AppendFile::append(const void* data, std::size_t bytes) {
  write_at(fd_, data, bytes, size_, path_.string());
  size_ += bytes;
}

std::vector<std::uint8_t> AppendFile::read_all() const {
  std::vector<std::uint8_t> data(static_cast<std::size_t>(size_));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pread(fd_, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("cannot read " + path_.string() + (n < 0 ? std::string(": ") + std::strerror(errno) : ": it is shorter than its checkpoint"));
    done += static_cast<std::size_t>(n);
  }
  return data;
}

void write_file_atomic(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.flush();
    if (!f) {
      std::filesystem::remove(tmp, ec);
      throw Error("cannot write " + path.string() + " (via " + tmp.string() + ")");
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error("cannot replace " + path.string() + ": " + ec.message());
  }
}

}  // namespace unitscope::analysis
