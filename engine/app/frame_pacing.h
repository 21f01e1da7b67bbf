// When the studio's loop draws and how long it sleeps: every frame while something moves, a few
// frames after each input event, a heartbeat when idle, and nothing while minimised.
#pragma once

#include <cstdint>
#include <limits>

namespace unitscope::engine {

// What the loop knows before and after it waits for events.
struct PacingState {
  bool fixed_step = false;   // --frames runs render every frame and never wait
  bool minimised = false;    // iconified, or a zero-sized framebuffer
  bool busy = false;         // a playing source, inference, a job, a recording or a script
  std::uint64_t events = 0;  // the window's event count (render::Window::event_count)
  double now = 0.0;          // seconds since start
  // The earliest moment something timed needs a frame (a caption's end, a text cursor's blink).
  double next_timer = std::numeric_limits<double>::infinity();
};

class FramePacer {
 public:
  // ImGui needs a frame or two after an input to settle hover, clicks and window moves.
  static constexpr int kSettleFrames = 3;
  // An idle studio still draws this often, so a change nothing announced (a file a job wrote) shows.
  static constexpr double kHeartbeatSeconds = 1.0;
  // A minimised studio wakes this often to handle events; it draws nothing.
  static constexpr double kMinimisedWaitSeconds = 1.0;

  // Seconds to wait for events before the next iteration: 0 polls, > 0 waits at most that long.
  double wait_seconds(const PacingState& s) const;
  // After the wait: whether this iteration draws a frame. Call once per iteration.
  bool should_draw(const PacingState& s);

 private:
  std::uint64_t seen_events_ = 0;
  int settle_frames_ = kSettleFrames;  // frames still owed to the last event (and to the start)
  double last_draw_ = -std::numeric_limits<double>::infinity();
};

}  // namespace unitscope::engine
