// The studio loop's pacing: when it draws and how long it sleeps.
#include <doctest/doctest.h>

#include <limits>

#include "engine/app/frame_pacing.h"

using unitscope::engine::FramePacer;
using unitscope::engine::PacingState;

namespace {

// Runs the loop's two calls for one iteration at time `now`; returns whether it drew.
bool step(FramePacer& pacer, PacingState& s, double now, double* waited = nullptr) {
  s.now = now;
  const double wait = pacer.wait_seconds(s);
  if (waited) *waited = wait;
  return pacer.should_draw(s);
}

}  // namespace

TEST_SUITE("pacing") {
  TEST_CASE("an idle studio draws its settle frames, then sleeps until the heartbeat") {
    FramePacer pacer;
    PacingState s;
    int drawn = 0;
    for (int i = 0; i < FramePacer::kSettleFrames; ++i) drawn += step(pacer, s, 0.01 * i);
    CHECK(drawn == FramePacer::kSettleFrames);
    double waited = 0;
    CHECK_FALSE(step(pacer, s, 0.5, &waited));  // woke early (spurious): nothing to draw
    CHECK(waited == doctest::Approx(FramePacer::kHeartbeatSeconds - 0.5 + 0.02));
    CHECK(step(pacer, s, 0.02 + FramePacer::kHeartbeatSeconds, &waited));  // the heartbeat
    CHECK(pacer.wait_seconds(s) == doctest::Approx(FramePacer::kHeartbeatSeconds));
  }

  TEST_CASE("an input event buys exactly the settle frames at full rate") {
    FramePacer pacer;
    PacingState s;
    for (int i = 0; i < FramePacer::kSettleFrames; ++i) step(pacer, s, 0.0);
    CHECK(pacer.wait_seconds(s) > 0.5);
    s.events = 7;
    CHECK(pacer.wait_seconds(s) == 0.0);  // events not yet drawn: poll
    int drawn = 0;
    for (int i = 0; i < 10; ++i) {
      double waited = 1;
      const bool d = step(pacer, s, 0.1, &waited);
      if (d) CHECK(waited == 0.0);
      drawn += d;
    }
    CHECK(drawn == FramePacer::kSettleFrames);
  }

  TEST_CASE("busy work draws every frame without waiting") {
    FramePacer pacer;
    PacingState s;
    s.busy = true;
    for (int i = 0; i < 20; ++i) {
      double waited = 1;
      CHECK(step(pacer, s, 5.0 + i * 0.01, &waited));
      CHECK(waited == 0.0);
    }
  }

  TEST_CASE("a timer wakes the loop at its deadline") {
    FramePacer pacer;
    PacingState s;
    for (int i = 0; i < FramePacer::kSettleFrames; ++i) step(pacer, s, 0.0);
    s.next_timer = 0.25;
    CHECK(pacer.wait_seconds(s) == doctest::Approx(0.25));
    CHECK(step(pacer, s, 0.25));
    s.next_timer = std::numeric_limits<double>::infinity();
  }

  TEST_CASE("a minimised studio never draws and waits long, and draws again once restored") {
    FramePacer pacer;
    PacingState s;
    s.minimised = true;
    s.busy = true;  // even a playing source: nobody sees it
    for (int i = 0; i < 50; ++i) {
      double waited = 0;
      CHECK_FALSE(step(pacer, s, i * 1.0, &waited));
      CHECK(waited == FramePacer::kMinimisedWaitSeconds);
      s.events += 1;  // expose and focus events while minimised
    }
    s.minimised = false;
    s.busy = false;
    s.events += 1;  // the restore
    int drawn = 0;
    for (int i = 0; i < 10; ++i) drawn += step(pacer, s, 50.0);
    CHECK(drawn == FramePacer::kSettleFrames);
  }

  TEST_CASE("fixed-step runs draw every frame and never wait") {
    FramePacer pacer;
    PacingState s;
    s.fixed_step = true;
    s.minimised = true;
    for (int i = 0; i < 10; ++i) {
      double waited = 1;
      CHECK(step(pacer, s, 0.0, &waited));
      CHECK(waited == 0.0);
    }
  }
}
