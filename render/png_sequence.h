// PNG-sequence recording (frame_000000.png, frame_000001.png, ...) of RGBA8 frames, on a writer
// thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "render/recording.h"

namespace unitscope::render {

struct PngSequenceOptions {
  int width = 0;  // of the RGBA frames handed in
  int height = 0;
  std::string prefix = "frame_";
  // A 1280x720 PNG takes about 85 ms to write, so a few frames of slack absorb bursts only.
  int queue_frames = 4;
};

// dir/<prefix><index as 6 digits>.png, e.g. frame_000042.png.
std::filesystem::path png_sequence_path(const std::filesystem::path& dir, const std::string& prefix,
                                        std::int64_t index);

// Writes one tightly packed RGBA8 frame as a PNG; throws RecordError naming the path.
void write_rgba_png(const std::filesystem::path& path, std::span<const std::uint8_t> rgba,
                    int width, int height);

// Frames go to a writer thread through a bounded queue; errors come back from the next push() or
// from finish(). Existing files with the same names are overwritten; others are left alone.
class PngSequenceRecorder {
 public:
  // Creates `dir` if needed and checks that it is writable; throws RecordError naming it.
  PngSequenceRecorder(const std::filesystem::path& dir, const PngSequenceOptions& options);
  // Finishes if finish() was not called; errors are then only printed to stderr.
  ~PngSequenceRecorder();
  PngSequenceRecorder(const PngSequenceRecorder&) = delete;
  PngSequenceRecorder& operator=(const PngSequenceRecorder&) = delete;

  void push(std::span<const std::uint8_t> rgba);
  // Waits for every queued frame to be written; rethrows a writer error.
  void finish();

  std::int64_t frames_pushed() const { return worker_->frames_pushed(); }
  std::int64_t frames_written() const { return worker_->frames_consumed(); }

 private:
  std::filesystem::path dir_;
  PngSequenceOptions options_;
  bool finish_called_ = false;
  std::unique_ptr<RecordWorker> worker_;
};

}  // namespace unitscope::render
