// What every demo trainer shares: checkpoints to resume from, a progress bar, a log, and the run
// record written next to the weights.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace unitscope::tools {

struct TrainOptions {
  std::filesystem::path out;   // the weights; the run record goes to <out>.train.json
  std::filesystem::path work;  // checkpoints and the log
  std::int64_t steps = 0;
  int batch = 64;
  std::uint64_t seed = 1;
  int threads = 0;
  int checkpoint_every = 100;
  std::int64_t stop_after = 0;  // tests: checkpoint and stop after this many steps, as Ctrl-C does
  std::size_t eval_images = 1000;
  std::string command;         // the command line, for the record
};

// Named modules and optimizers saved together in one checkpoint.
struct Checkpointed {
  std::vector<std::pair<std::string, torch::nn::Module*>> modules;
  std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers;
};

// Thrown by step_done once a checkpoint is written after Ctrl-C (or stop_after): run again to resume.
struct TrainingStopped {
  std::int64_t steps = 0;
};

// Makes Ctrl-C stop a run at the end of its current step, with a checkpoint.
void stop_on_interrupt();

class TrainRun {
 public:
  TrainRun(TrainOptions options, Checkpointed state);
  const TrainOptions& options() const { return options_; }
  // The first step still to run: 0, or where the last checkpoint in `work` left off.
  std::int64_t start_step() const { return start_step_; }

  // Called after each step: progress bar, log line every `log_every` steps, checkpoint. Throws
  // TrainingStopped after checkpointing when a stop was asked for.
  void step_done(std::int64_t step, const std::string& metrics, int log_every = 10);
  void log(const std::string& line);
  // Writes the run record (metrics_json is a JSON object) beside the weights.
  void finish(const std::string& metrics_json);

  // Seconds of training over all resumed runs so far.
  double seconds() const;

 private:
  void save_checkpoint(std::int64_t next_step);

  TrainOptions options_;
  Checkpointed state_;
  std::int64_t start_step_ = 0;
  double earlier_seconds_ = 0.0;
  std::chrono::steady_clock::time_point started_;
  std::ofstream log_;
  bool tty_ = false;
};

// Cosine decay from `lr` to 0 over `steps`, after a linear warm-up of `warmup` steps.
double cosine_lr(double lr, std::int64_t step, std::int64_t steps, std::int64_t warmup);
void set_lr(torch::optim::Optimizer& optimizer, double lr);

}  // namespace unitscope::tools
