#include "engine/app/frame_pacing.h"

#include <algorithm>

namespace unitscope::engine {

double FramePacer::wait_seconds(const PacingState& s) const {
  if (s.fixed_step) return 0.0;
  if (s.minimised) return kMinimisedWaitSeconds;
  if (s.busy || settle_frames_ > 0 || s.events != seen_events_) return 0.0;
  const double until = std::min(last_draw_ + kHeartbeatSeconds, s.next_timer);
  // A deadline already past polls; wait at least a millisecond otherwise, so rounding never spins.
  return until <= s.now ? 0.0 : std::max(until - s.now, 1e-3);
}

bool FramePacer::should_draw(const PacingState& s) {
  if (s.fixed_step) return true;
  if (s.minimised) {
    // Restoring is an event: the frames after it are owed anyway.
    seen_events_ = s.events;
    return false;
  }
  bool draw = s.busy || s.now >= s.next_timer || s.now >= last_draw_ + kHeartbeatSeconds;
  if (s.events != seen_events_) {
    seen_events_ = s.events;
    settle_frames_ = kSettleFrames;
  }
  if (settle_frames_ > 0) {
    --settle_frames_;
    draw = true;
  }
  if (draw) last_draw_ = s.now;
  return draw;
}

}  // namespace unitscope::engine
