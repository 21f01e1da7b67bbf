#include "engine/studio/inference_worker.h"

#include "engine/jobs/thread_priority.h"

#include <exception>
#include <utility>

#include "engine/jobs/job.h"

namespace unitscope::engine {

namespace {
// Inference gives way to the UI thread, so the frame rate holds while a model runs.
constexpr int kInferenceNice = 5;
}  // namespace


// Everything the UI and the worker share, under one mutex. `session` is the worker's alone.
struct InferenceWorker::State {
  mutable std::mutex mutex;
  std::condition_variable wake;  // the worker: new work or stop
  std::condition_variable idle;  // wait_idle(): nothing left to do
  bool stopping = false;
  bool working = false;  // the worker has taken an item and not finished it

  std::uint64_t next_model = 0;
  std::uint64_t next_request = 0;
  std::optional<std::pair<std::uint64_t, analysis::LiveOptions>> pending_open;
  std::optional<std::string> pending_layer;
  std::optional<std::pair<std::uint64_t, analysis::LiveRequest>> pending_request;

  std::optional<InferenceOutput> latest;
  std::shared_ptr<const analysis::LiveModelInfo> info;
  std::uint64_t model_generation = 0;
  std::uint64_t opens_done = 0;
  std::string model_error;
  std::string layer;

  std::unique_ptr<analysis::LiveSession> session;

  bool has_work() const { return pending_open || pending_layer || pending_request; }
};

InferenceWorker::InferenceWorker()
    : state_(std::make_unique<State>()), thread_([this] { loop(); }) {}

InferenceWorker::~InferenceWorker() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  thread_.join();
}

std::uint64_t InferenceWorker::open(const analysis::LiveOptions& options) {
  std::uint64_t number;
  {
    std::lock_guard lock(state_->mutex);
    number = ++state_->next_model;
    state_->pending_open.emplace(number, options);
    // The new model's layer comes from its options, not from an earlier set_layer().
    state_->pending_layer.reset();
  }
  state_->wake.notify_one();
  return number;
}

void InferenceWorker::set_layer(const std::string& layer) {
  {
    std::lock_guard lock(state_->mutex);
    state_->pending_layer = layer;
  }
  state_->wake.notify_one();
}

std::uint64_t InferenceWorker::submit(analysis::LiveRequest request) {
  std::uint64_t number;
  {
    std::lock_guard lock(state_->mutex);
    number = ++state_->next_request;
    state_->pending_request.emplace(number, std::move(request));  // replaces a waiting one
  }
  state_->wake.notify_one();
  return number;
}

std::optional<InferenceOutput> InferenceWorker::latest() const {
  std::lock_guard lock(state_->mutex);
  return state_->latest;
}

std::shared_ptr<const analysis::LiveModelInfo> InferenceWorker::info() const {
  std::lock_guard lock(state_->mutex);
  return state_->info;
}

std::uint64_t InferenceWorker::model_generation() const {
  std::lock_guard lock(state_->mutex);
  return state_->model_generation;
}

std::string InferenceWorker::model_error() const {
  std::lock_guard lock(state_->mutex);
  return state_->model_error;
}

std::uint64_t InferenceWorker::opens_done() const {
  std::lock_guard lock(state_->mutex);
  return state_->opens_done;
}

std::string InferenceWorker::layer() const {
  std::lock_guard lock(state_->mutex);
  return state_->layer;
}

bool InferenceWorker::busy() const {
  std::lock_guard lock(state_->mutex);
  return state_->working || state_->has_work();
}

void InferenceWorker::wait_idle() {
  std::unique_lock lock(state_->mutex);
  state_->idle.wait(lock, [&] { return !state_->working && !state_->has_work(); });
}

void InferenceWorker::loop() {
  lower_thread_priority(kInferenceNice);
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  while (true) {
    s.wake.wait(lock, [&] { return s.stopping || s.has_work(); });
    if (s.stopping) break;
    s.working = true;
    // Work runs unlocked, in the order open, layer, request, so a request submitted after
    // open() runs on the new model.
    if (auto open = std::exchange(s.pending_open, std::nullopt)) {
      lock.unlock();
      std::unique_ptr<analysis::LiveSession> session;
      std::string error;
      try {
        session = std::make_unique<analysis::LiveSession>(open->second);
      } catch (const std::exception& e) {
        error = job_error_message(e);
      } catch (...) {
        error = "cannot open model " + open->second.model.source + ": unknown error";
      }
      std::shared_ptr<const analysis::LiveModelInfo> info;
      std::string layer;
      if (session) {
        info = std::make_shared<const analysis::LiveModelInfo>(session->info());
        layer = session->layer();
      }
      // The old session is destroyed outside the lock too.
      if (session) std::swap(s.session, session);
      session.reset();
      lock.lock();
      if (info) {
        s.info = std::move(info);
        s.layer = std::move(layer);
        s.model_generation = open->first;
        s.model_error.clear();
      } else {
        s.model_error = error.empty() ? "cannot open model " + open->second.model.source : error;
      }
      s.opens_done = open->first;
    } else if (auto layer = std::exchange(s.pending_layer, std::nullopt)) {
      analysis::LiveSession* session = s.session.get();
      lock.unlock();
      std::string error;
      std::string now;
      if (!session) {
        error = "no model is open to set layer " + *layer + " on";
      } else {
        try {
          session->set_layer(*layer);
          now = session->layer();
        } catch (const std::exception& e) {
          error = job_error_message(e);
        }
      }
      lock.lock();
      if (error.empty()) {
        s.layer = std::move(now);
        s.model_error.clear();
      } else {
        s.model_error = std::move(error);
      }
    } else if (auto request = std::exchange(s.pending_request, std::nullopt)) {
      analysis::LiveSession* session = s.session.get();
      const std::string why_none = s.model_error;
      lock.unlock();
      InferenceOutput out;
      out.request = request->first;
      if (!session) {
        out.error = why_none.empty() ? "no model is open" : "no model is open: " + why_none;
      } else {
        try {
          out.frame = std::make_shared<const analysis::LiveFrame>(session->run(request->second));
        } catch (const std::exception& e) {
          out.error = job_error_message(e);
        } catch (...) {
          out.error = "inference failed: unknown error";
        }
      }
      lock.lock();
      s.latest = std::move(out);
    }
    s.working = false;
    if (!s.has_work()) s.idle.notify_all();
  }
  s.working = false;
  s.idle.notify_all();
}

}  // namespace unitscope::engine
