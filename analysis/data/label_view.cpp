#include "analysis/data/label_view.h"

#include <algorithm>
#include <cmath>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/error.h"

namespace unitscope::analysis {

ViewRect view_rect(const Preprocess& p, int width, int height) {
  Preprocess no_crop = p;
  no_crop.crop = 0;
  int rw = width, rh = height;
  output_size(no_crop, width, height, rw, rh);
  ViewRect r{0.0, 0.0, double(width), double(height)};
  if (p.crop <= 0) return r;
  int cw = 0, ch = 0;
  output_size(p, width, height, cw, ch);  // throws for a crop larger than the resized image
  // The same integer offsets preprocess_image() crops at.
  const int left = (rw - cw) / 2, top = (rh - ch) / 2;
  const double sx = double(width) / rw, sy = double(height) / rh;
  r.left = left * sx;
  r.right = (left + cw) * sx;
  r.top = top * sy;
  r.bottom = (top + ch) * sy;
  return r;
}

void label_grid(const LabelView& view, int iw, int ih, int sw, int sh, int& out_width, int& out_height) {
  const ViewRect r = view_rect(view.preprocess, iw, ih);
  const double vw = r.right - r.left, vh = r.bottom - r.top;
  if (view.label_size > 0) {
    const double n = view.label_size;
    out_width = vw <= vh ? view.label_size : std::max(1, int(std::lround(n * vw / vh)));
    out_height = vw <= vh ? std::max(1, int(std::lround(n * vh / vw))) : view.label_size;
    return;
  }
  if (r.whole(iw, ih)) {
    out_width = sw;
    out_height = sh;
    return;
  }
  out_width = std::max(1, int(std::lround(vw * sw / iw)));
  out_height = std::max(1, int(std::lround(vh * sh / ih)));
}

namespace {

// For each of `out` cells across [begin, end) of an `image`-pixel axis, the label index (of
// `labels`) under its centre.
std::vector<int> nearest_axis(double begin, double end, int out, int image, int labels) {
  std::vector<int> index(static_cast<std::size_t>(out));
  const double step = (end - begin) / out, scale = double(labels) / image;
  for (int i = 0; i < out; ++i) {
    const double at = (begin + (i + 0.5) * step) * scale;
    index[static_cast<std::size_t>(i)] = std::clamp(int(std::floor(at)), 0, labels - 1);
  }
  return index;
}

}  // namespace

std::vector<std::int32_t> resample_labels(std::span<const std::int32_t> plane, int sw, int sh, int iw,
                                          int ih, const ViewRect& rect, int out_width, int out_height) {
  const std::vector<int> xs = nearest_axis(rect.left, rect.right, out_width, iw, sw);
  const std::vector<int> ys = nearest_axis(rect.top, rect.bottom, out_height, ih, sh);
  std::vector<std::int32_t> out(std::size_t(out_width) * std::size_t(out_height));
  for (int y = 0; y < out_height; ++y) {
    const std::int32_t* row = plane.data() + std::size_t(ys[std::size_t(y)]) * std::size_t(sw);
    std::int32_t* dst = out.data() + std::size_t(y) * std::size_t(out_width);
    for (int x = 0; x < out_width; ++x) dst[x] = row[xs[std::size_t(x)]];
  }
  return out;
}

void apply_label_view(const LabelView& view, BrodenSample& sample) {
  int ow = 0, oh = 0;
  label_grid(view, sample.iw, sample.ih, sample.sw, sample.sh, ow, oh);
  const ViewRect rect = view_rect(view.preprocess, sample.iw, sample.ih);
  if (ow == sample.sw && oh == sample.sh && rect.whole(sample.iw, sample.ih)) return;
  for (CategoryLabels& category : sample.labels) {
    for (auto& plane : category.planes) {
      plane = resample_labels(plane, sample.sw, sample.sh, sample.iw, sample.ih, rect, ow, oh);
    }
  }
  sample.sw = ow;
  sample.sh = oh;
}

Image crop_to_view(const Image& image, const Preprocess& p) {
  if (image.empty()) return image;
  const ViewRect r = view_rect(p, image.width, image.height);
  if (r.whole(image.width, image.height)) return image;
  const int x0 = std::clamp(int(std::lround(r.left)), 0, image.width - 1);
  const int y0 = std::clamp(int(std::lround(r.top)), 0, image.height - 1);
  const int x1 = std::clamp(int(std::lround(r.right)), x0 + 1, image.width);
  const int y1 = std::clamp(int(std::lround(r.bottom)), y0 + 1, image.height);
  Image out(x1 - x0, y1 - y0, image.channels);
  const std::size_t row_bytes = std::size_t(out.width) * std::size_t(image.channels);
  for (int y = 0; y < out.height; ++y) std::copy_n(image.at(x0, y0 + y), row_bytes, out.at(0, y));
  return out;
}

}  // namespace unitscope::analysis
