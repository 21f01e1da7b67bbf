// FrameSource: the images a classifier sees in the studio: SceneWorld drawn live, an image folder,
// a Broden dataset, or a video file stepped frame by frame with play, pause, step and scrub.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/data/image.h"
#include "engine/jobs/job.h"
#include "engine/studio/studio_settings.h"

namespace unitscope::analysis {
class BrodenDataset;
class VideoReader;
}  // namespace unitscope::analysis

namespace unitscope::engine {

// Opens folders, datasets and videos on a job thread; reads only when the source or its position
// changes (SceneWorld at 128x128 takes a few ms, a video frame is one decode, a Broden sample one
// image and its labels), so the UI thread can call it every frame. A generator source (kGan)
// has no image: the latents travel in the inference request instead.
class FrameSource {
 public:
  FrameSource();
  ~FrameSource();
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;

  // Opens what the settings name (when the kind or path changed), advances a playing video by
  // wall time, and reads the image at the settings' position. Errors are kept in error(): the
  // last good image stays.
  void update(StudioSettings& settings, double now_seconds);

  const analysis::Image& image() const { return image_; }
  std::uint64_t serial() const { return serial_; }  // changes whenever image() does
  // Images in the source: 0 for SceneWorld (unbounded) and GAN samples.
  std::uint64_t count() const { return opened_.count; }
  bool opening() const { return opening_; }
  const std::string& error() const { return error_; }
  const std::string& describe() const { return describe_; }  // what image() is, for the panel

  // Video playback.
  bool playing() const { return playing_; }
  void set_playing(bool playing, double now_seconds);
  double video_fps() const;

  // World images are drawn at this size (the demo classifier's input).
  static constexpr int kWorldSize = 128;

 private:
  // What opening a folder, dataset or video gives.
  struct Opened {
    std::vector<std::filesystem::path> files;
    std::unique_ptr<analysis::BrodenDataset> broden;
    std::unique_ptr<analysis::VideoReader> video;
    std::uint64_t count = 0;
    void open(const StudioSettings& settings);
  };

  void open(const StudioSettings& settings);
  void finish_open();
  void read(StudioSettings& settings);

  std::string key_;        // kind + path of what is open (or opening)
  std::string read_key_;   // kind + path + position of image_
  Opened opened_;
  std::shared_ptr<Opened> pending_;  // filled by open_job_
  bool opening_ = false;
  std::uint64_t open_handled_ = 0;
  analysis::Image image_;
  std::uint64_t serial_ = 0;
  std::string error_;
  bool open_failed_ = false;
  std::string describe_;
  bool playing_ = false;
  double play_start_time_ = 0.0;
  std::uint64_t play_start_index_ = 0;
  JobSlot open_job_;  // last: joined before the rest goes
};

}  // namespace unitscope::engine
