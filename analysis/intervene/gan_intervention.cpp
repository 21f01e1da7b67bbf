#include "analysis/intervene/gan_intervention.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <map>

#include "analysis/model/demo_eval.h"
#include "analysis/dissect/dissection_file.h"
#include "analysis/data/error.h"
#include "analysis/model/model.h"
#include "analysis/world/world_batches.h"

namespace unitscope::analysis {

struct GanEditor::Impl {
  GanInterventionOptions options;
  std::unique_ptr<Model> generator;
  std::unique_ptr<Model> segmenter;
  LayerDissection dissection;
  std::int64_t concept_class = 0;  // segmenter class (object id + 1)
  std::vector<std::string> classes;
  std::vector<std::int64_t> latent;  // per-sample latent shape
  std::vector<std::int64_t> shape;  // the layer's {C, H, W}

  explicit Impl(const GanInterventionOptions& o) : options(o) {
    set_threads(o.threads);
    generator = open_model(o.generator);
    segmenter = open_model(o.segmenter);
    generator->check_layer(o.layer);
    dissection = read_layer_dissection(o.dissection, o.layer);
    classes = segmenter_class_names();
    const auto it = std::find(classes.begin() + 1, classes.end(), o.concept_name);
    if (it == classes.end()) throw Error("the segmenter has no object \"" + o.concept_name + "\"");
    concept_class = it - classes.begin();
    dissection.label_number(o.concept_name);  // throws with the known concepts
    latent = generator->latent_shape();
    shape = dissection.shape;
    if (shape.size() != 3) throw Error("layer " + o.layer + " is not a convolutional layer");
  }

  at::Tensor latents(std::size_t first, int n) const {
    return sample_latents(options.seed, first, n, latent);
  }

  // Generator output for `z` with the edit, segmented: labels with unsure pixels set to 0.
  at::Tensor run(const at::Tensor& z, const std::vector<LayerEdit>& edits, std::vector<Image>* images) {
    c10::InferenceMode guard;
    ForwardRequest request;
    request.edits = edits;
    std::vector<Image> out = tensor_to_images(generator->forward(z, request).output);
    at::Tensor labels, confidence;
    segment(*segmenter, out, labels, confidence);
    if (images) *images = std::move(out);
    return labels.masked_fill(confidence < kMinConfidence, 0);
  }

  // out = x * scale + shift with `units` set to value * mask and left alone elsewhere.
  LayerEdit unit_edit(const std::vector<int>& units, const at::Tensor& mask /* [N,1,H,W] */,
                      bool remove, double strength) const {
    const std::int64_t c = shape[0];
    at::Tensor pick = at::zeros({1, c, 1, 1});
    at::Tensor value = at::zeros({1, c, 1, 1});
    for (int u : units) {
      pick[0][u][0][0] = 1.0;
      value[0][u][0][0] = remove ? 0.0 : strength * dissection.units[std::size_t(u)].threshold;
    }
    const at::Tensor m = mask * pick;  // [N, C, H, W]
    LayerEdit e;
    e.layer = options.layer;
    e.scale = 1.0 - m;
    e.shift = m * value;
    return e;
  }
};

GanEditor::GanEditor(const GanInterventionOptions& options) : impl_(std::make_unique<Impl>(options)) {}
GanEditor::~GanEditor() = default;

AblationEffect GanEditor::ablate(const std::vector<int>& counts) {
  Impl& m = *impl_;
  AblationEffect effect;
  effect.concept_name = m.options.concept_name;
  const int most = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  effect.ranked_units = m.dissection.top_units(m.options.concept_name, most);
  const auto k = std::int64_t(m.classes.size());
  at::Tensor before = at::zeros({k}, at::kLong);
  std::vector<at::Tensor> after;  // one tensor each: copies of one at::Tensor would share storage
  for (std::size_t i = 0; i < counts.size(); ++i) after.push_back(at::zeros({k}, at::kLong));
  for (std::size_t first = 0; first < m.options.samples; first += std::size_t(m.options.batch)) {
    const int n = int(std::min<std::size_t>(std::size_t(m.options.batch), m.options.samples - first));
    const at::Tensor z = m.latents(first, n);
    before += at::bincount(m.run(z, {}, nullptr).flatten(), {}, k);
    const at::Tensor everywhere = at::ones({n, 1, m.shape[1], m.shape[2]});
    for (std::size_t i = 0; i < counts.size(); ++i) {
      std::vector<int> units(effect.ranked_units.begin(),
                             effect.ranked_units.begin() + std::min<std::ptrdiff_t>(counts[i], std::ptrdiff_t(effect.ranked_units.size())));
      after[i] += at::bincount(m.run(z, {m.unit_edit(units, everywhere, true, 0.0)}, nullptr).flatten(), {}, k);
    }
  }
  const auto c = m.concept_class;
  effect.concept_pixels = std::uint64_t(before[c].item<std::int64_t>());
  const double others_before = double(before.slice(0, 1).sum().item<std::int64_t>() - before[c].item<std::int64_t>());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    AblationPoint p;
    p.units = counts[i];
    const double was = double(before[c].item<std::int64_t>());
    p.removed = was > 0 ? 1.0 - double(after[i][c].item<std::int64_t>()) / was : 0.0;
    const double others_after = double(after[i].slice(0, 1).sum().item<std::int64_t>() - after[i][c].item<std::int64_t>());
    p.others_kept = others_before > 0 ? others_after / others_before : 0.0;
    effect.points.push_back(p);
  }
  return effect;
}

