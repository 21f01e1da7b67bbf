#include "render/recording.h"

#include <cassert>

namespace unitscope::render {

std::size_t rgba_frame_bytes(const std::string& what, int width, int height) {
  if (width <= 0 || height <= 0) {
    throw RecordError(what + ": frame size " + std::to_string(width) + "x" +
                      std::to_string(height) + " is invalid (both sides must be at least 1)");
  }
  // 16384 is the largest image side Vulkan implementations are required to be able to read back.
  constexpr int kMaxSide = 16384;
  if (width > kMaxSide || height > kMaxSide) {
    throw RecordError(what + ": frame size " + std::to_string(width) + "x" +
                      std::to_string(height) + " is too large (at most " +
                      std::to_string(kMaxSide) + " per side)");
  }
  return std::size_t(width) * std::size_t(height) * 4;
}

void check_frame_size(const std::string& what, std::int64_t index, std::size_t bytes, int width,
                      int height) {
  const std::size_t expected = std::size_t(width) * std::size_t(height) * 4;
  if (bytes != expected) {
    throw RecordError(what + ": frame " + std::to_string(index) + " has " + std::to_string(bytes) +
                      " bytes, expected " + std::to_string(width) + "x" + std::to_string(height) +
                      "x4 = " + std::to_string(expected) + " (tightly packed RGBA8)");
  }
}

RecordWorker::RecordWorker(std::size_t capacity, Consume consume)
    : capacity_(capacity), consume_(std::move(consume)) {
  assert(capacity_ > 0 && consume_);
  thread_ = std::thread([this] { run(); });
}

RecordWorker::~RecordWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RecordWorker::rethrow_if_failed_locked() const {
  if (error_) std::rethrow_exception(error_);
}

void RecordWorker::push(std::span<const std::uint8_t> frame) {
  std::vector<std::uint8_t> buffer;
  {
    std::unique_lock lock(mutex_);
    rethrow_if_failed_locked();
    assert(!stopping_ && "push() after finish()");
    space_ready_.wait(lock, [this] { return queue_.size() < capacity_ || error_; });
    rethrow_if_failed_locked();
    if (!free_buffers_.empty()) {
      buffer = std::move(free_buffers_.back());
      free_buffers_.pop_back();
    }
  }
  // Copy outside the lock so the consumer never waits on a multi-megabyte memcpy.
  buffer.assign(frame.begin(), frame.end());
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(buffer));
  }
  ++pushed_;
  work_ready_.notify_one();
}

void RecordWorker::finish() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  rethrow_if_failed_locked();
}

std::int64_t RecordWorker::frames_consumed() const {
  std::lock_guard lock(mutex_);
  return consumed_;
}

void RecordWorker::run() {
  for (;;) {
    std::vector<std::uint8_t> frame;
    std::int64_t index = 0;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      frame = std::move(queue_.front());
      queue_.pop_front();
      index = consumed_;
    }
    try {
      consume_(frame, index);
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
      queue_.clear();
      space_ready_.notify_all();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      ++consumed_;
      if (free_buffers_.size() < capacity_) free_buffers_.push_back(std::move(frame));
    }
    space_ready_.notify_one();
  }
}

}  // namespace unitscope::render
