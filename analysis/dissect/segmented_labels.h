// Concepts from a segmenter instead of hand-drawn masks: label a folder, list or video of images, or
// a generator's samples, into a Broden-layout dataset that dissection reads like any other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>

#include "analysis/dissect/dissection.h"
#include "analysis/model/model_spec.h"

namespace unitscope::analysis {

// Images go through the segmenter in chunks of this many; a stopped run resumes at a chunk, and
// the same chunks give the same bits.
inline constexpr std::size_t kLabelChunk = 16;

struct LabelImagesOptions {
  std::filesystem::path images;  // a folder (flat or class subfolders), a .txt/.lst list, or a video
  ModelSpec segmenter;
  std::filesystem::path out;     // the dataset to write, or to resume, or to find whole
  int video_step = 1;            // a video gives every video_step-th frame
  int threads = 0;               // LibTorch intra-op threads; 0: one per core
  std::size_t stop_after_chunks = 0;  // tests: act as if stopped after this many chunks (0: never)
};

struct LabelImagesResult {
  std::size_t images = 0;
  std::size_t resumed_from = 0;  // images an earlier run had labelled
  bool reused = false;           // `out` already held these labels whole
};

// What labels of these images by this segmenter depend on (a short hex string): the segmenter's
// file, sidecar and vocabulary, the images' names, sizes and times, and the video step. Opens both.
std::string label_images_fingerprint(const LabelImagesOptions& options);

// Writes (or resumes, or reuses) `out`: the images copied, one label plane per segmenter head,
// index.csv and the tables (labelled_dataset.h). Progress is phase 0. Throws Error for a bad
// segmenter or image (naming it), for an `out` that holds other labels, and DissectCancelled when
// stopped; then the chunks written so far stay for the next run.
LabelImagesResult label_images(const LabelImagesOptions& options, DissectProgress& progress,
                               std::stop_token stop = {});

}  // namespace unitscope::analysis
