// Runs a long command-line job: progress on stderr, and Ctrl-C cancels it through a stop token.
#pragma once

#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <utility>

namespace unitscope::engine {

// What a run stopped by Ctrl-C leaves behind, which decides what the runner says about it.
enum class OnInterrupt {
  // Nothing is written (ablate, attack): the runner prints "<command>: stopping ..." when the
  // first Ctrl-C arrives, and turns whatever the stopped body throws into
  // analysis::Error("<command>: interrupted by Ctrl-C; no results were written").
  kWritesNothing,
  // The body resumes next time (dissect): it throws its own error saying so, which passes through.
  kResumes,
};

// How the runner shows progress; both are optional and called from the runner's watcher thread.
struct ProgressHooks {
  std::function<void()> poll;    // about five times a second while the body runs
  std::function<void()> finish;  // once, after the body returned or threw
};

// Runs body(stop) on this thread. The first Ctrl-C requests the stop, a second one ends the
// process at once; SIGINT's previous handler is back when this returns. Exceptions from the body
// pass through, except as kWritesNothing says. `command` names the command in the messages.
void run_command(const std::string& command, OnInterrupt on_interrupt,
                 const std::function<void(std::stop_token)>& body,
                 const ProgressHooks& progress = {});

// Prints "<command>: <phase>" on stderr when the phase changes and a line per tenth of each
// phase's images. Not thread-safe: meant for ProgressHooks::poll, which one thread calls.
class ProgressLines {
 public:
  explicit ProgressLines(std::string command) : command_(std::move(command)) {}
  // `phase_name` null: no line for this phase's start.
  void update(int phase, const char* phase_name, std::size_t done, std::size_t total);

 private:
  std::string command_;
  int phase_ = -1;
  std::size_t tenth_ = 0;
};

}  // namespace unitscope::engine
