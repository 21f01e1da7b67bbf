#include "engine/cli/command_runner.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>

#include "analysis/data/error.h"

namespace unitscope::engine {
namespace {

// The only state a signal handler may touch: set by SIGINT, read by the watcher thread.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need lock-free atomics");

extern "C" void on_sigint(int) {
  g_interrupted = true;
  // A second Ctrl-C ends the process at once.
  std::signal(SIGINT, SIG_DFL);
}

constexpr auto kTick = std::chrono::milliseconds(50);  // how soon Ctrl-C becomes a stop request
constexpr int kTicksPerPoll = 4;                       // progress about five times a second

}  // namespace

void run_command(const std::string& command, OnInterrupt on_interrupt,
                 const std::function<void(std::stop_token)>& body, const ProgressHooks& progress) {
  std::stop_source stop;
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_sigint);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    for (int tick = 1; !finished; ++tick) {
      std::this_thread::sleep_for(kTick);
      if (g_interrupted && !stop.stop_requested()) {
        if (on_interrupt == OnInterrupt::kWritesNothing) {
          std::fprintf(stderr, "%s: stopping (Ctrl-C again to quit at once)\n", command.c_str());
        }
        stop.request_stop();
      }
      if (tick % kTicksPerPoll == 0 && progress.poll) progress.poll();
    }
    if (progress.finish) progress.finish();
  });
  std::exception_ptr failure;
  try {
    body(stop.get_token());
  } catch (...) {
    failure = std::current_exception();
  }
  finished = true;
  watcher.join();
  std::signal(SIGINT, previous);
  if (failure && stop.stop_requested() && on_interrupt == OnInterrupt::kWritesNothing) {
    throw analysis::Error(command + ": interrupted by Ctrl-C; no results were written");
  }
  if (failure) std::rethrow_exception(failure);
}

void ProgressLines::update(int phase, const char* phase_name, std::size_t done, std::size_t total) {
  if (phase != phase_) {
    phase_ = phase;
    tenth_ = 0;
    if (phase_name) std::fprintf(stderr, "%s: %s\n", command_.c_str(), phase_name);
  }
  if (total > 0 && done * 10 / total > tenth_) {
    tenth_ = done * 10 / total;
    std::fprintf(stderr, "%s:   %zu/%zu images\n", command_.c_str(), done, total);
  }
}

}  // namespace unitscope::engine
