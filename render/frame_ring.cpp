#include "render/frame_ring.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <new>

#include "render/png_sequence.h"

namespace unitscope::render {

FrameRing::FrameRing(int width, int height, std::size_t capacity)
    : width_(width),
      height_(height),
      capacity_(capacity),
      frame_bytes_(rgba_frame_bytes("frame ring", width, height)) {
  if (capacity_ == 0) throw RecordError("frame ring: capacity must be at least 1 frame");
  if (capacity_ > std::numeric_limits<std::size_t>::max() / frame_bytes_) {
    throw RecordError("frame ring: " + std::to_string(capacity_) + " frames of " +
                      std::to_string(width) + "x" + std::to_string(height) +
                      " do not fit in memory");
  }
  // Default-initialised on purpose: pages are only committed as frames are written.
  storage_.reset(new (std::nothrow) std::uint8_t[capacity_ * frame_bytes_]);
  if (!storage_) {
    throw RecordError("frame ring: cannot reserve " +
                      std::to_string(capacity_ * frame_bytes_ / (1024 * 1024)) + " MiB for " +
                      std::to_string(capacity_) + " frames");
  }
}

std::size_t FrameRing::capacity_for(int fps, double seconds) {
  if (fps < 1 || !(seconds > 0) || !std::isfinite(seconds)) {
    throw RecordError("frame ring: " + std::to_string(seconds) + " s at " + std::to_string(fps) +
                      " fps is not a valid duration");
  }
  return std::max<std::size_t>(1, std::size_t(std::ceil(seconds * fps - 1e-9)));
}

void FrameRing::push(std::span<const std::uint8_t> rgba) {
  check_frame_size("frame ring", total_pushed_, rgba.size(), width_, height_);
  std::size_t slot = 0;
  if (size_ < capacity_) {
    slot = (oldest_ + size_) % capacity_;
    ++size_;
  } else {
    slot = oldest_;  // drop the oldest
    oldest_ = (oldest_ + 1) % capacity_;
  }
  std::memcpy(storage_.get() + slot * frame_bytes_, rgba.data(), frame_bytes_);
  ++total_pushed_;
}

void FrameRing::clear() {
  oldest_ = 0;
  size_ = 0;
  total_pushed_ = 0;
}

std::span<const std::uint8_t> FrameRing::frame(std::size_t i) const {
  assert(i < size_);
  const std::size_t slot = (oldest_ + i) % capacity_;
  return {storage_.get() + slot * frame_bytes_, frame_bytes_};
}

std::int64_t FrameRing::frame_number(std::size_t i) const {
  assert(i < size_);
  return total_pushed_ - std::int64_t(size_) + std::int64_t(i);
}

std::size_t FrameRing::first_of_newest(std::size_t count, const std::string& what) const {
  if (size_ == 0) throw RecordError(what + ": the frame ring is empty, nothing to save");
  if (count == 0) throw RecordError(what + ": asked to save 0 frames");
  return count >= size_ ? 0 : size_ - count;
}

void FrameRing::save_mp4(const std::filesystem::path& path, VideoOptions options,
                         std::size_t count) const {
  const std::string what = "video '" + path.string() + "'";
  const std::size_t first = first_of_newest(count, what);
  if (options.width == 0 && options.height == 0) {
    options.width = width_;
    options.height = height_;
  } else if (options.width != width_ || options.height != height_) {
    throw RecordError(what + ": options ask for " + std::to_string(options.width) + "x" +
                      std::to_string(options.height) + " but the ring holds " +
                      std::to_string(width_) + "x" + std::to_string(height_) + " frames");
  }
  Mp4Writer writer(path, options);
  for (std::size_t i = first; i < size_; ++i) writer.write(frame(i));
  writer.finish();
}

void FrameRing::save_png_sequence(const std::filesystem::path& dir, const std::string& prefix,
                                  std::size_t count) const {
  const std::string what = "PNG sequence '" + dir.string() + "'";
  const std::size_t first = first_of_newest(count, what);
  PngSequenceOptions options;
  options.width = width_;
  options.height = height_;
  options.prefix = prefix;
  PngSequenceRecorder recorder(dir, options);  // overlaps PNG encoding with the copy-in
  for (std::size_t i = first; i < size_; ++i) recorder.push(frame(i));
  recorder.finish();
}

}  // namespace unitscope::render
