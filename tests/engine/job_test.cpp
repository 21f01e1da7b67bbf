#include "engine/jobs/job.h"
#include "engine/jobs/job_result.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace unitscope::engine;
using namespace std::chrono_literals;

namespace {

// Polls `done` for up to 10 s; jobs run on their own threads, so tests wait for what they observe.
template <class F>
bool eventually(F&& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A body that publishes its progress and then holds until released (or stopped).
struct Gate {
  std::atomic<bool> reached{false};
  std::atomic<bool> release{false};
};

}  // namespace

TEST_SUITE("job") {
  TEST_CASE("a new slot is idle at generation 0") {
    JobSlot slot;
    CHECK(slot.state() == JobState::kIdle);
    CHECK(slot.generation() == 0);
    CHECK(slot.progress() == 0.0);
    CHECK(slot.error().empty());
    CHECK(std::string(to_string(JobState::kCancelled)) == "cancelled");
  }

  TEST_CASE("progress and status are visible while the job runs and then it is done") {
    JobSlot slot;
    Gate gate;
    const auto gen = slot.start("count", [&](JobControl& job) {
      job.set_progress(0.25);
      job.set_status("a quarter");
      gate.reached = true;
      while (!gate.release) std::this_thread::sleep_for(1ms);
      job.set_progress(1.0);
    });
    CHECK(gen == 1);
    REQUIRE(eventually([&] { return gate.reached.load(); }));
    CHECK(slot.running());
    CHECK(slot.state() == JobState::kRunning);
    CHECK(slot.progress() == doctest::Approx(0.25));
    CHECK(slot.status() == "a quarter");
    CHECK(slot.name() == "count");
    gate.release = true;
    slot.wait();
    CHECK(slot.state() == JobState::kDone);
    CHECK(slot.progress() == doctest::Approx(1.0));
    CHECK(slot.error().empty());
  }

  TEST_CASE("cancel: the body sees the stop request and the job ends cancelled") {
    JobSlot slot;
    std::atomic<bool> saw_stop{false};
    Gate gate;
    slot.start("spin", [&](JobControl& job) {
      gate.reached = true;
      while (!job.stop_requested()) std::this_thread::sleep_for(1ms);
      saw_stop = job.stop().stop_requested();
    });
    REQUIRE(eventually([&] { return gate.reached.load(); }));
    CHECK(slot.state() == JobState::kRunning);
    slot.cancel();
    slot.wait();
    CHECK(saw_stop);
    CHECK(slot.state() == JobState::kCancelled);
    CHECK(slot.error().empty());
  }

  TEST_CASE("an exception fails the job with its message but after cancel it counts as cancelled") {
    JobSlot slot;
    slot.start("bad", [](JobControl&) {
      throw std::runtime_error("cannot open model x.pt: no such file");
    });
    slot.wait();
    CHECK(slot.state() == JobState::kFailed);
    CHECK(slot.error() == "cannot open model x.pt: no such file");

    slot.start("thrown-after-stop", [](JobControl& job) {
      while (!job.stop_requested()) std::this_thread::sleep_for(1ms);
      throw std::runtime_error("interrupted");
    });
    slot.cancel();
    slot.wait();
    CHECK(slot.state() == JobState::kCancelled);
    CHECK(slot.error().empty());

    slot.start("not-std", [](JobControl&) { throw 42; });
    slot.wait();
    CHECK(slot.state() == JobState::kFailed);
    CHECK(slot.error().find("unknown error") != std::string::npos);
  }

  TEST_CASE("jobs_running counts bodies that have not returned, failed ones included") {
    const int before = jobs_running();
    JobSlot a, b;
    Gate gate;
    a.start("held", [&](JobControl&) {
      gate.reached = true;
      while (!gate.release) std::this_thread::sleep_for(1ms);
    });
    b.start("fails", [](JobControl&) { throw std::runtime_error("no"); });
    REQUIRE(eventually([&] { return gate.reached.load(); }));
    b.wait();
    CHECK(eventually([&] { return jobs_running() == before + 1; }));
    gate.release = true;
    a.wait();
    CHECK(eventually([&] { return jobs_running() == before; }));
  }

  TEST_CASE("take_done reports each finished job once and never a failed one") {
    JobSlot slot;
    std::uint64_t handled = 0;
    CHECK_FALSE(slot.take_done(handled));
    slot.start("ok", [](JobControl&) {});
    slot.wait();
    CHECK(slot.take_done(handled));
    CHECK(handled == slot.generation());
    CHECK_FALSE(slot.take_done(handled));
    slot.start("fails", [](JobControl&) { throw std::runtime_error("no"); });
    slot.wait();
    CHECK_FALSE(slot.take_done(handled));
    slot.start("ok again", [](JobControl&) {});
    slot.wait();
    CHECK(slot.take_done(handled));
  }

  TEST_CASE("LibTorch-style messages lose their backtrace") {
    const std::runtime_error e(
        "The size of tensor a (3) must match the size of tensor b (4)\n"
        "Exception raised from infer_size_impl at ../aten/src/ATen/ExpandUtils.cpp:35 (most recent "
        "call first):\nframe #0: c10::Error::Error(...)\n");
    CHECK(job_error_message(e) == "The size of tensor a (3) must match the size of tensor b (4)");
    CHECK(job_error_message(std::runtime_error("plain\n")) == "plain");
  }

  TEST_CASE("start while a job runs returns at once and cancels the old job") {
    JobSlot slot;
    std::atomic<bool> old_saw_stop{false};
    std::atomic<bool> old_release{false};
    Gate gate;
    const auto first = slot.start("old", [&](JobControl& job) {
      gate.reached = true;
      while (!job.stop_requested()) std::this_thread::sleep_for(1ms);
      old_saw_stop = true;
      // Keeps running after the stop request, as a slow body would: start() must not wait for it.
      while (!old_release) std::this_thread::sleep_for(1ms);
      job.set_status("stale");
    });
    REQUIRE(eventually([&] { return gate.reached.load(); }));

    const auto t0 = std::chrono::steady_clock::now();
    const auto second = slot.start("new", [](JobControl& job) {
      job.set_status("fresh");
      job.set_progress(0.5);
    });
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(second > first);
    CHECK(slot.generation() == second);
    CHECK(took < 200ms);  // the old body is still blocked on old_release
    CHECK(eventually([&] { return old_saw_stop.load(); }));
    slot.wait();
    CHECK(slot.state() == JobState::kDone);
    CHECK(slot.name() == "new");
    CHECK(slot.status() == "fresh");

    // A third start reaps nothing that still runs and still does not wait.
    const auto t1 = std::chrono::steady_clock::now();
    const auto third = slot.start("third", [](JobControl&) {});
    CHECK(std::chrono::steady_clock::now() - t1 < 200ms);
    CHECK(third == second + 1);
    old_release = true;
    slot.wait();
    CHECK(slot.status().empty());  // the old job's late status went to its own, retired run
  }

  TEST_CASE("the destructor cancels and joins a running job") {
    std::atomic<bool> finished{false};
    std::atomic<bool> started{false};
    {
      JobSlot slot;
      slot.start("forever", [&](JobControl& job) {
        started = true;
        while (!job.stop_requested()) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(20ms);  // the join must wait for this
        finished = true;
      });
      REQUIRE(eventually([&] { return started.load(); }));
    }
    CHECK(finished);
  }

  TEST_CASE("the destructor also joins retired jobs that are still running") {
    std::atomic<int> finished{0};
    {
      JobSlot slot;
      for (int i = 0; i < 3; ++i) {
        slot.start("job", [&](JobControl& job) {
          while (!job.stop_requested()) std::this_thread::sleep_for(1ms);
          std::this_thread::sleep_for(10ms);
          ++finished;
        });
      }
      CHECK(slot.generation() == 3);
    }
    CHECK(finished == 3);
  }

  TEST_CASE("a job result: snapshots while it runs, then its final value taken once") {
    JobResult<std::vector<int>> job;
    using Publisher = JobResult<std::vector<int>>::Publisher;
    CHECK(job.latest() == nullptr);
    CHECK_FALSE(job.take());
    Gate gate;
    const auto gen = job.start("count", [&](JobControl&, const Publisher& publisher) {
      publisher.publish(std::vector<int>{1});
      publisher.publish(std::vector<int>{1, 2});
      gate.reached = true;
      while (!gate.release) std::this_thread::sleep_for(1ms);
      return std::vector<int>{1, 2, 3};
    });
    CHECK(gen == 1);
    REQUIRE(eventually([&] { return gate.reached.load(); }));
    const auto partial = job.latest();
    REQUIRE(partial != nullptr);
    CHECK(*partial == std::vector<int>{1, 2});
    CHECK_FALSE(job.take());  // still running
    gate.release = true;
    job.wait();
    CHECK(*partial == std::vector<int>{1, 2});  // a snapshot never changes under its reader
    const auto end = job.take();
    REQUIRE(end.has_value());
    CHECK(end->state == JobState::kDone);
    REQUIRE(end->result != nullptr);
    CHECK(*end->result == std::vector<int>{1, 2, 3});
    CHECK(end->error.empty());
    CHECK(job.latest() == end->result);
    CHECK_FALSE(job.take());  // once per generation

    job.start("again", [](JobControl&, const Publisher&) { return std::vector<int>{4}; });
    job.wait();
    const auto next = job.take();
    REQUIRE(next.has_value());
    REQUIRE(next->result != nullptr);
    CHECK(*next->result == std::vector<int>{4});
  }

  TEST_CASE("a job result ignores what a replaced job still publishes") {
    JobResult<std::string> job;
    using Publisher = JobResult<std::string>::Publisher;
    Gate old_gate;
    std::atomic<bool> old_done{false};
    job.start("old", [&](JobControl& control, const Publisher& publisher) {
      publisher.publish(std::string("old partial"));
      old_gate.reached = true;
      while (!control.stop_requested()) std::this_thread::sleep_for(1ms);
      // A slow body goes on after the stop request and publishes again, then returns a value.
      while (!old_gate.release) std::this_thread::sleep_for(1ms);
      publisher.publish(std::string("old late"));
      old_done = true;
      return std::string("old final");
    });
    REQUIRE(eventually([&] { return old_gate.reached.load(); }));
    CHECK(*job.latest() == "old partial");

    Gate new_gate;
    const auto second = job.start("new", [&](JobControl&, const Publisher& publisher) {
      new_gate.reached = true;
      while (!new_gate.release) std::this_thread::sleep_for(1ms);
      publisher.publish(std::string("new partial"));
      return std::string("new final");
    });
    CHECK(second == 2);
    CHECK(job.latest() == nullptr);  // the old job's snapshot went with it
    REQUIRE(eventually([&] { return new_gate.reached.load(); }));
    old_gate.release = true;
    REQUIRE(eventually([&] { return old_done.load(); }));
    std::this_thread::sleep_for(20ms);  // the old body's return value is published after old_done
    CHECK(job.latest() == nullptr);
    CHECK_FALSE(job.take());

    new_gate.release = true;
    job.wait();
    const auto end = job.take();
    REQUIRE(end.has_value());
    CHECK(end->state == JobState::kDone);
    REQUIRE(end->result != nullptr);
    CHECK(*end->result == "new final");
    CHECK(*job.latest() == "new final");
  }

  TEST_CASE("a cancelled job result ends without a result but keeps its partial snapshot") {
    JobResult<int> job;
    Gate gate;
    job.start("spin", [&](JobControl& control, const JobResult<int>::Publisher& publisher) {
      publisher.publish(7);
      gate.reached = true;
      while (!control.stop_requested()) std::this_thread::sleep_for(1ms);
      return 8;  // returned normally, but after the stop request: not a result
    });
    REQUIRE(eventually([&] { return gate.reached.load(); }));
    CHECK(job.running());
    job.cancel();
    job.wait();
    const auto end = job.take();
    REQUIRE(end.has_value());
    CHECK(end->state == JobState::kCancelled);
    CHECK(end->result == nullptr);
    CHECK(end->error.empty());
    REQUIRE(job.latest() != nullptr);
    CHECK(*job.latest() == 7);
    CHECK_FALSE(job.take());
  }

  TEST_CASE("a failed job result reports its message once and no result") {
    JobResult<int> job;
    job.start("bad", [](JobControl&, const JobResult<int>::Publisher& publisher) -> int {
      publisher.publish(1);
      throw std::runtime_error("cannot read dissection d/layer/dissection.json: unexpected end");
    });
    job.wait();
    CHECK(job.state() == JobState::kFailed);
    CHECK(job.error() == "cannot read dissection d/layer/dissection.json: unexpected end");
    const auto end = job.take();
    REQUIRE(end.has_value());
    CHECK(end->state == JobState::kFailed);
    CHECK(end->result == nullptr);
    CHECK(end->error == "cannot read dissection d/layer/dissection.json: unexpected end");
    REQUIRE(job.latest() != nullptr);
    CHECK(*job.latest() == 1);  // what it showed before it failed stays
    CHECK_FALSE(job.take());
  }

  TEST_CASE("a job result's destructor joins a job that is still publishing") {
    std::atomic<int> published{0};
    {
      JobResult<std::vector<int>> job;
      job.start("busy", [&](JobControl& control, const JobResult<std::vector<int>>::Publisher& publisher) {
        std::vector<int> so_far;
        while (!control.stop_requested()) {
          so_far.push_back(int(so_far.size()));
          publisher.publish(so_far);
          ++published;
          std::this_thread::sleep_for(1ms);
        }
        return so_far;
      });
      REQUIRE(eventually([&] { return published.load() > 10; }));
    }
    CHECK(published > 10);
  }
}
