#include "engine/cli/class_data_options.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>

#include "analysis/data/error.h"
#include "engine/studio/demo_assets.h"

namespace unitscope::engine {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint_stop(int) {
  g_interrupted = true;
  // A second Ctrl-C ends the process at once.
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace

std::string ClassDataOptions::dataset_or_demo() const {
  return dataset.empty() ? demo_dataset().string() : dataset;
}

void add_class_data_options(CLI::App& command, ClassDataOptions& options, const std::string& limit_help) {
  add_model_options(command, options.model, demo_model("classifier.pt"));
  command.add_option("--dataset", options.dataset,
                     "Broden-format directory (image-level labels of --label-category) or ImageFolder "
                     "(DIR/<class>/*.png, or DIR/train/<class> and DIR/val/<class>); default: the demo "
                     "SceneWorld dataset");
  command.add_option("--label-category", options.label_category, "Broden category holding the class labels")
      ->capture_default_str();
  command.add_option("--limit", options.limit, limit_help);
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

void run_interruptible(const std::string& command, const std::function<void(std::stop_token)>& job,
                       const std::function<void()>& poll) {
  std::stop_source stop;
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_sigint_stop);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    for (int tick = 1; !finished; ++tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (g_interrupted && !stop.stop_requested()) {
        std::fprintf(stderr, "%s: stopping (Ctrl-C again to quit at once)\n", command.c_str());
        stop.request_stop();
      }
      if (tick % 4 == 0) poll();
    }
  });
  std::exception_ptr failure;
  try {
    job(stop.get_token());
  } catch (...) {
    failure = std::current_exception();
  }
  finished = true;
  watcher.join();
  std::signal(SIGINT, previous);
  if (failure && stop.stop_requested()) {
    throw analysis::Error(command + ": interrupted by Ctrl-C; no results were written");
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace unitscope::engine