InsertionEffect GanEditor::insert(int units, int region, double strength) {
  Impl& m = *impl_;
  const std::int64_t gh = m.shape[1], gw = m.shape[2];
  if (region <= 0 || region > gh || region > gw) {
    throw Error("insertion region " + std::to_string(region) + " does not fit the " + std::to_string(gh) +
                "x" + std::to_string(gw) + " grid of " + m.options.layer);
  }
  InsertionEffect effect;
  effect.concept_name = m.options.concept_name;
  effect.units = m.dissection.top_units(m.options.concept_name, units);
  effect.region = region;
  std::map<std::string, std::pair<std::size_t, double>> by_context;
  double total = 0.0;
  std::size_t trials = 0;
  for (std::size_t first = 0; first < m.options.samples; first += std::size_t(m.options.batch)) {
    const int n = int(std::min<std::size_t>(std::size_t(m.options.batch), m.options.samples - first));
    const at::Tensor z = m.latents(first, n);
    const at::Tensor base = m.run(z, {}, nullptr);
    const std::int64_t ih = base.size(1), iw = base.size(2);
    for (std::int64_t y = 0; y + region <= gh; y += region) {
      for (std::int64_t x = 0; x + region <= gw; x += region) {
        at::Tensor mask = at::zeros({n, 1, gh, gw});
        mask.slice(2, y, y + region).slice(3, x, x + region).fill_(1.0);
        const at::Tensor edited = m.run(z, {m.unit_edit(effect.units, mask, false, strength)}, nullptr);
        // The square in image pixels.
        const std::int64_t y0 = y * ih / gh, y1 = (y + region) * ih / gh;
        const std::int64_t x0 = x * iw / gw, x1 = (x + region) * iw / gw;
        const at::Tensor before = base.slice(1, y0, y1).slice(2, x0, x1);
        const at::Tensor after = edited.slice(1, y0, y1).slice(2, x0, x1);
        const double pixels = double((y1 - y0) * (x1 - x0));
        for (int i = 0; i < n; ++i) {
          const at::Tensor counts = at::bincount(before[i].flatten(), {}, std::int64_t(m.classes.size()));
          const std::int64_t context = counts.argmax().item<std::int64_t>();
          const double added = double((after[i] == m.concept_class).sum().item<std::int64_t>() -
                                      (before[i] == m.concept_class).sum().item<std::int64_t>()) /
                               pixels;
          auto& slot = by_context[context == 0 ? "(unsure)" : m.classes[std::size_t(context)]];
          ++slot.first;
          slot.second += added;
          total += added;
          ++trials;
        }
      }
    }
  }
  effect.mean_added = trials ? total / double(trials) : 0.0;
  for (const auto& [name, slot] : by_context) {
    effect.contexts.push_back({name, slot.first, slot.second / double(slot.first)});
  }
  std::stable_sort(effect.contexts.begin(), effect.contexts.end(),
                   [](const auto& a, const auto& b) { return a.added > b.added; });
  return effect;
}

std::pair<int, int> GanEditor::output_size() {
  Impl& m = *impl_;
  c10::InferenceMode guard;
  ForwardRequest request;
  const at::Tensor out = m.generator->forward(m.latents(0, 1), request).output;
  return {int(out.size(3)), int(out.size(2))};
}

PaintResult GanEditor::paint(const PaintRequest& request) {
  Impl& m = *impl_;
  PaintResult result;
  result.units = m.dissection.top_units(m.options.concept_name, request.units);
  const at::Tensor z = m.latents(request.sample, 1);
  std::vector<Image> before, after;
  const at::Tensor base = m.run(z, {}, &before);
  const std::int64_t ih = base.size(1), iw = base.size(2);
  if (request.mask.width != iw || request.mask.height != ih || request.mask.channels != 1) {
    throw Error("the paint mask must be one channel of " + std::to_string(iw) + "x" + std::to_string(ih) +
                " (the generator's output), not " + std::to_string(request.mask.width) + "x" +
                std::to_string(request.mask.height) + "x" + std::to_string(request.mask.channels));
  }
  at::Tensor image_mask = at::empty({1, 1, ih, iw});
  float* dst = image_mask.data_ptr<float>();
  for (std::size_t i = 0; i < request.mask.pixels.size(); ++i) dst[i] = request.mask.pixels[i] ? 1.0f : 0.0f;
  const at::Tensor grid = std::get<0>(at::adaptive_max_pool2d(image_mask, {m.shape[1], m.shape[2]}));
  const at::Tensor edited =
      m.run(z, {m.unit_edit(result.units, grid, request.remove, request.strength)}, &after);
  const at::Tensor inside = image_mask[0][0] > 0;
  const double area = std::max(1.0, double(inside.sum().item<std::int64_t>()));
  result.concept_before = double(((base[0] == m.concept_class) & inside).sum().item<std::int64_t>()) / area;
  result.concept_after = double(((edited[0] == m.concept_class) & inside).sum().item<std::int64_t>()) / area;
  result.before = std::move(before.at(0));
  result.after = std::move(after.at(0));
  return result;
}

}  // namespace unitscope::analysis
