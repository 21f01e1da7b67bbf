#include "engine/jobs/thread_priority.h"

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace unitscope::engine {

void lower_thread_priority(int steps) {
#if defined(__linux__)
  // On Linux a nice value belongs to the thread (its tid), not to the whole process.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  const int now = getpriority(PRIO_PROCESS, tid);
  setpriority(PRIO_PROCESS, tid, now + steps);
#else
  (void)steps;
#endif
}

}  // namespace unitscope::engine
