#include "analysis/dist/mpi_exchange.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "analysis/data/error.h"

namespace unitscope::analysis {

namespace {

// Messages go in pieces of at most this many bytes: MPI counts are ints, and OpenMPI's default
// collectives slow down past 16 MiB (stack notes).
constexpr std::size_t kPiece = std::size_t{8} << 20;
constexpr int kNoteTag = 7001;

class MpiExchange final : public Exchange {
 public:
  MpiExchange(int& argc, char**& argv) {
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
      throw Error("MPI failed to start (MPI_Init_thread)");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
  }
  ~MpiExchange() override {
    // Every note is delivered and taken before MPI ends, so none is left in flight.
    for (auto& pending : notes_out_) MPI_Wait(&pending.request, MPI_STATUS_IGNORE);
    MPI_Barrier(MPI_COMM_WORLD);
    poll_notes();
    MPI_Finalize();
  }
  MpiExchange(const MpiExchange&) = delete;
  MpiExchange& operator=(const MpiExchange&) = delete;

  int rank() const override { return rank_; }
  int ranks() const override { return ranks_; }

  std::vector<std::vector<std::uint8_t>> all_gather(std::span<const std::uint8_t> mine) override {
    std::vector<std::vector<std::uint8_t>> all(static_cast<std::size_t>(ranks_));
    for (int root = 0; root < ranks_; ++root) {
      std::vector<std::uint8_t> bytes;
      if (root == rank_) bytes.assign(mine.begin(), mine.end());
      all[static_cast<std::size_t>(root)] = broadcast(std::move(bytes), root);
    }
    return all;
  }

  std::vector<std::vector<std::uint8_t>> gather(std::span<const std::uint8_t> mine) override {
    std::vector<std::vector<std::uint8_t>> all;
    if (rank_ != 0) {
      std::uint64_t size = mine.size();
      MPI_Send(&size, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
      for (std::size_t at = 0; at < mine.size(); at += kPiece) {
        const std::size_t n = std::min(kPiece, mine.size() - at);
        MPI_Send(mine.data() + at, static_cast<int>(n), MPI_BYTE, 0, 1, MPI_COMM_WORLD);
      }
      sent_ += mine.size();
      return all;
    }
    all.resize(static_cast<std::size_t>(ranks_));
    all[0].assign(mine.begin(), mine.end());
    for (int from = 1; from < ranks_; ++from) {
      std::uint64_t size = 0;
      MPI_Recv(&size, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      auto& bytes = all[static_cast<std::size_t>(from)];
      bytes.resize(size);
      for (std::size_t at = 0; at < size; at += kPiece) {
        const std::size_t n = std::min<std::size_t>(kPiece, size - at);
        MPI_Recv(bytes.data() + at, static_cast<int>(n), MPI_BYTE, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
      received_ += size;
    }
    return all;
  }

  std::vector<std::uint8_t> broadcast(std::vector<std::uint8_t> bytes, int root) override {
    std::uint64_t size = bytes.size();
    MPI_Bcast(&size, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
    if (rank_ != root) bytes.resize(size);
    for (std::size_t at = 0; at < size; at += kPiece) {
      const std::size_t n = std::min<std::size_t>(kPiece, size - at);
      MPI_Bcast(bytes.data() + at, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD);
    }
    (rank_ == root ? sent_ : received_) += size;
    return bytes;
  }

  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  void note(std::span<const std::uint8_t> bytes) override {
    if (rank_ == 0) {
      self_notes_.emplace_back(0, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
      return;
    }
    // Finished sends are retired first, so a long run keeps a few buffers at most.
    std::erase_if(notes_out_, [](Pending& p) {
      int done = 0;
      MPI_Test(&p.request, &done, MPI_STATUS_IGNORE);
      return done != 0;
    });
    notes_out_.push_back({std::vector<std::uint8_t>(bytes.begin(), bytes.end()), MPI_REQUEST_NULL});
    Pending& p = notes_out_.back();
    MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, 0, kNoteTag, MPI_COMM_WORLD, &p.request);
  }

  std::vector<std::pair<int, std::vector<std::uint8_t>>> poll_notes() override {
    std::vector<std::pair<int, std::vector<std::uint8_t>>> notes = std::move(self_notes_);
    self_notes_.clear();
    if (rank_ != 0) return notes;
    for (;;) {
      int waiting = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, kNoteTag, MPI_COMM_WORLD, &waiting, &status);
      if (!waiting) break;
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count));
      MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, kNoteTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      notes.emplace_back(status.MPI_SOURCE, std::move(bytes));
    }
    return notes;
  }

 private:
  struct Pending {
    std::vector<std::uint8_t> bytes;
    MPI_Request request;
  };
  int rank_ = 0;
  int ranks_ = 1;
  std::vector<Pending> notes_out_;  // std::vector of moved Pendings: bytes' buffers stay put
  std::vector<std::pair<int, std::vector<std::uint8_t>>> self_notes_;
};

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

std::unique_ptr<Exchange> open_mpi_exchange(int& argc, char**& argv) { return std::make_unique<MpiExchange>(argc, argv); }

void abort_mpi(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace unitscope::analysis
