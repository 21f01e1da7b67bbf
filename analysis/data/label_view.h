// What a model sees of each image (resize, centre crop) carried over to its label maps and pictures.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/data/preprocess.h"

namespace unitscope::analysis {

struct BrodenSample;

// A crop's activations describe the crop, so they must be scored against the crop's labels: the
// label maps go through the same resize and crop as the image, by nearest neighbour.
struct LabelView {
  Preprocess preprocess;
  // The grid maps and labels are compared on. 0: the labels' own resolution over the view (the
  // whole label map when nothing is cropped); N: the view's shorter side becomes N, aspect kept.
  int label_size = 0;

  bool operator==(const LabelView&) const = default;
};

// The part of a width x height image the model sees, in that image's pixel units (edges, not
// centres): the crop of the resized image mapped back through the resize.
struct ViewRect {
  double left = 0.0, top = 0.0, right = 0.0, bottom = 0.0;
  bool whole(int width, int height) const {
    return left == 0.0 && top == 0.0 && right == double(width) && bottom == double(height);
  }
};
ViewRect view_rect(const Preprocess& p, int width, int height);

// The compared grid for an image of iw x ih whose labels are sw x sh.
void label_grid(const LabelView& view, int iw, int ih, int sw, int sh, int& out_width, int& out_height);

// One sw x sh label plane of an iw x ih image, read at the centres of an out_width x out_height
// grid over `rect`: nearest neighbour, so label numbers are never blended.
std::vector<std::int32_t> resample_labels(std::span<const std::int32_t> plane, int sw, int sh, int iw,
                                          int ih, const ViewRect& rect, int out_width, int out_height);

// Every label plane of `sample` onto the view's grid; sh and sw become the grid's size. Image-level
// labels stay. Needs sample.iw and sample.ih (from the index); the pixels need not be loaded.
void apply_label_view(const LabelView& view, BrodenSample& sample);

// The pixels of `image` the model sees, at the image's own resolution, for drawing maps over them.
Image crop_to_view(const Image& image, const Preprocess& p);

}  // namespace unitscope::analysis
