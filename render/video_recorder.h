// H.264 MP4 recording of RGBA8 frames at a fixed frame rate, on a background encoder thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "render/recording.h"

namespace unitscope::render {

struct VideoOptions {
  int width = 0;  // of the RGBA frames handed in
  int height = 0;
  // Frame i is stamped i/fps seconds, whatever the wall clock did, so slow rendering stays smooth.
  int fps = 30;
  // libx264 preset. ultrafast keeps up with live rendering on 2 cores with room to spare (about
  // 130 fps alone at 1280x720); veryfast makes files ~40% smaller at ~55 fps; slower ones are for
  // offline renders. See tools/bench_record.
  std::string preset = "ultrafast";
  int crf = 20;     // x264 quality: 0 lossless, 18 visually lossless, 23 its default
  int threads = 0;  // encoder threads; 0 lets x264 choose from the core count
  // yuv420p needs even sides: pad odd ones by repeating the last row/column, or throw.
  bool pad_odd_size = true;
  int queue_frames = 8;  // VideoRecorder only: frames buffered before push() blocks
};

// Synchronous encoder: RGBA → yuv420p (BT.709, limited range) → libx264 → MP4. Single thread only.
// The destructor releases everything; without finish() the file is left incomplete.
class Mp4Writer {
 public:
  // Opens the file and writes the header; throws RecordError naming the path.
  Mp4Writer(const std::filesystem::path& path, const VideoOptions& options);
  ~Mp4Writer();
  Mp4Writer(const Mp4Writer&) = delete;
  Mp4Writer& operator=(const Mp4Writer&) = delete;

  // `rgba` is width*height*4 bytes, top row first; it gets the next pts.
  void write(std::span<const std::uint8_t> rgba);
  // Drains the encoder's delayed frames, writes the trailer and closes the file. Idempotent.
  void finish();

  int encoded_width() const;  // the frame size in the file, after padding odd sides
  int encoded_height() const;
  std::int64_t frames_written() const;
  const std::filesystem::path& path() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Mp4Writer behind a bounded queue: push() copies the frame and returns unless queue_frames frames
// are already waiting. Encoder errors come back from the next push() or from finish().
class VideoRecorder {
 public:
  VideoRecorder(const std::filesystem::path& path, const VideoOptions& options);
  // Finishes the file if finish() was not called; errors are then only printed to stderr.
  ~VideoRecorder();
  VideoRecorder(const VideoRecorder&) = delete;
  VideoRecorder& operator=(const VideoRecorder&) = delete;

  // Throws RecordError for a frame of the wrong size (the recorder stays usable) or for an earlier
  // encoder failure (every later call throws it too).
  void push(std::span<const std::uint8_t> rgba);
  // Encodes what is queued, flushes and closes the file; rethrows any encoder error.
  void finish();

  std::int64_t frames_pushed() const { return worker_->frames_pushed(); }
  std::int64_t frames_encoded() const { return worker_->frames_consumed(); }
  int encoded_width() const { return writer_->encoded_width(); }
  int encoded_height() const { return writer_->encoded_height(); }

 private:
  std::unique_ptr<Mp4Writer> writer_;
  std::unique_ptr<RecordWorker> worker_;  // after writer_: stopped before the writer goes away
  int width_;
  int height_;
  bool finish_called_ = false;
};

}  // namespace unitscope::render
