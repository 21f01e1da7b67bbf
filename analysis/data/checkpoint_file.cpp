#include "analysis/data/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "analysis/data/error.h"
#include "analysis/data/file_write.h"

namespace unitscope::analysis {

namespace {

constexpr std::uint32_t kSlotMagic = 0x4b435355;  // "USCK"
constexpr std::uint32_t kSlotVersion = 1;

// magic, version, sequence, payload bytes, checksum of the payload.
struct SlotHeader {
  std::uint32_t magic = kSlotMagic;
  std::uint32_t version = kSlotVersion;
  std::uint64_t sequence = 0;
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0;
};
static_assert(sizeof(SlotHeader) == 32);

std::uint64_t mix(std::uint64_t h, std::uint64_t w) {
  h = (h ^ w) * 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

}  // namespace

std::uint64_t checksum64(std::span<const std::uint8_t> data) {
  // Four independent lanes over 32-byte stripes keep the multiplier busy.
  std::uint64_t lane[4] = {0x9e3779b97f4a7c15ull ^ data.size(), 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
                           0x27d4eb2f165667c5ull};
  std::size_t i = 0;
  for (; i + 32 <= data.size(); i += 32) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t w;
      std::memcpy(&w, data.data() + i + 8 * static_cast<std::size_t>(k), 8);
      lane[k] = mix(lane[k], w);
    }
  }
  std::uint64_t h = lane[0];
  for (int k = 1; k < 4; ++k) h = mix(h, lane[k]);
  for (; i < data.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, data.data() + i, std::min<std::size_t>(8, data.size() - i));
    h = mix(h, w);
  }
  return mix(h, 0x94d049bb133111ebull);
}

CheckpointFile::CheckpointFile(std::filesystem::path stem) : stem_(std::move(stem)) {}

std::filesystem::path CheckpointFile::slot(int i) const {
  std::filesystem::path p = stem_;
  p += i == 0 ? ".0" : ".1";
  return p;
}

std::optional<std::vector<std::uint8_t>> CheckpointFile::load() {
  std::optional<std::vector<std::uint8_t>> best;
  std::uint64_t best_sequence = 0;
  bool any = false;
  for (int i = 0; i < 2; ++i) {
    std::ifstream f(slot(i), std::ios::binary);
    if (!f) continue;
    any = true;
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    SlotHeader h;
    if (data.size() < sizeof(h)) continue;
    std::memcpy(&h, data.data(), sizeof(h));
    if (h.magic != kSlotMagic || h.version != kSlotVersion || h.bytes > data.size() - sizeof(h)) continue;
    const std::span<const std::uint8_t> payload(data.data() + sizeof(h), static_cast<std::size_t>(h.bytes));
    if (checksum64(payload) != h.checksum || (best && h.sequence <= best_sequence)) continue;
    best_sequence = h.sequence;
    best.emplace(payload.begin(), payload.end());
  }
  if (any && !best) {
    throw Error("the checkpoint " + slot(0).string() + " (and " + slot(1).filename().string() + ") is damaged");
  }
  sequence_ = best ? best_sequence : 0;
  return best;
}

void CheckpointFile::save(std::span<const std::uint8_t> payload) {
  SlotHeader h;
  h.sequence = sequence_ + 1;
  h.bytes = payload.size();
  h.checksum = checksum64(payload);
  const std::filesystem::path path = slot(static_cast<int>(h.sequence % 2));
  // No O_TRUNC: ext4 treats truncate-then-write like a rename and writes the file out at once.
  // Bytes past the payload, left by a longer earlier checkpoint, are ignored.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write the checkpoint " + path.string() + ": " + std::strerror(errno));
  try {
    const std::string what = "the checkpoint " + path.string();
    write_at(fd, payload.data(), payload.size(), sizeof(h), what);
    // The header last: until it lands, this slot still reads as damaged or older than the other.
    write_at(fd, &h, sizeof(h), 0, what);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  sequence_ = h.sequence;
}

}  // namespace unitscope::analysis
