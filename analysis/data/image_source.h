// The images of a plain folder (flat or in class subfolders), a file list, or a video's frames, in a
// fixed order, for labelling by a segmenter.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/data/image.h"

namespace unitscope::analysis {

struct SourceImage {
  std::string name;                 // as the user knows it: "cats/0001.jpg", "talk.mp4 frame 12"
  std::filesystem::path file;       // the image file; empty for a video frame
  std::string extension;            // of the file, lower case (".jpg")
  Image pixels;                     // RGB
};

// A folder is walked recursively (hidden entries left out) and its images (.jpg .jpeg .png .bmp
// .ppm .pgm .tga) sorted by path; a .txt or .lst file lists one image per line, relative to the
// list's folder (blank lines and # comments skipped); a video file (.mp4 .avi .mkv .mov .webm .m4v)
// gives every `video_step`-th frame. Throws Error naming the path, or the list's line, for a missing
// source, an empty one, or a listed image that is not there.
class ImageSource {
 public:
  static ImageSource open(const std::filesystem::path& path, int video_step = 1);
  ImageSource(ImageSource&&) noexcept;
  ImageSource& operator=(ImageSource&&) noexcept;
  ~ImageSource();

  // Folders and lists: the number of images. Videos: the frame count the file declares, divided
  // by the step (the end may come sooner).
  std::size_t size() const;
  bool is_video() const;
  // Names, sizes and modification times of every file: changes when the images do.
  std::string fingerprint() const;
  // Images first .. first + n - 1; fewer at a video's end. Throws Error naming the file for an
  // image that cannot be decoded.
  std::vector<SourceImage> read(std::size_t first, std::size_t n);

 private:
  struct Impl;
  explicit ImageSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unitscope::analysis
