// Shared pieces of frame recording: the error type, frame-size checks and the bounded encode queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace unitscope::render {

// Bad input or a failed write while recording; the message names the output path.
class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes in one tightly packed RGBA8 frame; throws RecordError naming `what` for sizes <= 0 or too
// big.
std::size_t rgba_frame_bytes(const std::string& what, int width, int height);
// Throws RecordError naming `what` and the frame index when `bytes` is not width*height*4.
void check_frame_size(const std::string& what, std::int64_t index, std::size_t bytes, int width,
                      int height);

// A consumer thread fed through a bounded queue. push() returns at once unless `capacity` frames
// are waiting, then blocks (back-pressure). The first exception thrown by `consume` is kept and
// rethrown by every later push() and by finish(), so it is never lost. Not copyable; one producer
// thread.
class RecordWorker {
 public:
  using Consume = std::function<void(std::span<const std::uint8_t> frame, std::int64_t index)>;

  RecordWorker(std::size_t capacity, Consume consume);
  ~RecordWorker();
  RecordWorker(const RecordWorker&) = delete;
  RecordWorker& operator=(const RecordWorker&) = delete;

  // Copies the frame into a pooled buffer; frame indices count from 0 in push order.
  void push(std::span<const std::uint8_t> frame);
  // Waits until every queued frame is consumed and stops the thread; rethrows a consumer error.
  // Later calls only rethrow that error.
  void finish();

  std::int64_t frames_pushed() const { return pushed_; }
  // Frames `consume` has returned from; safe from any thread.
  std::int64_t frames_consumed() const;

 private:
  void run();
  void rethrow_if_failed_locked() const;

  const std::size_t capacity_;
  Consume consume_;
  std::int64_t pushed_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable space_ready_;
  std::deque<std::vector<std::uint8_t>> queue_;
  std::vector<std::vector<std::uint8_t>> free_buffers_;
  std::int64_t consumed_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: started after every member above exists
};

}  // namespace unitscope::render
