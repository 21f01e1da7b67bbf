#include "analysis/data/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "analysis/data/error.h"

namespace unitscope::analysis {

namespace {

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  auto* bytes = static_cast<std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

void write_file(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw Error("cannot write " + path.string());
}

std::string base64(const std::vector<std::uint8_t>& data) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) |
                            (i + 1 < data.size() ? std::uint32_t{data[i + 1]} << 8 : 0u) |
                            (i + 2 < data.size() ? std::uint32_t{data[i + 2]} : 0u);
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += i + 1 < data.size() ? kTable[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kTable[n & 63] : '=';
  }
  return out;
}

}  // namespace

std::optional<Image> try_read_image(const std::filesystem::path& path, int channels,
                                    std::string* why) {
  assert(channels >= 1 && channels <= 4);
  // Read the bytes ourselves so a missing file and a corrupt one give different reasons.
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (why) *why = "cannot open " + path.string();
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  int w = 0, h = 0, file_channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &file_channels, channels),
      stbi_image_free);
  if (!data) {
    if (why) *why = "cannot decode " + path.string() + ": " + stbi_failure_reason();
    return std::nullopt;
  }
  Image image(w, h, channels);
  std::copy_n(data.get(), image.pixels.size(), image.pixels.begin());
  return image;
}

Image read_image(const std::filesystem::path& path, int channels) {
  std::string why;
  auto image = try_read_image(path, channels, &why);
  if (!image) throw Error(why);
  return std::move(*image);
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  assert(!image.empty());
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, image.channels,
                              image.pixels.data(), image.width * image.channels)) {
    throw Error("PNG encoding failed");
  }
  return bytes;
}

std::string png_data_uri(const Image& image) {
  return "data:image/png;base64," + base64(encode_png(image));
}

void write_png(const std::filesystem::path& path, const Image& image) {
  write_file(path, encode_png(image));
}

void write_jpeg(const std::filesystem::path& path, const Image& image, int quality) {
  assert(!image.empty());
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_jpg_to_func(append_bytes, &bytes, image.width, image.height, image.channels,
                              image.pixels.data(), quality)) {
    throw Error("JPEG encoding failed for " + path.string());
  }
  write_file(path, bytes);
}

}  // namespace unitscope::analysis
