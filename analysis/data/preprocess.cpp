#include "analysis/data/preprocess.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/data/error.h"

namespace unitscope::analysis {
namespace {

using nlohmann::json;

// One axis of a PIL-style bilinear resample: a triangle filter widened by the shrink factor, so
// shrinking averages every source pixel instead of skipping some.
struct Taps {
  std::vector<int> first;
  std::vector<int> count;
  std::vector<float> weights;  // count[i] weights per output pixel, at stride `max_count`
  int max_count = 0;
};

Taps make_taps(int in_size, int out_size) {
  const double scale = double(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;
  Taps t;
  t.max_count = int(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(std::size_t(out_size) * t.max_count, 0.0f);
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    const int lo = std::max(0, int(center - support + 0.5));
    const int hi = std::min(in_size, int(center + support + 0.5));
    double total = 0.0;
    std::vector<double> w;
    for (int i = lo; i < hi; ++i) {
      const double d = std::abs((i - center + 0.5) / filter_scale);
      w.push_back(d < 1.0 ? 1.0 - d : 0.0);
      total += w.back();
    }
    t.first[o] = lo;
    t.count[o] = int(w.size());
    for (std::size_t k = 0; k < w.size(); ++k) {
      t.weights[std::size_t(o) * t.max_count + k] = float(total > 0 ? w[k] / total : 0.0);
    }
  }
  return t;
}

// Resamples a planar float image (planes x h x w) to nh x nw.
std::vector<float> resize_planes(const std::vector<float>& src, int planes, int w, int h, int nw,
                                 int nh) {
  if (w == nw && h == nh) return src;
  const Taps tx = make_taps(w, nw);
  const Taps ty = make_taps(h, nh);
  std::vector<float> mid(std::size_t(planes) * h * nw);
  for (int p = 0; p < planes; ++p) {
    for (int y = 0; y < h; ++y) {
      const float* row = src.data() + (std::size_t(p) * h + y) * w;
      float* out = mid.data() + (std::size_t(p) * h + y) * nw;
      for (int x = 0; x < nw; ++x) {
        const float* k = tx.weights.data() + std::size_t(x) * tx.max_count;
        float acc = 0.0f;
        for (int i = 0; i < tx.count[x]; ++i) acc += k[i] * row[tx.first[x] + i];
        out[x] = acc;
      }
    }
  }
  std::vector<float> dst(std::size_t(planes) * nh * nw);
  for (int p = 0; p < planes; ++p) {
    for (int y = 0; y < nh; ++y) {
      const float* k = ty.weights.data() + std::size_t(y) * ty.max_count;
      float* out = dst.data() + (std::size_t(p) * nh + y) * nw;
      for (int i = 0; i < ty.count[y]; ++i) {
        const float* row = mid.data() + (std::size_t(p) * h + ty.first[y] + i) * nw;
        for (int x = 0; x < nw; ++x) out[x] += k[i] * row[x];
      }
    }
  }
  return dst;
}

std::array<float, 3> triple_from_json(const json& j, const std::string& what) {
  if (j.is_number()) {
    const float v = j.get<float>();
    return {v, v, v};
  }
  if (j.is_array() && j.size() == 3 && j[0].is_number() && j[1].is_number() && j[2].is_number()) {
    return {j[0].get<float>(), j[1].get<float>(), j[2].get<float>()};
  }
  throw Error(what + " must be a number or an array of 3 numbers, not " + j.dump());
}

// Floats as the decimal the user typed (124.6901, not 124.69010162353516) in the sidecar.
json short_decimals(const std::array<float, 3>& v) {
  json out = json::array();
  for (float f : v) {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, f).ptr;
    out.push_back(std::strtod(std::string(buf, end).c_str(), nullptr));
  }
  return out;
}

void check_std(const std::array<float, 3>& s, const std::string& where) {
  for (float v : s) {
    if (!(v > 0.0f) || !std::isfinite(v)) {
      throw Error(where + ": std must be positive, got " + std::to_string(v));
    }
  }
}

}  // namespace

std::filesystem::path sidecar_path(const std::filesystem::path& model) {
  std::filesystem::path p = model;
  p += ".json";
  return p;
}

std::optional<Sidecar> read_sidecar(const std::filesystem::path& model) {
  const std::filesystem::path path = sidecar_path(model);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path);
  if (!in) throw Error("cannot read model sidecar " + path.string());
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error("model sidecar " + path.string() + " is not valid JSON: " + e.what());
  }
  const std::string where = "model sidecar " + path.string();
  if (!j.is_object()) throw Error(where + " must hold a JSON object");
  Sidecar s;
  try {
    if (j.contains("preprocess")) {
      const json& p = j.at("preprocess");
      if (!p.is_object()) throw Error(where + ": \"preprocess\" must be an object");
      Preprocess pre;
      for (const auto& [key, value] : p.items()) {
        if (key == "resize") pre.resize = value.get<int>();
        else if (key == "stretch") pre.stretch = value.get<bool>();
        else if (key == "crop") pre.crop = value.get<int>();
        else if (key == "channel_order") pre.order = parse_channel_order(value.get<std::string>());
        else if (key == "mean") pre.mean = triple_from_json(value, where + ": \"mean\"");
        else if (key == "std") pre.std = triple_from_json(value, where + ": \"std\"");
        else throw Error(where + ": unknown key \"preprocess." + key + "\"");
      }
      if (pre.resize < 0 || pre.crop < 0) throw Error(where + ": resize and crop must be >= 0");
      check_std(pre.std, where);
      s.preprocess = pre;
    }
    if (j.contains("input_shape")) s.input_shape = j.at("input_shape").get<std::vector<std::int64_t>>();
    if (j.contains("input_size")) s.input_size = j.at("input_size").get<int>();
    if (j.contains("classes")) s.classes = j.at("classes").get<std::vector<std::string>>();
    if (j.contains("dissect")) {
      const json& d = j.at("dissect");
      if (!d.is_object()) throw Error(where + ": \"dissect\" must be an object");
      for (const auto& [key, value] : d.items()) {
        if (key == "quantile") s.dissect.quantile = value.get<double>();
        else if (key == "iou_threshold") s.dissect.iou_threshold = value.get<double>();
        else if (key == "categories") s.dissect.categories = value.get<std::vector<std::string>>();
        else if (key == "label_size") s.dissect.label_size = value.get<int>();
        else throw Error(where + ": unknown key \"dissect." + key + "\" (quantile, iou_threshold, categories, label_size)");
      }
    }
    if (j.contains("segmenter")) s.segmenter = vocabulary_from_json(j.at("segmenter"), where);
    if (j.contains("architecture")) s.architecture = j.at("architecture").dump();
  } catch (const json::exception& e) {
    throw Error(where + ": " + e.what());
  }
  return s;
}

