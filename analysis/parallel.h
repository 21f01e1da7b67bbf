// Loops over independent items of uneven cost on LibTorch's threads, chunk by chunk as threads free up.
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace unitscope::analysis {

// Calls f(begin, end) once for each chunk of `chunk` items of [0, n), each thread taking the next
// chunk when it is done with its last. at::parallel_for splits a range evenly, which leaves a thread
// idle when items differ in cost (a unit whose maps never reach its tail costs next to nothing).
// f is called from several threads at once, for disjoint chunks.
template <typename F>
void parallel_chunks(std::int64_t n, std::int64_t chunk, const F& f) {
  if (n <= 0) return;
  chunk = std::max<std::int64_t>(1, chunk);
  const std::int64_t chunks = (n + chunk - 1) / chunk;
  std::atomic<std::int64_t> next{0};
  const std::int64_t workers = std::min<std::int64_t>(chunks, at::get_num_threads());
  at::parallel_for(0, workers, 1, [&](std::int64_t, std::int64_t) {
    for (std::int64_t c = next++; c < chunks; c = next++) f(c * chunk, std::min(n, (c + 1) * chunk));
  });
}

}  // namespace unitscope::analysis
