// VideoReader: a video file decoded through FFmpeg frame by frame, with seeking, for the studio's
// video source (play, pause, step, scrub).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "analysis/data/image.h"

namespace unitscope::analysis {

struct VideoInfo {
  int width = 0, height = 0;
  double fps = 0.0;               // the stream's base frame rate, or its average if far off
  std::int64_t frames = 0;        // frame count (estimated from the duration when the file has none)
  double duration_seconds = 0.0;
};

// Single thread. Throws Error naming the file for a missing, unreadable or undecodable video.
class VideoReader {
 public:
  explicit VideoReader(const std::filesystem::path& path);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;
  // The next frame as RGB, or nullopt at the end of the file.
  std::optional<Image> next();
  // Frame `index` (0-based) exactly: seeks to the keyframe before it and decodes forward. Returns
  // nullopt past the end. Stepping forward by one does not seek.
  std::optional<Image> frame(std::int64_t index);
  // The index of the frame next() returned last (-1 before the first).
  std::int64_t position() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unitscope::analysis