void write_sidecar(const std::filesystem::path& model, const Sidecar& s) {
  json j = json::object();
  if (s.preprocess) {
    const Preprocess& p = *s.preprocess;
    j["preprocess"] = {{"resize", p.resize},
                       {"stretch", p.stretch},
                       {"crop", p.crop},
                       {"channel_order", p.order == ChannelOrder::kRgb ? "rgb" : "bgr"},
                       {"mean", short_decimals(p.mean)},
                       {"std", short_decimals(p.std)}};
  }
  if (!s.input_shape.empty()) j["input_shape"] = s.input_shape;
  if (s.input_size > 0) j["input_size"] = s.input_size;
  if (!s.classes.empty()) j["classes"] = s.classes;
  if (!s.dissect.empty()) {
    json d = json::object();
    if (s.dissect.quantile) d["quantile"] = *s.dissect.quantile;
    if (s.dissect.iou_threshold) d["iou_threshold"] = *s.dissect.iou_threshold;
    if (s.dissect.categories) d["categories"] = *s.dissect.categories;
    if (s.dissect.label_size) d["label_size"] = *s.dissect.label_size;
    j["dissect"] = d;
  }
  if (s.segmenter) j["segmenter"] = vocabulary_to_json(*s.segmenter);
  if (!s.architecture.empty()) j["architecture"] = json::parse(s.architecture);
  const std::filesystem::path path = sidecar_path(model);
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) throw Error("cannot write model sidecar " + path.string());
}

void apply(const PreprocessOverrides& o, Preprocess& p) {
  if (o.resize) p.resize = *o.resize;
  if (o.stretch) p.stretch = *o.stretch;
  if (o.crop) p.crop = *o.crop;
  if (o.order) p.order = *o.order;
  if (o.mean) p.mean = *o.mean;
  if (o.std) p.std = *o.std;
  if (p.resize < 0 || p.crop < 0) throw Error("--resize and --crop must be >= 0");
  check_std(p.std, "preprocessing");
}

Preprocess resolve_preprocess(const std::optional<Sidecar>& sidecar, const PreprocessOverrides& cli) {
  Preprocess p;
  if (sidecar && sidecar->preprocess) p = *sidecar->preprocess;
  apply(cli, p);
  return p;
}

