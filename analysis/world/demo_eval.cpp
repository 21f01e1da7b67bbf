#include "analysis/world/demo_eval.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analysis/data/error.h"
#include "analysis/world/world_batches.h"

namespace unitscope::analysis {
namespace {

using nlohmann::json;

SceneWorldOptions held_out_world(std::uint64_t seed, int size) {
  SceneWorldOptions w;
  w.seed = seed;
  w.width = size;
  w.height = size;
  return w;
}

at::Tensor logits(Model& model, const at::Tensor& input) {
  ForwardRequest request;
  return model.forward(input, request).output;
}


// Labels ([N, H, W] int64: 0 none, else world_object::Id + 1) and confidences ([N, H, W]) of the
// demo segmenter, whose channels are segmenter_class_names().
void segment(Model& segmenter, const std::vector<Image>& images, at::Tensor& labels,
             at::Tensor& confidence) {
  c10::InferenceMode guard;
  const at::Tensor out = logits(segmenter, segmenter.prepare(images));
  if (out.dim() != 4) throw Error("model " + segmenter.name() + " does not give per-pixel logits");
  const auto [conf, label] = out.softmax(1).max(1);
  labels = label;
  confidence = conf;
}

}  // namespace

SegmenterVocabulary demo_segmenter_vocabulary() {
  SegmenterVocabulary v = vocabulary_from_classes(segmenter_class_names());
  v.heads.at(0).min_confidence = kMinConfidence;
  return v;
}

ClassifierMetrics evaluate_classifier(Model& model, std::size_t images, int size, std::uint64_t seed,
                                      int batch) {
  c10::InferenceMode guard;
  WorldSampler sampler(held_out_world(seed, size), model.preprocess());
  ClassifierMetrics m;
  m.classes = scene_class_names();
  const std::size_t k = m.classes.size();
  std::vector<std::size_t> correct(k, 0);
  m.class_images.assign(k, 0);
  std::size_t total_correct = 0;
  for (std::size_t first = 0; first < images; first += std::size_t(batch)) {
    const int n = int(std::min<std::size_t>(std::size_t(batch), images - first));
    const WorldBatch b = sampler.batch(first, n, false);
    const at::Tensor out = logits(model, b.images);
    if (out.dim() != 2 || std::size_t(out.size(1)) != k) {
      throw Error("model " + model.name() + " gives " + std::to_string(out.dim() == 2 ? out.size(1) : 0) +
                  " outputs; the scene classifier needs " + std::to_string(k));
    }
    const at::Tensor pred = out.argmax(1);
    for (int i = 0; i < n; ++i) {
      const auto truth = std::size_t(b.classes[i].item<std::int64_t>());
      const bool ok = pred[i].item<std::int64_t>() == std::int64_t(truth);
      ++m.class_images[truth];
      correct[truth] += ok;
      total_correct += ok;
    }
  }
  m.images = images;
  m.accuracy = images ? double(total_correct) / double(images) : 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    m.class_accuracy.push_back(m.class_images[c] ? double(correct[c]) / double(m.class_images[c]) : -1.0);
  }
  return m;
}


SegmenterMetrics evaluate_segmenter(Model& model, std::size_t images, int size, std::uint64_t seed,
                                    int batch) {
  c10::InferenceMode guard;
  WorldSampler sampler(held_out_world(seed, size), model.preprocess());
  const std::vector<std::string> names = segmenter_class_names();
  const std::int64_t k = std::int64_t(names.size());
  at::Tensor inter = at::zeros({k}, at::kLong), uni = at::zeros({k}, at::kLong),
             gt = at::zeros({k}, at::kLong);
  std::int64_t correct = 0, labelled = 0;
  for (std::size_t first = 0; first < images; first += std::size_t(batch)) {
    const int n = int(std::min<std::size_t>(std::size_t(batch), images - first));
    const WorldBatch b = sampler.batch(first, n, true);
    const at::Tensor out = logits(model, b.images);
    if (out.dim() != 4 || out.size(1) != k) {
      throw Error("model " + model.name() + " does not give " + std::to_string(k) +
                  " per-pixel object logits");
    }
    const at::Tensor pred = out.argmax(1).flatten();
    const at::Tensor truth = b.objects.flatten();
    const at::Tensor valid = truth > 0;
    const at::Tensor p = pred.masked_select(valid), t = truth.masked_select(valid);
    correct += (p == t).sum().item<std::int64_t>();
    labelled += t.numel();
    const at::Tensor hit = t.masked_select(p == t);
    inter += at::bincount(hit, {}, k);
    const at::Tensor tc = at::bincount(t, {}, k), pc = at::bincount(p, {}, k);
    gt += tc;
    uni += tc + pc - at::bincount(hit, {}, k);
  }
  SegmenterMetrics m;
  m.images = images;
  m.pixel_accuracy = labelled ? double(correct) / double(labelled) : 0.0;
  double sum = 0.0;
  int present = 0;
  for (std::int64_t c = 1; c < k; ++c) {
    m.classes.push_back(names[std::size_t(c)]);
    const auto g = gt[c].item<std::int64_t>();
    m.pixels.push_back(std::uint64_t(g));
    if (g == 0) {
      m.iou.push_back(-1.0);
      continue;
    }
    const double iou = double(inter[c].item<std::int64_t>()) / double(uni[c].item<std::int64_t>());
    m.iou.push_back(iou);
    sum += iou;
    ++present;
  }
  m.mean_iou = present ? sum / present : 0.0;
  return m;
}


