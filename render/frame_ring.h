// A fixed-size ring of the most recent RGBA8 frames, so "save the last N seconds" can be done at
// any time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <string>

#include "render/video_recorder.h"

namespace unitscope::render {

// Memory is capacity*width*height*4 bytes, reserved at construction and touched only as frames
// arrive (10 s of 1280x720 at 30 fps is 1.1 GB). When full, push() overwrites the oldest frame.
// Not synchronised: one thread pushes and saves. To save without stalling that thread, move the
// ring into a job and start a fresh one.
class FrameRing {
 public:
  static constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

  FrameRing(int width, int height, std::size_t capacity);
  // Frames needed to hold `seconds` at `fps` (rounded up, at least 1).
  static std::size_t capacity_for(int fps, double seconds);

  // Copies the frame in; throws RecordError for a frame of the wrong size.
  void push(std::span<const std::uint8_t> rgba);
  void clear();

  int width() const { return width_; }
  int height() const { return height_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  std::size_t frame_bytes() const { return frame_bytes_; }
  // Frames pushed since construction or clear(), including those already overwritten.
  std::int64_t total_pushed() const { return total_pushed_; }

  // i = 0 is the oldest frame held, size()-1 the newest.
  std::span<const std::uint8_t> frame(std::size_t i) const;
  // The push number (0-based, since construction or clear()) of frame(i).
  std::int64_t frame_number(std::size_t i) const;

  // Encode the newest `count` frames (all by default), oldest first. `options.width/height` may be
  // 0 (taken from the ring) or must match it. Throw RecordError for an empty ring or a bad path.
  void save_mp4(const std::filesystem::path& path, VideoOptions options,
                std::size_t count = kAll) const;
  // Writes <dir>/<prefix>000000.png onwards, numbered from 0, creating dir if needed.
  void save_png_sequence(const std::filesystem::path& dir, const std::string& prefix = "frame_",
                         std::size_t count = kAll) const;

 private:
  std::size_t first_of_newest(std::size_t count, const std::string& what) const;

  int width_;
  int height_;
  std::size_t capacity_;
  std::size_t frame_bytes_;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t oldest_ = 0;  // slot of frame(0)
  std::size_t size_ = 0;
  std::int64_t total_pushed_ = 0;
};

}  // namespace unitscope::render
