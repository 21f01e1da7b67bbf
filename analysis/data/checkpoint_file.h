// Crash-safe checkpoint files without renames: two slots written in turn, each stamped with a
// sequence number and a checksum, so a crash while writing one leaves the other.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

namespace unitscope::analysis {

// A write-then-rename would also be safe, but ext4 answers a rename over an existing file by
// writing the new one out at once (auto_da_alloc): milliseconds per checkpoint, every batch.
// Overwriting the older slot in place costs a memory copy.
class CheckpointFile {
 public:
  // The slots are `stem` + ".0" and `stem` + ".1".
  explicit CheckpointFile(std::filesystem::path stem);

  // The newest intact payload; nullopt when neither slot exists. Throws Error naming the files
  // when slots exist but none is intact. Later saves go after it.
  std::optional<std::vector<std::uint8_t>> load();
  // Writes over the older slot. Throws Error naming the file when it cannot.
  void save(std::span<const std::uint8_t> payload);

  std::filesystem::path slot(int i) const;

 private:
  std::filesystem::path stem_;
  std::uint64_t sequence_ = 0;  // of the newest slot written or loaded
};

// A 64-bit checksum that finds torn or damaged writes (not an adversary's).
std::uint64_t checksum64(std::span<const std::uint8_t> data);

}  // namespace unitscope::analysis
