#include "analysis/data/image_source.h"

#include <algorithm>
#include <fstream>

#include "analysis/data/error.h"
#include "analysis/data/fingerprint.h"
#include "analysis/data/video_reader.h"

namespace unitscope::analysis {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool is_image_extension(const std::string& e) {
  return e == ".jpg" || e == ".jpeg" || e == ".png" || e == ".bmp" || e == ".ppm" || e == ".pgm" || e == ".tga";
}

bool is_video_extension(const std::string& e) {
  return e == ".mp4" || e == ".avi" || e == ".mkv" || e == ".mov" || e == ".webm" || e == ".m4v";
}

}  // namespace

struct ImageSource::Impl {
  fs::path root;
  std::vector<std::pair<std::string, fs::path>> files;  // name, path
  // Video
  fs::path video;
  int step = 1;
  std::unique_ptr<VideoReader> reader;
  std::size_t frames = 0;
};

ImageSource::ImageSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImageSource::ImageSource(ImageSource&&) noexcept = default;
ImageSource& ImageSource::operator=(ImageSource&&) noexcept = default;
ImageSource::~ImageSource() = default;

ImageSource ImageSource::open(const fs::path& path, int video_step) {
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("image source " + path.string() + " does not exist");
  const std::string extension = lower(path.extension().string());
  if (fs::is_directory(path, ec)) {
    impl->root = path;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string leaf = it->path().filename().string();
      if (!leaf.empty() && leaf[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || !is_image_extension(lower(it->path().extension().string()))) continue;
      impl->files.emplace_back(fs::relative(it->path(), path, ec).string(), it->path());
    }
    if (ec) throw Error("cannot list " + path.string() + ": " + ec.message());
    std::sort(impl->files.begin(), impl->files.end());
    if (impl->files.empty()) {
      throw Error("image folder " + path.string() + " holds no image (.jpg .jpeg .png .bmp .ppm .pgm .tga)");
    }
  } else if (extension == ".txt" || extension == ".lst") {
    impl->root = path.parent_path();
    std::ifstream in(path);
    if (!in) throw Error("cannot read image list " + path.string());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
      const auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#') continue;
      line = line.substr(start);
      const fs::path file = fs::path(line).is_absolute() ? fs::path(line) : impl->root / line;
      if (!fs::is_regular_file(file, ec)) {
        throw Error("image list " + path.string() + " line " + std::to_string(number) + ": " + file.string() +
                    " is not there");
      }
      impl->files.emplace_back(line, file);
    }
    if (impl->files.empty()) throw Error("image list " + path.string() + " lists no image");
  } else if (is_video_extension(extension)) {
    if (video_step < 1) throw Error("the video step must be at least 1, not " + std::to_string(video_step));
    impl->video = path;
    impl->step = video_step;
    impl->reader = std::make_unique<VideoReader>(path);
    const auto frames = std::max<std::int64_t>(0, impl->reader->info().frames);
    impl->frames = std::size_t((frames + video_step - 1) / video_step);
    if (impl->frames == 0) throw Error("video " + path.string() + " has no frames");
  } else {
    throw Error("image source " + path.string() +
                " is no folder, image list (.txt, .lst) or video (.mp4 .avi .mkv .mov .webm .m4v)");
  }
  return ImageSource(std::move(impl));
}

std::size_t ImageSource::size() const { return impl_->reader ? impl_->frames : impl_->files.size(); }
bool ImageSource::is_video() const { return impl_->reader != nullptr; }

std::string ImageSource::fingerprint() const {
  std::string text;
  std::error_code ec;
  if (impl_->reader) {
    const auto size = fs::file_size(impl_->video, ec);
    const auto time = fs::last_write_time(impl_->video, ec).time_since_epoch().count();
    return fnv1a_64_hex(impl_->video.filename().string() + "|" + std::to_string(size) + "|" +
                        std::to_string(time) + "|" + std::to_string(impl_->step));
  }
  for (const auto& [name, file] : impl_->files) {
    const auto size = fs::file_size(file, ec);
    const auto time = fs::last_write_time(file, ec).time_since_epoch().count();
    text += name + "|" + std::to_string(size) + "|" + std::to_string(time) + "\n";
  }
  return fnv1a_64_hex(text);
}

std::vector<SourceImage> ImageSource::read(std::size_t first, std::size_t n) {
  std::vector<SourceImage> out;
  if (impl_->reader) {
    for (std::size_t k = 0; k < n; ++k) {
      const auto index = std::int64_t((first + k) * std::size_t(impl_->step));
      std::optional<Image> frame = impl_->reader->frame(index);
      if (!frame) break;
      SourceImage s;
      s.name = impl_->video.filename().string() + " frame " + std::to_string(index);
      s.extension = ".png";
      s.pixels = std::move(*frame);
      out.push_back(std::move(s));
    }
    return out;
  }
  for (std::size_t i = first; i < std::min(first + n, impl_->files.size()); ++i) {
    SourceImage s;
    s.name = impl_->files[i].first;
    s.file = impl_->files[i].second;
    s.extension = lower(s.file.extension().string());
    std::string why;
    auto image = try_read_image(s.file, 3, &why);
    if (!image) throw Error("cannot read image " + s.file.string() + ": " + why);
    s.pixels = std::move(*image);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace unitscope::analysis
