#include "render/png_sequence.h"

#include <stb_image_write.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace unitscope::render {

namespace {

std::string describe(const std::filesystem::path& dir) {
  return "PNG sequence '" + dir.string() + "'";
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

std::filesystem::path png_sequence_path(const std::filesystem::path& dir, const std::string& prefix,
                                        std::int64_t index) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(index));
  return dir / (prefix + digits + ".png");
}

void write_rgba_png(const std::filesystem::path& path, std::span<const std::uint8_t> rgba,
                    int width, int height) {
  const std::string what = "PNG '" + path.string() + "'";
  rgba_frame_bytes(what, width, height);
  check_frame_size(what, 0, rgba.size(), width, height);
  // Encode to memory and write the file ourselves, so a failure can say why (errno), which
  // stbi_write_png's own fopen cannot.
  std::vector<std::uint8_t> encoded;
  if (stbi_write_png_to_func(append_bytes, &encoded, width, height, 4, rgba.data(), width * 4) ==
      0) {
    throw RecordError(what + ": PNG encoding failed");
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw RecordError(what + ": cannot open for writing: " + std::strerror(errno));
  }
  file.write(reinterpret_cast<const char*>(encoded.data()), std::streamsize(encoded.size()));
  file.close();
  if (!file) throw RecordError(what + ": writing failed: " + std::strerror(errno));
}

PngSequenceRecorder::PngSequenceRecorder(const std::filesystem::path& dir,
                                         const PngSequenceOptions& options)
    : dir_(dir), options_(options) {
  const std::string what = describe(dir_);
  rgba_frame_bytes(what, options_.width, options_.height);
  if (options_.queue_frames < 1) {
    throw RecordError(what + ": queue_frames " + std::to_string(options_.queue_frames) +
                      " must be at least 1");
  }
  if (options_.prefix.find('/') != std::string::npos) {
    throw RecordError(what + ": prefix '" + options_.prefix + "' must not contain '/'");
  }
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error || !std::filesystem::is_directory(dir_)) {
    throw RecordError(what + ": cannot create the directory" +
                      (error ? ": " + error.message() : std::string(": a file is in the way")));
  }
  // Probe now, so an unwritable directory fails here and not on the writer thread a frame later.
  const std::filesystem::path probe = dir_ / ".unitscope_write_probe";
  {
    std::ofstream file(probe, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw RecordError(what + ": directory is not writable: " + std::strerror(errno));
    }
  }
  std::filesystem::remove(probe, error);

  worker_ = std::make_unique<RecordWorker>(
      std::size_t(options_.queue_frames),
      [this](std::span<const std::uint8_t> frame, std::int64_t index) {
        write_rgba_png(png_sequence_path(dir_, options_.prefix, index), frame, options_.width,
                       options_.height);
      });
}

PngSequenceRecorder::~PngSequenceRecorder() {
  if (finish_called_) return;
  try {
    finish();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "unitscope: %s\n", error.what());
  }
}

void PngSequenceRecorder::push(std::span<const std::uint8_t> rgba) {
  const std::string what = describe(dir_);
  if (finish_called_) {
    worker_->finish();  // a writer error matters more than the misuse: rethrow it first
    throw RecordError(what + ": push() after finish()");
  }
  check_frame_size(what, frames_pushed(), rgba.size(), options_.width, options_.height);
  worker_->push(rgba);
}

void PngSequenceRecorder::finish() {
  finish_called_ = true;
  worker_->finish();
}

}  // namespace unitscope::render
