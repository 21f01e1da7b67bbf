// How the processes of one sharded run exchange bytes: the interface the analyses merge through,
// and the one-process exchange that makes every call a no-op (the MPI one is mpi_exchange.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace unitscope::analysis {

// Every call is collective: each rank makes the same calls in the same order, or the run hangs;
// the analyses keep to that by deciding only from what every rank holds alike.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  // Every rank's `mine`, in rank order, on every rank.
  virtual std::vector<std::vector<std::uint8_t>> all_gather(std::span<const std::uint8_t> mine) = 0;
  // Every rank's `mine`, in rank order, on rank 0; empty on the others.
  virtual std::vector<std::vector<std::uint8_t>> gather(std::span<const std::uint8_t> mine) = 0;
  // Rank `root`'s bytes on every rank (the others' `bytes` are ignored).
  virtual std::vector<std::uint8_t> broadcast(std::vector<std::uint8_t> bytes, int root = 0) = 0;
  virtual void barrier() = 0;
  // Sends a few bytes to rank 0 without waiting; rank 0 takes them with poll_notes. For progress.
  virtual void note(std::span<const std::uint8_t> bytes) { (void)bytes; }
  // Rank 0: every note that arrived since the last call, as (rank, bytes).
  virtual std::vector<std::pair<int, std::vector<std::uint8_t>>> poll_notes() { return {}; }
  // Bytes this rank sent (and received) in collectives so far: what a run costs the network.
  std::uint64_t sent() const { return sent_; }
  std::uint64_t received() const { return received_; }

 protected:
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
};

// One process: rank 0 of 1.
class LocalExchange final : public Exchange {
 public:
  int rank() const override { return 0; }
  int ranks() const override { return 1; }
  std::vector<std::vector<std::uint8_t>> all_gather(std::span<const std::uint8_t> mine) override {
    return {std::vector<std::uint8_t>(mine.begin(), mine.end())};
  }
  std::vector<std::vector<std::uint8_t>> gather(std::span<const std::uint8_t> mine) override { return all_gather(mine); }
  std::vector<std::uint8_t> broadcast(std::vector<std::uint8_t> bytes, int) override { return bytes; }
  void barrier() override {}
};

// Rank `rank` of `ranks` takes images [first, end) of `images`: contiguous shards whose sizes
// differ by at most one, so that the shards in rank order are the images in order.
struct Shard {
  std::uint64_t first = 0, end = 0;
  std::uint64_t size() const { return end - first; }
};
inline Shard shard_of(std::uint64_t images, int rank, int ranks) {
  const auto r = static_cast<std::uint64_t>(rank), k = static_cast<std::uint64_t>(ranks);
  return {images * r / k, images * (r + 1) / k};
}

}  // namespace unitscope::analysis
