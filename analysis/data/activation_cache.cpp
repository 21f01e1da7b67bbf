#include "analysis/data/activation_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "analysis/data/error.h"
#include "analysis/data/file_write.h"

namespace unitscope::analysis {

namespace {

std::string why() { return std::strerror(errno); }

}  // namespace

ActivationCache::ActivationCache(std::filesystem::path path, bool create) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (fd_ < 0) throw Error("cannot open the activation cache " + path_.string() + ": " + why());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const std::string reason = why();
    close();
    throw Error("cannot read the activation cache " + path_.string() + ": " + reason);
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

ActivationCache::~ActivationCache() { close(); }

ActivationCache::ActivationCache(ActivationCache&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)),
      map_(std::exchange(other.map_, nullptr)),
      mapped_(std::exchange(other.mapped_, 0)) {}

ActivationCache& ActivationCache::operator=(ActivationCache&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    map_ = std::exchange(other.map_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

void ActivationCache::unmap() {
  if (map_ != nullptr) ::munmap(map_, mapped_);
  map_ = nullptr;
  mapped_ = 0;
}

void ActivationCache::close() {
  unmap();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void ActivationCache::truncate(std::uint64_t bytes) {
  if (bytes > size_) {
    throw Error("the activation cache " + path_.string() + " holds " + std::to_string(size_) +
                " bytes, fewer than its checkpoint's " + std::to_string(bytes));
  }
  unmap();
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
    throw Error("cannot cut the activation cache " + path_.string() + ": " + why());
  }
  size_ = bytes;
}

void ActivationCache::append(const void* data, std::size_t bytes) {
  write_at(fd_, data, bytes, size_, "the activation cache " + path_.string());
  size_ += bytes;
}

std::span<const float> ActivationCache::floats(std::uint64_t first, std::uint64_t count) {
  const std::span<const std::uint8_t> b = bytes(first * sizeof(float), count * sizeof(float));
  return {reinterpret_cast<const float*>(b.data()), static_cast<std::size_t>(count)};
}

std::span<const std::uint8_t> ActivationCache::bytes(std::uint64_t first, std::uint64_t count) {
  const std::uint64_t end = first + count;
  if (end > size_) {
    throw Error("the activation cache " + path_.string() + " is shorter than its checkpoint (" +
                std::to_string(size_) + " of " + std::to_string(end) + " bytes)");
  }
  if (count == 0) return {};
  if (end > mapped_) {
    // The file grew since it was mapped (or never was): map all of it again.
    unmap();
    void* m = ::mmap(nullptr, static_cast<std::size_t>(size_), PROT_READ, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) throw Error("cannot map the activation cache " + path_.string() + ": " + why());
    map_ = m;
    mapped_ = static_cast<std::size_t>(size_);
  }
  return {static_cast<const std::uint8_t*>(map_) + first, static_cast<std::size_t>(count)};
}

}  // namespace unitscope::analysis
