// Background threads give way to the UI thread: on 2 cores the renderer (lavapipe draws on the CPU)
// must not wait behind inference or a dissection job, or the frame rate drops.
#pragma once

namespace unitscope::engine {

// Raises the calling thread's nice value by `steps` (Linux; elsewhere a no-op). Never fails: a
// thread that cannot be lowered runs as it is.
void lower_thread_priority(int steps);

}  // namespace unitscope::engine
