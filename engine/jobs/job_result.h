// JobResult: a JobSlot whose job hands its result to the UI thread as std::shared_ptr<const T>:
// snapshots while it runs (partial results) and its return value when it ends, by generation.
#pragma once

#include <cassert>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "engine/jobs/job.h"

namespace unitscope::engine {

// How a job ended, as JobResult::take() reports it once.
template <class T>
struct JobEnd {
  JobState state = JobState::kIdle;  // kDone, kFailed or kCancelled
  std::shared_ptr<const T> result;   // the body's return value, only when kDone
  std::string error;                 // the failure message, only when kFailed
};

// The UI thread owns it: start(), cancel(), wait(), latest() and take() belong to that thread.
// The body publishes from its own thread; its mutex guards only a pointer swap, so the UI reads
// a snapshot without waiting on the job. Whatever a replaced (older) job still publishes is dropped.
template <class T>
class JobResult {
 public:
  using Ptr = std::shared_ptr<const T>;

  // Handed to the body: publishes snapshots as the job's generation. Thread-safe.
  class Publisher {
   public:
    void publish(Ptr snapshot) const { owner_->put(generation_, std::move(snapshot)); }
    void publish(T snapshot) const { publish(std::make_shared<const T>(std::move(snapshot))); }
    std::uint64_t generation() const { return generation_; }

   private:
    friend class JobResult;
    Publisher(JobResult* owner, std::uint64_t generation) : owner_(owner), generation_(generation) {}
    JobResult* owner_;
    std::uint64_t generation_;
  };

  // The body's return value is published last, as the final result, unless the job was cancelled.
  // An exception escaping it fails the job with its message (see JobSlot); the snapshots it
  // published stay visible either way.
  using Body = std::function<T(JobControl&, const Publisher&)>;

  JobResult() = default;
  JobResult(const JobResult&) = delete;
  JobResult& operator=(const JobResult&) = delete;

  // Cancels the previous job and forgets its snapshots; returns the new job's generation.
  std::uint64_t start(std::string name, Body body) {
    const std::uint64_t next = slot_.generation() + 1;
    Ptr old;
    {
      std::lock_guard lock(mutex_);
      generation_ = next;
      old = std::exchange(latest_, nullptr);
    }
    [[maybe_unused]] const std::uint64_t started =
        slot_.start(std::move(name), [this, next, body = std::move(body)](JobControl& job) {
          const Publisher publisher(this, next);
          Ptr result = std::make_shared<const T>(body(job, publisher));
          if (!job.stop_requested()) publisher.publish(std::move(result));
        });
    assert(started == next);
    return next;
  }
  void cancel() { slot_.cancel(); }
  // Blocks until the current job ends (tests and deterministic replays only).
  void wait() { slot_.wait(); }

  std::uint64_t generation() const { return slot_.generation(); }
  JobState state() const { return slot_.state(); }
  bool running() const { return slot_.running(); }
  double progress() const { return slot_.progress(); }
  std::string status() const { return slot_.status(); }
  std::string error() const { return slot_.error(); }
  // For the panels' progress and outcome widgets.
  JobSlot& slot() { return slot_; }
  const JobSlot& slot() const { return slot_; }

  // The current job's newest snapshot (its final result once it returned), or null.
  Ptr latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

  // Once per job, after it ended; nullopt while it runs, before the first start and once taken.
  std::optional<JobEnd<T>> take() {
    const std::uint64_t current = slot_.generation();
    const JobState state = slot_.state();
    if (current == 0 || current == taken_ || state == JobState::kRunning) return std::nullopt;
    taken_ = current;
    JobEnd<T> end;
    end.state = state;
    if (state == JobState::kDone) end.result = latest();
    if (state == JobState::kFailed) end.error = slot_.error();
    return end;
  }

 private:
  void put(std::uint64_t generation, Ptr snapshot) {
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;  // a replaced job's: `snapshot` dies after the unlock
    std::swap(latest_, snapshot);
  }

  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;  // the newest start()'s; put() drops every other
  Ptr latest_;
  std::uint64_t taken_ = 0;       // UI thread: the generation take() reported last
  JobSlot slot_;                  // last: its destructor joins every job before the rest goes
};

}  // namespace unitscope::engine
