#include "engine/studio/frame_source.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/image.h"
#include "analysis/world/scene_world.h"
#include "analysis/data/video_reader.h"

namespace unitscope::engine {

namespace {

bool is_image_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::string path_of(const StudioSettings& s) {
  switch (s.source) {
    case SourceKind::kFolder: return s.folder;
    case SourceKind::kBroden: return s.broden;
    case SourceKind::kVideo: return s.video;
    default: return {};
  }
}

}  // namespace

FrameSource::FrameSource() = default;
FrameSource::~FrameSource() = default;

double FrameSource::video_fps() const { return opened_.video ? opened_.video->info().fps : 0.0; }

void FrameSource::set_playing(bool playing, double now_seconds) {
  playing_ = playing && opened_.video != nullptr;
  play_start_time_ = now_seconds;
  play_start_index_ = opened_.video ? std::uint64_t(std::max<std::int64_t>(opened_.video->position(), 0)) : 0;
}

// Runs on a job thread: listing a big folder or reading a Broden index can take seconds.
void FrameSource::Opened::open(const StudioSettings& s) {
  switch (s.source) {
    case SourceKind::kWorld:
    case SourceKind::kGan:
      break;
    case SourceKind::kFolder: {
      if (s.folder.empty()) throw std::runtime_error("choose an image folder");
      if (!std::filesystem::is_directory(s.folder)) throw std::runtime_error("image folder " + s.folder + " does not exist");
      for (const auto& entry : std::filesystem::recursive_directory_iterator(s.folder))
        if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      if (files.empty()) throw std::runtime_error("no .png, .jpg or .bmp images in " + s.folder);
      count = files.size();
      break;
    }
    case SourceKind::kBroden: {
      if (s.broden.empty()) throw std::runtime_error("choose a Broden dataset directory");
      broden = std::make_unique<analysis::BrodenDataset>(analysis::BrodenDataset::open(s.broden));
      count = broden->size();
      if (count == 0) throw std::runtime_error("Broden dataset " + s.broden + " has no images");
      break;
    }
    case SourceKind::kVideo: {
      if (s.video.empty()) throw std::runtime_error("choose a video file");
      video = std::make_unique<analysis::VideoReader>(s.video);
      count = std::uint64_t(std::max<std::int64_t>(video->info().frames, 0));
      break;
    }
  }
}

void FrameSource::open(const StudioSettings& s) {
  const std::string key = std::string(to_string(s.source)) + "|" + path_of(s);
  if (key == key_) return;
  key_ = key;
  read_key_.clear();
  opened_ = Opened{};
  playing_ = false;
  error_.clear();
  open_failed_ = false;
  if (s.source == SourceKind::kWorld || s.source == SourceKind::kGan) {
    opening_ = false;
    return;
  }
  opening_ = true;
  describe_ = "opening " + path_of(s) + "...";
  auto pending = std::make_shared<Opened>();
  pending_ = pending;
  open_job_.start("open source", [pending, s](JobControl&) { pending->open(s); });
}

void FrameSource::finish_open() {
  if (!opening_) return;
  if (open_job_.take_done(open_handled_)) {
    opened_ = std::move(*pending_);
    pending_.reset();
    opening_ = false;
  } else if (open_job_.state() == JobState::kFailed) {
    error_ = open_job_.error();
    open_failed_ = true;
    opening_ = false;
  }
}

void FrameSource::read(StudioSettings& s) {
  if (s.source == SourceKind::kGan || open_failed_ || opening_) return;
  std::uint64_t index = s.source == SourceKind::kWorld ? s.world_index : s.source_index;
  if (opened_.count > 0 && index >= opened_.count) {
    index = opened_.count - 1;
    s.source_index = index;
  }
  const std::string key = key_ + "|" + std::to_string(s.world_seed) + "|" + std::to_string(index);
  if (key == read_key_) return;
  try {
    switch (s.source) {
      case SourceKind::kWorld: {
        analysis::SceneWorldOptions o;
        o.seed = s.world_seed;
        o.width = o.height = kWorldSize;
        image_ = analysis::SceneWorld(o).generate(index).image;
        describe_ = "SceneWorld seed " + std::to_string(s.world_seed) + ", scene " + std::to_string(index);
        break;
      }
      case SourceKind::kFolder:
        image_ = analysis::read_image(opened_.files[index], 3);
        describe_ = opened_.files[index].filename().string();
        break;
      case SourceKind::kBroden: {
        std::string why;
        auto sample = opened_.broden->read(index, &why);
        if (!sample) throw std::runtime_error("Broden row " + std::to_string(index + 1) + ": " + why);
        image_ = std::move(sample->pixels);
        describe_ = sample->image;
        break;
      }
      case SourceKind::kVideo: {
        auto frame = opened_.video->frame(std::int64_t(index));
        if (!frame) {
          playing_ = false;
          return;
        }
        image_ = std::move(*frame);
        describe_ = "frame " + std::to_string(index);
        break;
      }
      case SourceKind::kGan:
        break;
    }
    read_key_ = key;
    error_.clear();
    ++serial_;
  } catch (const std::exception& e) {
    error_ = e.what();
    read_key_ = key;
  }
}

void FrameSource::update(StudioSettings& s, double now_seconds) {
  open(s);
  finish_open();
  if (playing_ && opened_.video) {
    const double fps = opened_.video->info().fps > 0 ? opened_.video->info().fps : 30.0;
    const auto target = play_start_index_ + std::uint64_t(std::max(0.0, (now_seconds - play_start_time_) * fps));
    if (opened_.count > 0 && target >= opened_.count) {
      playing_ = false;
      s.source_index = opened_.count - 1;
    } else {
      s.source_index = target;
    }
  }
  read(s);
}

}  // namespace unitscope::engine
