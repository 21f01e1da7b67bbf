// Dissection's activation cache: one file per layer (float32 or half values), appended batch by
// batch in the forward pass and read back through a memory map by the threshold, tally and report steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace unitscope::analysis {

class ActivationCache {
 public:
  ActivationCache() = default;
  // Opens `path` for reading and appending, creating it (empty) when `create` is set.
  // Throws Error naming the file when it cannot.
  ActivationCache(std::filesystem::path path, bool create);
  ~ActivationCache();
  ActivationCache(ActivationCache&& other) noexcept;
  ActivationCache& operator=(ActivationCache&& other) noexcept;
  ActivationCache(const ActivationCache&) = delete;
  ActivationCache& operator=(const ActivationCache&) = delete;

  // Cuts the file to `bytes`, what a checkpoint vouches for: activations past it belong to a lost
  // batch. Throws when the file is shorter.
  void truncate(std::uint64_t bytes);
  void append(const void* data, std::size_t bytes);
  // `count` floats from float `first` on, valid until the cache is next changed, read or closed.
  // Throws when the file is shorter.
  std::span<const float> floats(std::uint64_t first, std::uint64_t count);
  // `count` bytes from byte `first` on (a half-precision cache's values); as floats().
  std::span<const std::uint8_t> bytes(std::uint64_t first, std::uint64_t count);
  void close();

  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void unmap();

  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  void* map_ = nullptr;
  std::size_t mapped_ = 0;
};

}  // namespace unitscope::analysis