GanMetrics evaluate_gan(Model& generator, Model& segmenter, std::size_t samples, std::uint64_t seed,
                        int batch) {
  GanMetrics m;
  const std::vector<std::string> names = segmenter_class_names();
  m.classes.assign(names.begin() + 1, names.end());
  std::vector<std::size_t> has(m.classes.size(), 0);
  std::size_t passed = 0, objects = 0;
  double coverage_sum = 0.0;
  for (std::size_t first = 0; first < samples; first += std::size_t(batch)) {
    const int n = int(std::min<std::size_t>(std::size_t(batch), samples - first));
    at::Tensor labels, confidence;
    segment(segmenter, generate(generator, seed, first, n), labels, confidence);
    const at::Tensor confident = confidence >= kMinConfidence;
    for (int i = 0; i < n; ++i) {
      const at::Tensor l = labels[i].masked_select(confident[i]);
      const double pixels = double(labels[i].numel());
      const at::Tensor counts = at::bincount(l, {}, std::int64_t(names.size()));
      int found = 0;
      double covered = 0.0;
      for (std::size_t c = 1; c < names.size(); ++c) {
        const double share = double(counts[std::int64_t(c)].item<std::int64_t>()) / pixels;
        if (share >= kMinObjectShare) {
          ++found;
          covered += share;
          ++has[c - 1];
        }
      }
      objects += std::size_t(found);
      coverage_sum += covered;
      passed += (found >= 2 && covered >= 0.5);
    }
  }
  m.samples = samples;
  if (samples) {
    m.pass_fraction = double(passed) / double(samples);
    m.mean_objects = double(objects) / double(samples);
    m.mean_coverage = coverage_sum / double(samples);
  }
  for (std::size_t h : has) m.frequency.push_back(samples ? double(h) / double(samples) : 0.0);
  return m;
}

Image gan_contact_sheet(Model& generator, std::uint64_t seed, int count, int columns) {
  const std::vector<Image> images = generate(generator, seed, 0, count);
  const int w = images.at(0).width, h = images.at(0).height;
  const int rows = (count + columns - 1) / columns;
  Image sheet(columns * (w + 1) + 1, rows * (h + 1) + 1, 3);
  std::fill(sheet.pixels.begin(), sheet.pixels.end(), std::uint8_t(255));
  for (int i = 0; i < count; ++i) {
    const int x0 = 1 + (i % columns) * (w + 1), y0 = 1 + (i / columns) * (h + 1);
    for (int y = 0; y < h; ++y) {
      std::copy_n(images[std::size_t(i)].at(0, y), w * 3, sheet.at(x0, y0 + y));
    }
  }
  return sheet;
}

ClassifierMetrics evaluate_classifier(const ModelSpec& spec, std::size_t images, std::uint64_t seed) {
  auto model = open_model(spec);
  return evaluate_classifier(*model, images, kClassifierSize, seed);
}

SegmenterMetrics evaluate_segmenter(const ModelSpec& spec, std::size_t images, std::uint64_t seed) {
  auto model = open_model(spec);
  return evaluate_segmenter(*model, images, kSegmenterSize, seed);
}

GanMetrics evaluate_gan(const ModelSpec& generator, const ModelSpec& segmenter, std::size_t samples,
                        std::uint64_t seed) {
  auto g = open_model(generator);
  auto s = open_model(segmenter);
  return evaluate_gan(*g, *s, samples, seed);
}

void write_gan_contact_sheet(const ModelSpec& generator, std::uint64_t seed,
                             const std::string& png_path) {
  auto g = open_model(generator);
  write_png(png_path, gan_contact_sheet(*g, seed));
}

std::string to_json(const ClassifierMetrics& m) {
  json per = json::object();
  for (std::size_t c = 0; c < m.classes.size(); ++c) per[m.classes[c]] = m.class_accuracy[c];
  return json{{"images", m.images}, {"accuracy", m.accuracy}, {"class_accuracy", per}}.dump(2);
}

std::string to_json(const SegmenterMetrics& m) {
  json per = json::object();
  for (std::size_t c = 0; c < m.classes.size(); ++c) {
    if (m.iou[c] >= 0) per[m.classes[c]] = m.iou[c];
  }
  return json{{"images", m.images},
              {"pixel_accuracy", m.pixel_accuracy},
              {"mean_iou", m.mean_iou},
              {"iou", per}}
      .dump(2);
}

std::string to_json(const GanMetrics& m) {
  json per = json::object();
  for (std::size_t c = 0; c < m.classes.size(); ++c) {
    if (m.frequency[c] > 0) per[m.classes[c]] = m.frequency[c];
  }
  return json{{"samples", m.samples},
              {"pass_fraction", m.pass_fraction},
              {"mean_objects", m.mean_objects},
              {"mean_coverage", m.mean_coverage},
              {"object_frequency", per}}
      .dump(2);
}

}  // namespace unitscope::analysis
