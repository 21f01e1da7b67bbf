#include "tools/train/train_run.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "analysis/data/error.h"

namespace unitscope::tools {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

using nlohmann::json;
namespace fs = std::filesystem;

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

std::string clock_text(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buffer;
}

}  // namespace

void stop_on_interrupt() { std::signal(SIGINT, on_interrupt); }

TrainRun::TrainRun(TrainOptions options, Checkpointed state)
    : options_(std::move(options)), state_(std::move(state)), tty_(isatty(fileno(stderr)) != 0) {
  fs::create_directories(options_.work);
  if (options_.out.has_parent_path()) fs::create_directories(options_.out.parent_path());
  const fs::path meta = options_.work / "checkpoint.json";
  if (fs::exists(meta)) {
    std::ifstream in(meta);
    json j;
    try {
      in >> j;
    } catch (const json::exception& e) {
      throw analysis::Error("cannot read checkpoint " + meta.string() + ": " + e.what());
    }
    if (j.value("seed", std::uint64_t(0)) != options_.seed || j.value("batch", 0) != options_.batch) {
      throw analysis::Error("checkpoint " + meta.string() +
                            " was made with another --seed or --batch; remove " +
                            options_.work.string() + " to start afresh");
    }
    start_step_ = j.at("next_step").get<std::int64_t>();
    earlier_seconds_ = j.value("seconds", 0.0);
    try {
      for (auto& [name, module] : state_.modules) {
        torch::serialize::InputArchive archive;
        archive.load_from((options_.work / (name + ".pt")).string());
        module->load(archive);
      }
      for (auto& [name, optimizer] : state_.optimizers) {
        torch::serialize::InputArchive archive;
        archive.load_from((options_.work / (name + ".pt")).string());
        optimizer->load(archive);
      }
    } catch (const c10::Error& e) {
      throw analysis::Error("cannot resume from " + options_.work.string() + ": " +
                            e.what_without_backtrace());
    }
  }
  log_.open(options_.work / "train.log", std::ios::app);
  started_ = std::chrono::steady_clock::now();
  log((start_step_ ? "resumed at step " + std::to_string(start_step_) : std::string("started")) +
      ": " + options_.command);
}

double TrainRun::seconds() const {
  return earlier_seconds_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void TrainRun::log(const std::string& line) {
  log_ << now_utc() << ' ' << line << '\n';
  log_.flush();
  if (!tty_) std::fprintf(stderr, "%s\n", line.c_str());
}

void TrainRun::save_checkpoint(std::int64_t next_step) {
  // Write everything under temporary names, then rename: a kill mid-save keeps the old checkpoint.
  std::vector<std::pair<fs::path, fs::path>> moves;
  for (auto& [name, module] : state_.modules) {
    torch::serialize::OutputArchive archive;
    module->save(archive);
    const fs::path path = options_.work / (name + ".pt");
    archive.save_to(path.string() + ".tmp");
    moves.emplace_back(path.string() + ".tmp", path);
  }
  for (auto& [name, optimizer] : state_.optimizers) {
    torch::serialize::OutputArchive archive;
    optimizer->save(archive);
    const fs::path path = options_.work / (name + ".pt");
    archive.save_to(path.string() + ".tmp");
    moves.emplace_back(path.string() + ".tmp", path);
  }
  const fs::path meta = options_.work / "checkpoint.json";
  {
    std::ofstream out(meta.string() + ".tmp");
    out << json{{"next_step", next_step},
                {"seed", options_.seed},
                {"batch", options_.batch},
                {"seconds", seconds()}}
               .dump(2);
  }
  // The metadata goes last: it names a step only once every file of that step is in place.
  for (auto& [from, to] : moves) fs::rename(from, to);
  fs::rename(meta.string() + ".tmp", meta);
}

void TrainRun::step_done(std::int64_t step, const std::string& metrics, int log_every) {
  const std::int64_t done = step + 1;
  const double elapsed = seconds() - earlier_seconds_;
  const double rate = double(done - start_step_) / std::max(elapsed, 1e-9);
  const double eta = double(options_.steps - done) / std::max(rate, 1e-9);
  if (tty_) {
    const int width = 30;
    const int filled = int(double(width) * double(done) / double(std::max<std::int64_t>(options_.steps, 1)));
    std::string bar(std::size_t(filled), '#');
    bar.resize(std::size_t(width), '.');
    std::fprintf(stderr, "\r[%s] %lld/%lld %s %.2f it/s eta %s   ", bar.c_str(), (long long)done,
                 (long long)options_.steps, metrics.c_str(), rate, clock_text(eta).c_str());
    if (done == options_.steps) std::fputc('\n', stderr);
  }
  if (done % log_every == 0 || done == options_.steps) {
    log("step " + std::to_string(done) + "/" + std::to_string(options_.steps) + " " + metrics +
        " elapsed " + clock_text(seconds()));
  }
  const bool stop = g_interrupted || (options_.stop_after > 0 && done == options_.stop_after);
  if (done % options_.checkpoint_every == 0 || done == options_.steps || stop) save_checkpoint(done);
  if (stop && done < options_.steps) {
    if (tty_) std::fputc('\n', stderr);
    log("stopped after step " + std::to_string(done) + "; run the same command again to resume");
    throw TrainingStopped{done};
  }
}

void TrainRun::finish(const std::string& metrics_json) {
  json record{{"command", options_.command},
              {"seed", options_.seed},
              {"steps", options_.steps},
              {"batch", options_.batch},
              {"threads", options_.threads},
              {"seconds", std::round(seconds())},
              {"duration", clock_text(seconds())},
              {"finished", now_utc()},
              {"held_out_metrics", json::parse(metrics_json)}};
  const fs::path path = options_.out.string() + ".train.json";
  std::ofstream out(path);
  out << record.dump(2) << '\n';
  if (!out) throw analysis::Error("cannot write " + path.string());
  log("finished in " + clock_text(seconds()) + "; record in " + path.string());
}

double cosine_lr(double lr, std::int64_t step, std::int64_t steps, std::int64_t warmup) {
  if (step < warmup) return lr * double(step + 1) / double(warmup);
  const double t = double(step - warmup) / double(std::max<std::int64_t>(steps - warmup, 1));
  return lr * 0.5 * (1.0 + std::cos(3.14159265358979 * std::min(t, 1.0)));
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    if (auto* adam = dynamic_cast<torch::optim::AdamOptions*>(&group.options())) adam->lr(lr);
    if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(&group.options())) adamw->lr(lr);
  }
}

}  // namespace unitscope::tools
