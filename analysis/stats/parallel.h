// Loops over independent items of uneven cost on LibTorch's threads, chunk by chunk as threads free up.
#pragma once

#include <cstdint>
#include <functional>

namespace unitscope::analysis {

// Calls f(begin, end) once for each chunk of `chunk` items of [0, n), each thread taking the next
// chunk when it is done with its last. at::parallel_for splits a range evenly, which leaves a thread
// idle when items differ in cost (a unit whose maps never reach its tail costs next to nothing).
// f is called from several threads at once, for disjoint chunks. Not inline on purpose: ATen's
// parallel_for is an OpenMP region that runs on one thread in any file compiled without OpenMP.
void parallel_chunks(std::int64_t n, std::int64_t chunk, const std::function<void(std::int64_t, std::int64_t)>& f);

}  // namespace unitscope::analysis
