// Writes images with concept label planes as a dataset in Broden's layout, chunk by chunk so that a
// later run resumes where one stopped: what a segmenter labels once and dissections read many times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "analysis/data/concept_vocabulary.h"
#include "analysis/data/image.h"

namespace unitscope::analysis {

struct LabelledImage {
  std::filesystem::path copy_from;  // the original file, copied byte for byte; empty: write `pixels` as PNG
  std::string extension = ".png";   // of the copy under images/
  int width = 0, height = 0;        // the image's size, for index.csv
  Image pixels;                     // only read when copy_from is empty
  int label_width = 0, label_height = 0;
  std::vector<std::vector<std::uint16_t>> planes;  // one per head: concept numbers, 0 = none
};

// The layout: images/<folder>/NNNNNN<ext>, one label PNG per head with a concept in it, index.csv
// (split "train"), label.csv, category.csv and c_<category>.csv with the concepts' numbers, names,
// frequencies and coverage. Chunks live in .chunks/ until finish() writes the tables.
class LabelledDatasetWriter {
 public:
  // `fingerprint` names what the labels depend on (segmenter, images, options). A directory that
  // holds chunks or a dataset of another fingerprint is refused with an Error naming it.
  LabelledDatasetWriter(std::filesystem::path dir, const SegmenterVocabulary& vocabulary,
                        std::string fingerprint, std::string folder = "images");

  // Whether the dataset is there, whole, with this fingerprint (then nothing needs writing).
  bool complete() const;
  bool has_chunk(std::size_t chunk) const;
  // Writes the images' files, then the chunk's rows in one atomic file. Image k of the chunk is
  // number first + k of the dataset.
  void write_chunk(std::size_t chunk, std::size_t first, std::span<const LabelledImage> images);
  // Writes index.csv and the tables from chunks 0 .. chunks-1, then drops the chunks. Returns
  // the number of images.
  std::size_t finish(std::size_t chunks);

 private:
  std::filesystem::path dir_;
  SegmenterVocabulary vocabulary_;
  std::vector<Concept> concepts_;
  std::vector<std::vector<int>> head_planes_;  // per category of the vocabulary: its heads
  std::string fingerprint_;
  std::string folder_;
};

// A label plane as Broden stores it: RGB with the label number in R + 256 * G, B = 0.
Image encode_label_png_pixels(std::span<const std::uint16_t> plane, int width, int height);

}  // namespace unitscope::analysis
