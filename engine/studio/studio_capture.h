// StudioCapture: recording what the studio shows: the window or the viewport to MP4 or a PNG
// sequence at a fixed rate, a ring of the last N seconds that can be saved at any time, and
// high-resolution stills of the viewport for slides.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/jobs/job.h"
#include "render/frame_ring.h"
#include "render/offscreen_target.h"
#include "render/png_sequence.h"
#include "render/video_recorder.h"

namespace unitscope::engine {

// Where the studio's recordings and stills go: $UNITSCOPE_OUTPUT_DIR, else ~/unitscope (never the
// directory the studio was launched from, which is often the source tree).
std::filesystem::path output_dir();
// An absolute path as it is; a relative one under output_dir().
std::filesystem::path resolve_output(const std::filesystem::path& path);

struct CaptureOptions {
  bool viewport_only = false;  // record the viewport view instead of the whole window
  bool png = false;            // a PNG sequence in a directory instead of an MP4 file
  int fps = 30;
  std::filesystem::path out;
};

// Render-thread object: the app asks wants_frame() each frame and hands read-backs to consume().
// Frames are stamped at exact 1/fps steps whatever the wall clock did; when rendering runs faster
// than fps, frames are taken at the rate, and when it is slower, every frame is taken.
class StudioCapture {
 public:
  StudioCapture() = default;
  ~StudioCapture();
  StudioCapture(const StudioCapture&) = delete;
  StudioCapture& operator=(const StudioCapture&) = delete;

  void start(const CaptureOptions& options, double now_seconds);
  void stop();  // finishes the file; errors go to error()
  bool recording() const { return recording_; }
  const CaptureOptions& options() const { return options_; }
  std::int64_t frames_recorded() const { return frames_; }

  // Ring of the last `seconds` of the window at `fps` (0 seconds: off).
  void set_ring(double seconds, int fps);
  double ring_seconds() const { return ring_seconds_; }
  std::size_t ring_frames() const { return ring_ ? ring_->size() : 0; }
  // Saves the ring as an MP4 in a background job (a fresh ring keeps filling meanwhile).
  void save_ring(const std::filesystem::path& path);
  JobSlot& ring_job() { return ring_job_; }

  // A still of the viewport at `scale` times its on-screen size, written as PNG at the next frame.
  void request_still(const std::filesystem::path& path, int scale);
  std::optional<std::pair<std::filesystem::path, int>> take_still_request();
  void still_done(const std::filesystem::path& path, render::CapturedFrame&& frame);

  // Does this frame go to the recording or the ring (window or viewport, see options)?
  bool wants_window_frame(double now_seconds) const;
  bool wants_viewport_frame(double now_seconds) const;
  void consume_window(render::CapturedFrame&& frame, double now_seconds);
  void consume_viewport(render::CapturedFrame&& frame, double now_seconds);

  std::string status() const;
  std::string error() const;

 private:
  bool due(double now_seconds) const;
  void record_frame(const render::CapturedFrame& frame);
  void fail(const std::string& what);

  CaptureOptions options_;
  bool recording_ = false;
  double start_time_ = 0.0;
  std::int64_t frames_ = 0;
  std::unique_ptr<render::VideoRecorder> video_;
  std::unique_ptr<render::PngSequenceRecorder> png_;
  double ring_seconds_ = 0.0;
  int ring_fps_ = 30;
  std::int64_t ring_frames_taken_ = 0;
  double ring_start_ = -1.0;
  std::unique_ptr<render::FrameRing> ring_;
  JobSlot ring_job_;
  std::optional<std::pair<std::filesystem::path, int>> still_;
  mutable std::mutex mutex_;
  std::string status_, error_;
};

}  // namespace unitscope::engine
