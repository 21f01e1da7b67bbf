#include "analysis/dissect/segmented_labels.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "analysis/data/error.h"
#include "analysis/data/fingerprint.h"
#include "analysis/data/image_source.h"
#include "analysis/data/labelled_dataset.h"
#include "analysis/model/segmenter.h"

namespace unitscope::analysis {
namespace {

// Bumped when the labels' files change for the same inputs.
constexpr const char* kFormat = "labels-1";

std::string fingerprint_of(const ImageSource& source, const Segmenter& segmenter, int step) {
  return fnv1a_64_hex(std::string(kFormat) + "|" + source.fingerprint() + "|" + segmenter.fingerprint() + "|" +
                      std::to_string(step));
}

}  // namespace

std::string label_images_fingerprint(const LabelImagesOptions& o) {
  const ImageSource source = ImageSource::open(o.images, o.video_step);
  const Segmenter segmenter(o.segmenter);
  return fingerprint_of(source, segmenter, o.video_step);
}

LabelImagesResult label_images(const LabelImagesOptions& o, DissectProgress& progress, std::stop_token stop) {
  set_threads(o.threads);
  ImageSource source = ImageSource::open(o.images, o.video_step);
  Segmenter segmenter(o.segmenter);
  LabelledDatasetWriter writer(o.out, segmenter.vocabulary(), fingerprint_of(source, segmenter, o.video_step));
  LabelImagesResult result;
  progress.phase = 0;
  progress.total = source.size();
  if (writer.complete()) {
    result.reused = true;
    progress.done = source.size();
    result.images = source.size();
    return result;
  }
  const auto [label_width, label_height] = segmenter.label_size();
  const auto heads = segmenter.vocabulary().heads.size();
  std::size_t chunk = 0, first = 0, written = 0;
  bool resuming = true;
  for (;; ++chunk, first += kLabelChunk) {
    if (first >= source.size() && !source.is_video()) break;
    if (resuming && writer.has_chunk(chunk)) {
      result.resumed_from = std::min(first + kLabelChunk, source.size());
      progress.resumed_from = result.resumed_from;
      progress.done = result.resumed_from;
      continue;
    }
    resuming = false;
    if (stop.stop_requested() || (o.stop_after_chunks && written >= o.stop_after_chunks)) throw DissectCancelled();
    std::vector<SourceImage> images = source.read(first, kLabelChunk);
    if (images.empty()) break;  // a video's end
    std::vector<Image> pixels;
    for (auto& s : images) pixels.push_back(s.pixels);
    at::Tensor labels;
    try {
      labels = segmenter.label(pixels, label_width, label_height).to(at::kInt).contiguous();
    } catch (const Error& e) {
      throw Error("segmenting " + images.front().name + " .. " + images.back().name + ": " + e.what());
    }
    std::vector<LabelledImage> out(images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      LabelledImage& l = out[i];
      l.copy_from = images[i].file;
      l.extension = images[i].extension;
      l.width = images[i].pixels.width;
      l.height = images[i].pixels.height;
      if (l.copy_from.empty()) l.pixels = std::move(images[i].pixels);
      l.label_width = label_width;
      l.label_height = label_height;
      for (std::size_t h = 0; h < heads; ++h) {
        const std::int32_t* p = labels[std::int64_t(i)][std::int64_t(h)].data_ptr<std::int32_t>();
        l.planes.emplace_back(p, p + std::size_t(label_width) * std::size_t(label_height));
      }
    }
    writer.write_chunk(chunk, first, out);
    ++written;
    progress.done = first + images.size();
    if (images.size() < kLabelChunk && source.is_video()) {
      ++chunk;
      break;
    }
  }
  // A video may end before or after the frame count it declares: the chunks written say.
  std::size_t chunks = chunk;
  while (chunks > 0 && !writer.has_chunk(chunks - 1)) --chunks;
  result.images = writer.finish(chunks);
  progress.done = progress.total = result.images;
  return result;
}

}  // namespace unitscope::analysis
