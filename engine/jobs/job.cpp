#include "engine/jobs/job.h"

#include "engine/jobs/thread_priority.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace unitscope::engine {


void JobControl::set_status(std::string text) {
  std::lock_guard lock(mutex_);
  status_ = std::move(text);
}

std::string JobControl::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

// The thread refers to its Run by plain pointer: the slot keeps every Run alive (current or
// retired) until it has joined the thread, so a Run is never destroyed on its own thread.
struct JobSlot::Run {
  Run(std::string job_name, std::uint64_t gen)
      : name(std::move(job_name)), generation(gen), control(stop.get_token()) {}

  const std::string name;
  const std::uint64_t generation;
  std::stop_source stop;
  JobControl control;
  std::atomic<JobState> state{JobState::kRunning};
  mutable std::mutex mutex;
  std::string error;
  std::jthread thread;  // touched only by the slot's owner
};

namespace {

// Jobs (dissections, ablations, exemplars) run behind inference, which runs behind the UI.
constexpr int kJobNice = 10;

std::atomic<int> g_jobs_running{0};

void finish(std::atomic<JobState>& state, JobState final_state) {
  state.store(final_state, std::memory_order_release);
  state.notify_all();
}

}  // namespace

JobSlot::~JobSlot() {
  std::vector<std::shared_ptr<Run>> runs = std::move(retired_);
  {
    std::lock_guard lock(mutex_);
    if (run_) runs.push_back(std::move(run_));
  }
  for (auto& run : runs) run->stop.request_stop();
  for (auto& run : runs) {
    if (run->thread.joinable()) run->thread.join();
  }
}

std::uint64_t JobSlot::start(std::string name, Body body) {
  reap_finished();
  const std::uint64_t gen = generation_.load() + 1;
  auto run = std::make_shared<Run>(std::move(name), gen);
  g_jobs_running.fetch_add(1, std::memory_order_relaxed);
  run->thread = std::jthread([r = run.get(), body = std::move(body)] {
    lower_thread_priority(kJobNice);
    std::string error;
    JobState final_state = JobState::kDone;
    try {
      body(r->control);
    } catch (const std::exception& e) {
      error = job_error_message(e);
      final_state = JobState::kFailed;
    } catch (...) {
      error = "unknown error (not a std::exception)";
      final_state = JobState::kFailed;
    }
    // A body that stops early, by returning or by throwing, was cancelled, not finished.
    if (r->control.stop_requested()) final_state = JobState::kCancelled;
    {
      std::lock_guard lock(r->mutex);
      r->error = std::move(error);
    }
    finish(r->state, final_state);
    g_jobs_running.fetch_sub(1, std::memory_order_relaxed);
  });
  std::shared_ptr<Run> previous;
  {
    std::lock_guard lock(mutex_);
    previous = std::exchange(run_, std::move(run));
    generation_.store(gen);
  }
  if (previous) {
    previous->stop.request_stop();
    retired_.push_back(std::move(previous));
  }
  return gen;
}

int jobs_running() { return g_jobs_running.load(std::memory_order_relaxed); }

void JobSlot::reap_finished() {
  // A run whose state has left kRunning has only its return left to do, so join() is immediate.
  std::erase_if(retired_, [](const std::shared_ptr<Run>& run) {
    if (run->state.load(std::memory_order_acquire) == JobState::kRunning) return false;
    if (run->thread.joinable()) run->thread.join();
    return true;
  });
}

void JobSlot::cancel() {
  if (auto run = current()) run->stop.request_stop();
}

void JobSlot::wait() {
  auto run = current();
  if (!run) return;
  while (run->state.load(std::memory_order_acquire) == JobState::kRunning) {
    run->state.wait(JobState::kRunning, std::memory_order_acquire);
  }
}

std::shared_ptr<JobSlot::Run> JobSlot::current() const {
  std::lock_guard lock(mutex_);
  return run_;
}

JobState JobSlot::state() const {
  auto run = current();
  return run ? run->state.load(std::memory_order_acquire) : JobState::kIdle;
}

double JobSlot::progress() const {
  auto run = current();
  return run ? run->control.progress() : 0.0;
}

std::string JobSlot::name() const {
  auto run = current();
  return run ? run->name : std::string();
}

std::string JobSlot::status() const {
  auto run = current();
  return run ? run->control.status() : std::string();
}

std::string JobSlot::error() const {
  auto run = current();
  if (!run || run->state.load(std::memory_order_acquire) != JobState::kFailed) return {};
  std::lock_guard lock(run->mutex);
  return run->error;
}

const char* to_string(JobState state) {
  switch (state) {
    case JobState::kIdle:
      return "idle";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string job_error_message(const std::exception& e) {
  std::string message = e.what();
  // c10::Error::what() is the reason, then "\nException raised from <function> at <file>..."
  // and a stack trace.
  if (auto cut = message.find("\nException raised from "); cut != std::string::npos) {
    message.erase(cut);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message.empty() ? "unknown error (empty message)" : message;
}

bool JobSlot::take_done(std::uint64_t& handled) const {
  const std::uint64_t gen = generation();
  if (gen == 0 || gen == handled || state() != JobState::kDone) return false;
  handled = gen;
  return true;
}

int job_threads() { return std::max(1, int(std::thread::hardware_concurrency()) - 1); }

}  // namespace unitscope::engine
