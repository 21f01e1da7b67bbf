// 8-bit images in memory and their PNG/JPEG files, shared by SceneWorld, the Broden reader and reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace unitscope::analysis {

// Interleaved 8-bit pixels, row-major, top row first.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;

  Image() = default;
  Image(int w, int h, int c) : width(w), height(h), channels(c), pixels(std::size_t(w) * h * c, 0) {}
  std::uint8_t* at(int x, int y) { return pixels.data() + (std::size_t(y) * width + x) * channels; }
  const std::uint8_t* at(int x, int y) const {
    return pixels.data() + (std::size_t(y) * width + x) * channels;
  }
  bool empty() const { return pixels.empty(); }
};

// Decodes PNG or JPEG (by content, not extension) to `channels` channels (1-4).
// Returns nullopt and fills *why when the file is missing or corrupt.
std::optional<Image> try_read_image(const std::filesystem::path& path, int channels,
                                    std::string* why = nullptr);
// As try_read_image, but throws analysis::Error naming the file.
Image read_image(const std::filesystem::path& path, int channels);

// Both writers are deterministic: the same pixels give byte-identical files. They throw on failure.
void write_png(const std::filesystem::path& path, const Image& image);
void write_jpeg(const std::filesystem::path& path, const Image& image, int quality = 90);
// In-memory PNG encoding, for HTML reports that inline images.
std::vector<std::uint8_t> encode_png(const Image& image);
// "data:image/png;base64,..." of encode_png(image), for <img src> and CSS url() in HTML reports.
std::string png_data_uri(const Image& image);

}  // namespace unitscope::analysis
