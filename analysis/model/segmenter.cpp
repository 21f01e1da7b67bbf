#include "analysis/model/segmenter.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <map>

#include "analysis/data/error.h"
#include <nlohmann/json.hpp>

#include "analysis/data/fingerprint.h"

namespace unitscope::analysis {
namespace {

// The head's view of an image: stretched to size x size, never cropped, so that every label
// pixel maps back onto the whole image.
Preprocess head_preprocess(const Preprocess& model, int size) {
  Preprocess p = model;
  p.resize = size;
  p.stretch = true;
  p.crop = 0;
  return p;
}

std::string shape_text(const at::Tensor& t) {
  std::string out = "[";
  for (std::int64_t d = 0; d < t.dim(); ++d) out += (d ? ", " : "") + std::to_string(t.size(d));
  return out + "]";
}

}  // namespace

Segmenter::Segmenter(const ModelSpec& spec) : model_(open_model(spec)) {
  const auto& sidecar = model_->sidecar();
  if (sidecar && sidecar->segmenter) {
    vocabulary_ = *sidecar->segmenter;
  } else if (sidecar && !sidecar->classes.empty()) {
    vocabulary_ = vocabulary_from_classes(sidecar->classes);
  } else {
    throw Error("segmenter " + spec.source + " names none of its outputs: its sidecar " +
                sidecar_path(spec.source).string() +
                " needs \"segmenter\": {\"heads\": [{\"category\": ..., \"channels\": [...]}]} or \"classes\"");
  }
  if (model_->is_generator()) throw Error("model " + spec.source + " is a generator, not a segmenter");
  concepts_ = vocabulary_.concepts();
  for (const auto& numbers : vocabulary_.channel_numbers()) {
    lookup_.push_back(at::tensor(std::vector<std::int64_t>(numbers.begin(), numbers.end()), at::kLong));
  }
  fingerprint_ = spec.source.rfind("builtin:", 0) == 0
                     ? fnv1a_64_hex(spec.source + "#" + std::to_string(spec.seed))
                     : file_fingerprint(spec.source) + file_fingerprint(sidecar_path(spec.source));
  fingerprint_ += fnv1a_64_hex(vocabulary_to_json(vocabulary_).dump());

  // One forward per size, on a grey image, before any work starts.
  c10::InferenceMode guard;
  const int expected = vocabulary_.channel_count();
  std::map<int, std::pair<int, int>> probed;
  for (std::size_t h = 0; h < vocabulary_.heads.size(); ++h) {
    const int size = head_size(h);
    if (probed.count(size)) continue;
    Image grey(size, size, 3);
    std::fill(grey.pixels.begin(), grey.pixels.end(), std::uint8_t(128));
    ForwardRequest request;
    const at::Tensor out = model_->forward(prepare_images({&grey, 1}, head_preprocess(model_->preprocess(), size)),
                                           request).output;
    if (!out.defined() || out.dim() != 4) {
      throw Error("segmenter " + spec.source + " gives " + (out.defined() ? shape_text(out) : std::string("nothing")) +
                  " for a " + std::to_string(size) + "x" + std::to_string(size) +
                  " image; a segmenter gives per-pixel logits [N, C, H, W]");
    }
    if (out.size(1) != expected) {
      throw Error("segmenter " + spec.source + " gives " + std::to_string(out.size(1)) + " channels; its sidecar " +
                  sidecar_path(spec.source).string() + " names " + std::to_string(expected) + ": " +
                  vocabulary_.describe());
    }
    probed[size] = {int(out.size(3)), int(out.size(2))};
    label_size_.first = std::max(label_size_.first, int(out.size(3)));
    label_size_.second = std::max(label_size_.second, int(out.size(2)));
  }
}

Segmenter::~Segmenter() = default;

const std::string& Segmenter::name() const { return model_->name(); }

int Segmenter::head_size(std::size_t head) const {
  const int size = vocabulary_.heads.at(head).size;
  return size > 0 ? size : model_->default_size();
}

int Segmenter::concept_number(const std::string& name) const {
  for (std::size_t n = 1; n < concepts_.size(); ++n) {
    if (concepts_[n].name == name) return int(n);
  }
  std::string known;
  for (std::size_t n = 1; n < concepts_.size(); ++n) known += (n > 1 ? ", " : "") + concepts_[n].name;
  throw Error("segmenter " + model_->name() + " knows no concept \"" + name + "\"; it knows " + known);
}

at::Tensor Segmenter::label(std::span<const Image> images, int width, int height) {
  c10::InferenceMode guard;
  const auto n = std::int64_t(images.size());
  const auto heads = std::int64_t(vocabulary_.heads.size());
  at::Tensor out = at::zeros({n, heads, height, width}, at::kLong);
  std::map<int, at::Tensor> logits;  // per size, resized to height x width
  for (std::int64_t h = 0; h < heads; ++h) {
    const int size = head_size(std::size_t(h));
    auto it = logits.find(size);
    if (it == logits.end()) {
      ForwardRequest request;
      at::Tensor raw = model_->forward(prepare_images(images, head_preprocess(model_->preprocess(), size)),
                                       request).output.to(at::kFloat);
      if (raw.size(2) != height || raw.size(3) != width) {
        raw = at::upsample_bilinear2d(raw, {height, width}, false);
      }
      it = logits.emplace(size, raw).first;
    }
    const SegmenterHead& head = vocabulary_.heads[std::size_t(h)];
    const at::Tensor mine = it->second.narrow(1, head.first_channel, std::int64_t(head.channels.size()));
    const auto [confidence, channel] = mine.softmax(1).max(1);
    at::Tensor numbers = lookup_[std::size_t(h)].take(channel);
    if (head.min_confidence > 0) numbers = numbers.masked_fill(confidence < head.min_confidence, 0);
    out.select(1, h).copy_(numbers);
  }
  return out;
}

at::Tensor Segmenter::concept_probability(const at::Tensor& images, int number) {
  const auto numbers = vocabulary_.channel_numbers();
  for (std::size_t h = 0; h < numbers.size(); ++h) {
    const auto& mine = numbers[h];
    if (std::find(mine.begin(), mine.end(), number) == mine.end()) continue;
    const int size = head_size(h);
    const Preprocess& p = model_->preprocess();
    at::Tensor x = (images + 1.0) * 127.5;
    if (x.size(2) != size || x.size(3) != size) x = at::upsample_bilinear2d(x, {size, size}, false);
    const at::Tensor mean = at::tensor(std::vector<float>(p.mean.begin(), p.mean.end())).view({1, 3, 1, 1});
    const at::Tensor std = at::tensor(std::vector<float>(p.std.begin(), p.std.end())).view({1, 3, 1, 1});
    x = (x - mean) / std;
    if (p.order == ChannelOrder::kBgr) x = x.flip({1});
    ForwardRequest request;
    request.autograd = true;
    const SegmenterHead& head = vocabulary_.heads[h];
    const at::Tensor probability =
        model_->forward(x, request).output.narrow(1, head.first_channel, std::int64_t(head.channels.size())).softmax(1);
    std::vector<std::int64_t> channels;
    for (std::size_t c = 0; c < mine.size(); ++c) {
      if (mine[c] == number) channels.push_back(std::int64_t(c));
    }
    return probability.index_select(1, at::tensor(channels, at::kLong)).sum(1);
  }
  throw Error("segmenter " + model_->name() + " has no concept number " + std::to_string(number));
}

}  // namespace unitscope::analysis
