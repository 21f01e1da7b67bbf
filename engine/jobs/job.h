// Background jobs for the studio: one thread each, with progress, a status line, cancellation, a
// generation number, and exceptions (LibTorch's included) kept for the panel to show.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace unitscope::engine {

enum class JobState { kIdle, kRunning, kDone, kFailed, kCancelled };

// What a job body sees. Thread-safe.
class JobControl {
 public:
  explicit JobControl(std::stop_token stop) : stop_(std::move(stop)) {}
  const std::stop_token& stop() const { return stop_; }
  bool stop_requested() const { return stop_.stop_requested(); }
  void set_progress(double fraction) { progress_.store(fraction); }  // 0..1
  void set_status(std::string text);

  double progress() const { return progress_.load(); }
  std::string status() const;

 private:
  std::stop_token stop_;
  std::atomic<double> progress_{0.0};
  mutable std::mutex mutex_;
  std::string status_;
};

// One job at a time per slot (a panel owns one). start() cancels and detaches from the previous
// job: its thread is joined in the background so draw() never waits, and whatever it still
// publishes carries an old generation, which the panel ignores. The destructor cancels and joins.
// start(), cancel(), wait() and destruction belong to the owning (UI) thread; the getters are
// safe from any thread.
class JobSlot {
 public:
  using Body = std::function<void(JobControl&)>;

  JobSlot() = default;
  ~JobSlot();
  JobSlot(const JobSlot&) = delete;
  JobSlot& operator=(const JobSlot&) = delete;

  // Returns the new job's generation (1, 2, ...). An exception escaping `body` puts the slot in
  // kFailed with its message; one thrown after stop was requested counts as kCancelled.
  std::uint64_t start(std::string name, Body body);
  void cancel();
  // Blocks until the current job ends (tests and headless replays only).
  void wait();

  std::uint64_t generation() const { return generation_.load(); }
  JobState state() const;
  bool running() const { return state() == JobState::kRunning; }
  double progress() const;
  std::string name() const;
  std::string status() const;
  std::string error() const;  // the failure message in kFailed
  // True once per finished job: when the current job is kDone and its generation is not
  // `handled` yet, sets `handled` to it. Panels use it to take a result on the UI thread.
  bool take_done(std::uint64_t& handled) const;

 private:
  struct Run;
  std::shared_ptr<Run> current() const;
  void reap_finished();  // joins retired runs whose bodies have returned (never waits on a body)

  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mutex_;
  std::shared_ptr<Run> run_;
  std::vector<std::shared_ptr<Run>> retired_;  // cancelled, possibly still running
};

// Jobs of every slot whose body has not returned yet: the frame loop keeps drawing (at a modest
// rate) while one runs, so its progress moves without input.
int jobs_running();

// LibTorch threads for a background job: every core but one, which the UI keeps.
int job_threads();

// Text for a state, e.g. in a panel's status line.
const char* to_string(JobState state);

// The message of an exception as a panel shows it: LibTorch's (c10::Error) without the C++
// backtrace it appends after the reason.
std::string job_error_message(const std::exception& e);

}  // namespace unitscope::engine
