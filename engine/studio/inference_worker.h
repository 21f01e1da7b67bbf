// InferenceWorker: the studio's one inference thread. The UI posts the latest request and reads
// the latest finished frame; it never waits for the model.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "analysis/model/live_session.h"

namespace unitscope::engine {

struct InferenceOutput {
  std::uint64_t request = 0;  // the number submit() returned for the request this answers
  std::shared_ptr<const analysis::LiveFrame> frame;  // null when the request failed
  std::string error;          // the failure message, naming the model, layer or value
};

// Owns the LiveSession on its own thread. A newer request replaces one still waiting (latest wins),
// so a slow model drops frames instead of queueing them. open() replaces the model; its errors
// come back through model_error() and the previous model keeps running.
class InferenceWorker {
 public:
  InferenceWorker();
  ~InferenceWorker();  // stops the thread; a forward in progress finishes first
  InferenceWorker(const InferenceWorker&) = delete;
  InferenceWorker& operator=(const InferenceWorker&) = delete;

  // Opens a model (on the worker thread). Returns its number; info() changes once it is open.
  std::uint64_t open(const analysis::LiveOptions& options);
  // Changes the layer of the open model for the following requests. A bad layer goes to
  // model_error() and the previous layer stays.
  void set_layer(const std::string& layer);
  std::uint64_t submit(analysis::LiveRequest request);

  // The newest output (of any request so far), or nullopt before the first.
  std::optional<InferenceOutput> latest() const;
  // The open model's description, or null while none is open.
  std::shared_ptr<const analysis::LiveModelInfo> info() const;
  std::uint64_t model_generation() const;  // the number of the model that info() describes
  std::string model_error() const;         // why the last open() or set_layer() failed, or ""
  std::uint64_t opens_done() const;         // the number of the newest open() that ended, opened or not
  std::string layer() const;               // the open model's current layer ("" while none)
  bool busy() const;                        // a model is opening or a request is running/waiting

  // Blocks until every open() and submit() so far is done (deterministic replays, tests).
  void wait_idle();

 private:
  struct State;
  void loop();

  std::unique_ptr<State> state_;
  std::thread thread_;  // last: starts after state_ exists
};

}  // namespace unitscope::engine