std::array<float, 3> parse_triple(const std::string& text, const std::string& what) {
  std::vector<float> values;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t used = 0;
    float v = 0.0f;
    try {
      v = std::stof(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && std::isspace(static_cast<unsigned char>(item[used]))) ++used;
    if (item.empty() || used != item.size() || !std::isfinite(v)) {
      throw Error(what + ": \"" + text + "\" is not a number or R,G,B");
    }
    values.push_back(v);
  }
  if (values.size() == 1) return {values[0], values[0], values[0]};
  if (values.size() == 3 && text.back() != ',') return {values[0], values[1], values[2]};
  throw Error(what + ": \"" + text + "\" must be one number or three (R,G,B)");
}

ChannelOrder parse_channel_order(const std::string& text) {
  if (text == "rgb" || text == "RGB") return ChannelOrder::kRgb;
  if (text == "bgr" || text == "BGR") return ChannelOrder::kBgr;
  throw Error("channel order must be rgb or bgr, not \"" + text + "\"");
}

void output_size(const Preprocess& p, int width, int height, int& out_width, int& out_height) {
  out_width = width;
  out_height = height;
  if (p.resize > 0) {
    if (p.stretch) {
      out_width = out_height = p.resize;
    } else if (width <= height) {
      out_width = p.resize;
      out_height = std::max(1, int(std::lround(double(height) * p.resize / width)));
    } else {
      out_height = p.resize;
      out_width = std::max(1, int(std::lround(double(width) * p.resize / height)));
    }
  }
  if (p.crop > 0) {
    if (p.crop > out_width || p.crop > out_height) {
      throw Error("cannot crop " + std::to_string(p.crop) + "x" + std::to_string(p.crop) +
                  " from a " + std::to_string(out_width) + "x" + std::to_string(out_height) +
                  " image");
    }
    out_width = out_height = p.crop;
  }
}

std::vector<float> preprocess_image(const Image& image, const Preprocess& p, int& out_width,
                                    int& out_height) {
  const int w = image.width;
  const int h = image.height;
  const int c = image.channels;
  if (w <= 0 || h <= 0 || c < 1 || c > 4 || image.pixels.size() != std::size_t(w) * h * c) {
    throw Error("cannot preprocess an empty or malformed image (" + std::to_string(w) + "x" +
                std::to_string(h) + "x" + std::to_string(c) + ")");
  }
  // RGB planes in pixel units; gray is replicated and alpha dropped.
  const std::size_t n = std::size_t(w) * h;
  std::vector<float> planes(3 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* px = image.pixels.data() + i * c;
    for (int k = 0; k < 3; ++k) planes[k * n + i] = px[c >= 3 ? k : 0];
  }
  int rw = w;
  int rh = h;
  if (p.resize > 0) {
    Preprocess no_crop = p;
    no_crop.crop = 0;
    output_size(no_crop, w, h, rw, rh);
    planes = resize_planes(planes, 3, w, h, rw, rh);
  }
  output_size(p, w, h, out_width, out_height);
  const int left = (rw - out_width) / 2;
  const int top = (rh - out_height) / 2;
  const std::size_t m = std::size_t(out_width) * out_height;
  std::vector<float> out(3 * m);
  for (int k = 0; k < 3; ++k) {
    const int dst_plane = p.order == ChannelOrder::kRgb ? k : 2 - k;
    const float mean = p.mean[k];
    const float inv_std = 1.0f / p.std[k];
    for (int y = 0; y < out_height; ++y) {
      const float* src = planes.data() + std::size_t(k) * rw * rh + std::size_t(y + top) * rw + left;
      float* dst = out.data() + dst_plane * m + std::size_t(y) * out_width;
      for (int x = 0; x < out_width; ++x) dst[x] = (src[x] - mean) * inv_std;
    }
  }
  return out;
}

std::string describe(const Preprocess& p) {
  std::ostringstream s;
  s << std::setprecision(7) << "resize ";
  if (p.resize > 0) s << p.resize << (p.stretch ? " (stretch)" : " (shorter side)");
  else s << "none";
  s << ", crop ";
  if (p.crop > 0) s << p.crop;
  else s << "none";
  s << ", " << (p.order == ChannelOrder::kRgb ? "RGB" : "BGR") << ", mean " << p.mean[0] << ","
    << p.mean[1] << "," << p.mean[2] << ", std " << p.std[0] << "," << p.std[1] << "," << p.std[2];
  return s.str();
}

}  // namespace unitscope::analysis
