#include "engine/studio/studio_capture.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <system_error>

namespace unitscope::engine {

std::filesystem::path output_dir() {
  if (const char* env = std::getenv("UNITSCOPE_OUTPUT_DIR"); env && *env) return std::filesystem::path(env);
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / "unitscope";
  return std::filesystem::temp_directory_path() / "unitscope";
}

std::filesystem::path resolve_output(const std::filesystem::path& path) {
  if (path.is_absolute()) return path.lexically_normal();
  return (std::filesystem::absolute(output_dir()) / path).lexically_normal();
}

namespace {

// The folder a file goes into (output_dir() may not exist yet); throws naming it.
void make_parent(const std::filesystem::path& file) {
  const std::filesystem::path parent = file.parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw std::runtime_error("cannot create the folder " + parent.string() + ": " + ec.message());
}

}  // namespace

StudioCapture::~StudioCapture() { stop(); }

void StudioCapture::fail(const std::string& what) {
  std::lock_guard lock(mutex_);
  error_ = what;
}

std::string StudioCapture::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string StudioCapture::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void StudioCapture::start(const CaptureOptions& options, double now_seconds) {
  stop();
  if (options.out.empty()) {
    fail("choose an output file for the recording");
    return;
  }
  if (options.fps <= 0 || options.fps > 240) {
    fail("frame rate " + std::to_string(options.fps) + " is out of range (1 to 240)");
    return;
  }
  try {
    make_parent(options.out);
  } catch (const std::exception& e) {
    fail(e.what());
    return;
  }
  options_ = options;
  recording_ = true;
  start_time_ = now_seconds;
  frames_ = 0;
  std::lock_guard lock(mutex_);
  error_.clear();
  status_ = "recording to " + options.out.string();
}

void StudioCapture::stop() {
  if (!recording_) return;
  recording_ = false;
  try {
    if (video_) video_->finish();
    if (png_) png_->finish();
    std::lock_guard lock(mutex_);
    status_ = "wrote " + std::to_string(frames_) + " frames to " + options_.out.string();
  } catch (const std::exception& e) {
    fail(e.what());
  }
  video_.reset();
  png_.reset();
}

bool StudioCapture::due(double now_seconds) const {
  return double(frames_) <= (now_seconds - start_time_) * options_.fps + 1e-6;
}

bool StudioCapture::wants_window_frame(double now_seconds) const {
  const bool ring_due = ring_seconds_ > 0 &&
                        (ring_start_ < 0 || double(ring_frames_taken_) <= (now_seconds - ring_start_) * ring_fps_ + 1e-6);
  return ring_due || (recording_ && !options_.viewport_only && due(now_seconds));
}

bool StudioCapture::wants_viewport_frame(double now_seconds) const {
  return recording_ && options_.viewport_only && due(now_seconds);
}

void StudioCapture::record_frame(const render::CapturedFrame& frame) {
  try {
    const int w = int(frame.width), h = int(frame.height);
    if (!video_ && !png_) {
      if (options_.png) {
        render::PngSequenceOptions o;
        o.width = w;
        o.height = h;
        png_ = std::make_unique<render::PngSequenceRecorder>(options_.out, o);
      } else {
        render::VideoOptions o;
        o.width = w;
        o.height = h;
        o.fps = options_.fps;
        video_ = std::make_unique<render::VideoRecorder>(options_.out, o);
      }
    }
    if (video_) video_->push(frame.rgba);
    if (png_) png_->push(frame.rgba);
    ++frames_;
  } catch (const std::exception& e) {
    // A resized window changes the frame size: the recording ends there, with what it has.
    fail(e.what());
    stop();
  }
}

void StudioCapture::consume_window(render::CapturedFrame&& frame, double now_seconds) {
  if (ring_seconds_ > 0) {
    if (ring_start_ < 0) ring_start_ = now_seconds;
    if (double(ring_frames_taken_) <= (now_seconds - ring_start_) * ring_fps_ + 1e-6) {
      if (!ring_ || ring_->width() != int(frame.width) || ring_->height() != int(frame.height))
        ring_ = std::make_unique<render::FrameRing>(int(frame.width), int(frame.height),
                                                    render::FrameRing::capacity_for(ring_fps_, ring_seconds_));
      ring_->push(frame.rgba);
      ++ring_frames_taken_;
    }
  }
  if (recording_ && !options_.viewport_only && due(now_seconds)) record_frame(frame);
}

void StudioCapture::consume_viewport(render::CapturedFrame&& frame, double now_seconds) {
  if (recording_ && options_.viewport_only && due(now_seconds)) record_frame(frame);
}

void StudioCapture::set_ring(double seconds, int fps) {
  if (seconds == ring_seconds_ && fps == ring_fps_) return;
  ring_seconds_ = seconds > 0 ? seconds : 0.0;
  ring_fps_ = fps > 0 ? fps : 30;
  ring_.reset();
  ring_frames_taken_ = 0;
  ring_start_ = -1.0;
}

void StudioCapture::save_ring(const std::filesystem::path& path) {
  if (!ring_ || ring_->size() == 0) {
    fail("the ring buffer is empty: turn it on and let it fill first");
    return;
  }
  std::shared_ptr<render::FrameRing> ring(std::move(ring_));
  ring_frames_taken_ = 0;
  ring_start_ = -1.0;
  const int fps = ring_fps_;
  ring_job_.start("save ring", [ring, path, fps](JobControl& job) {
    job.set_status("encoding " + std::to_string(ring->size()) + " frames");
    render::VideoOptions o;
    o.fps = fps;
    make_parent(path);
    ring->save_mp4(path, o);
    job.set_progress(1.0);
    job.set_status("saved " + path.string());
  });
}

void StudioCapture::request_still(const std::filesystem::path& path, int scale) {
  still_ = std::make_pair(path, scale < 1 ? 1 : scale);
}

std::optional<std::pair<std::filesystem::path, int>> StudioCapture::take_still_request() {
  auto r = still_;
  still_.reset();
  return r;
}

void StudioCapture::still_done(const std::filesystem::path& path, render::CapturedFrame&& frame) {
  try {
    make_parent(path);
    render::write_png(path, frame);
    std::lock_guard lock(mutex_);
    status_ = "still " + std::to_string(frame.width) + "x" + std::to_string(frame.height) + " saved to " +
              path.string();
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

}  // namespace unitscope::engine
