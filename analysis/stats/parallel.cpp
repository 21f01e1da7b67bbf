#include "analysis/stats/parallel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>

namespace unitscope::analysis {

void parallel_chunks(std::int64_t n, std::int64_t chunk, const std::function<void(std::int64_t, std::int64_t)>& f) {
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
