#include "analysis/intervene/gan_intervention.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "analysis/model/generator_io.h"
#include "analysis/dissect/dissection_file.h"
#include "analysis/data/error.h"
#include "analysis/model/model.h"
#include "analysis/model/segmenter.h"

namespace unitscope::analysis {

struct GanEditor::Impl {
  GanInterventionOptions options;
  std::unique_ptr<Model> generator;
  std::unique_ptr<Segmenter> segmenter;
  LayerDissection dissection;
  std::int64_t concept_class = 0;  // the concept's label number in the segmenter's vocabulary
  std::int64_t head = 0;           // the segmenter head whose plane holds the concept
  std::vector<std::string> classes;  // label number -> concept name
  std::vector<std::int64_t> latent;  // per-sample latent shape
  std::vector<std::int64_t> shape;  // the layer's {C, H, W}

  explicit Impl(const GanInterventionOptions& o) : options(o) {
    set_threads(o.threads);
    generator = open_model(o.generator);
    segmenter = std::make_unique<Segmenter>(o.segmenter);
    generator->check_layer(o.layer);
    dissection = read_layer_dissection(o.dissection, o.layer);
    for (const auto& c : segmenter->concepts()) classes.push_back(c.name);
    concept_class = segmenter->concept_number(o.concept_name);
    const auto numbers = segmenter->vocabulary().channel_numbers();
    for (std::size_t h = 0; h < numbers.size(); ++h) {
      if (std::find(numbers[h].begin(), numbers[h].end(), int(concept_class)) != numbers[h].end()) {
        head = std::int64_t(h);
        break;
      }
    }
    dissection.label_number(o.concept_name);  // throws with the known concepts
    latent = generator->latent_shape();
    shape = dissection.shape;
    if (shape.size() != 3) throw Error("layer " + o.layer + " is not a convolutional layer");
  }

  at::Tensor latents(std::size_t first, int n) const {
    return sample_latents(options.seed, first, n, latent);
  }

  // The ace samples' activations at the layer and concept pixels, made once.
  std::vector<at::Tensor> ace_z, ace_acts;
  std::vector<double> ace_before;
  double ace_total = 0.0;

  void prepare_ace() {
    if (!ace_z.empty()) return;
    c10::InferenceMode guard;
    const auto batch = std::size_t(std::max(1, options.batch));
    for (std::size_t first = 0; first < options.ace_samples; first += batch) {
      const int n = int(std::min(batch, options.ace_samples - first));
      const at::Tensor z = latents(options.samples + first, n);
      ForwardRequest tap;
      tap.taps = {options.layer};
      const ForwardResult base = generator->forward(z, tap);
      const double before = double((segment(base.output, nullptr) == concept_class).sum().item<std::int64_t>());
      ace_z.push_back(z);
      ace_acts.push_back(base.taps.at(0));
      ace_before.push_back(before);
      ace_total += before;
    }
  }

  // For each set of units: the share of the concept's pixels over the ace samples that disappear
  // when the set is switched off everywhere.
  std::vector<double> removed_by(const std::vector<std::vector<int>>& sets) {
    prepare_ace();
    c10::InferenceMode guard;
    const std::int64_t c = shape[0];
    for (const auto& set : sets) {
      for (int u : set) {
        if (u < 0 || u >= c) throw Error("unit " + std::to_string(u + 1) + " is not in " + options.layer);
      }
    }
    const auto count = std::int64_t(sets.size());
    const bool from_layer = generator->can_start_at(options.layer);
    std::vector<double> removed(sets.size(), 0.0);
    for (std::size_t b = 0; b < ace_z.size(); ++b) {
      const at::Tensor& z = ace_z[b];
      const at::Tensor& activation = ace_acts[b];
      const std::int64_t n = z.size(0);
      // About 128 images through the rest of the generator and the segmenter at once.
      const std::int64_t per_pass = std::max<std::int64_t>(1, 128 / n);
      for (std::int64_t k0 = 0; k0 < count; k0 += per_pass) {
        const std::int64_t sets_now = std::min(per_pass, count - k0);
        // Row k * n + i is sample i with set k0 + k switched off.
        at::Tensor scale = at::ones({sets_now * n, c, 1, 1});
        for (std::int64_t k = 0; k < sets_now; ++k) {
          for (int u : sets[std::size_t(k0 + k)]) scale.slice(0, k * n, (k + 1) * n).select(1, u).fill_(0.0);
        }
        ForwardRequest request;
        at::Tensor output;
        if (from_layer) {
          std::vector<std::int64_t> repeat(std::size_t(activation.dim()), 1);
          repeat[0] = sets_now;
          output = generator->forward_from(options.layer, activation.repeat(repeat) * scale, request).output;
        } else {
          std::vector<std::int64_t> repeat(std::size_t(z.dim()), 1);
          repeat[0] = sets_now;
          request.edits = {LayerEdit{options.layer, scale, {}}};
          output = generator->forward(z.repeat(repeat), request).output;
        }
        const at::Tensor hits = (segment(output, nullptr) == concept_class).reshape({sets_now, -1}).sum(1);
        for (std::int64_t k = 0; k < sets_now; ++k) {
          removed[std::size_t(k0 + k)] += ace_before[b] - double(hits[k].item<std::int64_t>());
        }
      }
    }
    for (double& r : removed) r = ace_total > 0 ? r / ace_total : 0.0;
    return removed;
  }

  // The concept head's labels ([N, H, W], 0 where the head is unsure) of generator outputs.
  at::Tensor segment(const at::Tensor& output, std::vector<Image>* images) {
    std::vector<Image> out = tensor_to_images(output);
    const at::Tensor labels = segmenter->label(out, out.at(0).width, out.at(0).height).select(1, head);
    if (images) *images = std::move(out);
    return labels;
  }

  // Generator output for `z` with the edit, segmented.
  at::Tensor run(const at::Tensor& z, const std::vector<LayerEdit>& edits, std::vector<Image>* images) {
    c10::InferenceMode guard;
    ForwardRequest request;
    request.edits = edits;
    return segment(generator->forward(z, request).output, images);
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
  const int most = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  AblationEffect effect = ablate(counts, impl_->dissection.top_units(impl_->options.concept_name, most), {});
  effect.rank = "iou";
  return effect;
}

std::vector<double> GanEditor::causal_effects(const std::vector<int>& units) {
  std::vector<std::vector<int>> sets;
  for (int u : units) sets.push_back({u});
  return impl_->removed_by(sets);
}

std::vector<int> GanEditor::rank_by_causal_effect(std::size_t count) {
  Impl& m = *impl_;
  // Candidates: the units the learned coefficients rank first, and the concept's best by IoU.
  std::vector<int> order;
  removal_coefficients(&order);
  std::vector<int> candidates(order.begin(), order.begin() + std::ptrdiff_t(std::min(order.size(), count + 8)));
  for (int u : m.dissection.top_units(m.options.concept_name, int(count))) {
    if (std::find(candidates.begin(), candidates.end(), u) == candidates.end()) candidates.push_back(u);
  }
  // Greedy: each next unit is the one that, switched off with those before it, removes the most.
  // Lazily: a unit's gain from the last time it was measured bounds its gain now (more units off
  // leave less to remove), so each step measures the few best by that bound until one beats the
  // bound of all the rest.
  constexpr std::size_t kProbe = 8;
  std::vector<int> chosen;
  std::vector<std::pair<double, int>> bound;  // (gain when last measured, unit)
  double removed_now = 0.0;
  {
    std::vector<std::vector<int>> sets;
    for (int u : candidates) sets.push_back({u});
    const std::vector<double> removed = m.removed_by(sets);
    for (std::size_t k = 0; k < candidates.size(); ++k) bound.emplace_back(removed[k], candidates[k]);
  }
  while (chosen.size() < count && !bound.empty()) {
    std::stable_sort(bound.begin(), bound.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::size_t fresh = chosen.empty() ? bound.size() : 0;  // the first step measured them all
    while (true) {
      // The best measured this step, and whether it beats every bound not yet measured.
      std::size_t best = 0;
      for (std::size_t k = 1; k < fresh; ++k) {
        if (bound[k].first > bound[best].first) best = k;
      }
      if (fresh > 0 && (fresh == bound.size() || bound[best].first >= bound[fresh].first)) {
        removed_now += bound[best].first;
        chosen.push_back(bound[best].second);
        bound.erase(bound.begin() + std::ptrdiff_t(best));
        break;
      }
      const std::size_t end = std::min(bound.size(), fresh + kProbe);
      std::vector<std::vector<int>> sets;
      for (std::size_t k = fresh; k < end; ++k) {
        sets.push_back(chosen);
        sets.back().push_back(bound[k].second);
      }
      const std::vector<double> removed = m.removed_by(sets);
      for (std::size_t k = fresh; k < end; ++k) bound[k].first = removed[k - fresh] - removed_now;
      // Keep the measured ones first, best first, so the unmeasured bounds follow them.
      std::stable_sort(bound.begin(), bound.begin() + std::ptrdiff_t(end),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      fresh = end;
    }
  }
  return chosen;
}

std::vector<double> GanEditor::removal_coefficients(std::vector<int>* ranking, int steps) {
  Impl& m = *impl_;
  const std::int64_t c = m.shape[0];
  const auto samples = std::int64_t(m.options.ace_samples);
  if (samples < 1) throw Error("the causal effect needs at least one sample");
  const bool from_layer = m.generator->can_start_at(m.options.layer);
  const std::int64_t batch = std::min<std::int64_t>(samples, 8);
  at::Tensor z_all, acts;
  {
    c10::InferenceMode guard;
    z_all = m.latents(m.options.samples, int(samples));
    if (from_layer) {
      std::vector<at::Tensor> parts;
      for (std::int64_t first = 0; first < samples; first += batch) {
        ForwardRequest tap;
        tap.taps = {m.options.layer};
        tap.want_output = false;
        parts.push_back(m.generator->forward(z_all.slice(0, first, std::min(samples, first + batch)), tap).taps.at(0));
      }
      acts = at::cat(parts);
    }
  }
  // Tensors made under inference mode cannot be saved for backward: plain copies.
  z_all = z_all.clone();
  if (acts.defined()) acts = acts.clone();
  at::Tensor theta = at::full({c}, -3.0);
  at::Tensor m1 = at::zeros({c}), m2 = at::zeros({c});
  constexpr double kRate = 0.1, kBeta1 = 0.9, kBeta2 = 0.999;
  // The L1 cost falls in stages: the units that enter (coefficient above one half) while it is high
  // remove the concept on their own; each later stage adds those that remove what is left.
  constexpr double kCosts[] = {4e-3, 2e-3, 1e-3, 2.5e-4, 0.0};
  constexpr int kStages = int(std::size(kCosts));
  std::vector<int> entered(std::size_t(c), steps + 1);
  for (int step = 1; step <= steps; ++step) {
    const double cost = kCosts[std::min(kStages - 1, (step - 1) * kStages / steps)];
    const std::int64_t first = ((step - 1) * batch) % samples;
    const std::int64_t last = std::min(samples, first + batch);
    theta.set_requires_grad(true);
    const at::Tensor alpha = theta.sigmoid();
    const at::Tensor keep = (1.0 - alpha).view({1, c, 1, 1});
    ForwardRequest request;
    request.autograd = true;
    at::Tensor output;
    if (from_layer) {
      output = m.generator->forward_from(m.options.layer, acts.slice(0, first, last) * keep, request).output;
    } else {
      request.edits = {LayerEdit{m.options.layer, keep, {}}};
      output = m.generator->forward(z_all.slice(0, first, last), request).output;
    }
    const at::Tensor loss = m.segmenter->concept_probability(output, int(m.concept_class)).mean() + cost * alpha.sum();
    loss.backward();
    const at::Tensor g = theta.grad().detach();
    theta = theta.detach();
    m1 = kBeta1 * m1 + (1 - kBeta1) * g;
    m2 = kBeta2 * m2 + (1 - kBeta2) * g * g;
    const double c1 = 1 - std::pow(kBeta1, step), c2 = 1 - std::pow(kBeta2, step);
    theta = theta - kRate * (m1 / c1) / ((m2 / c2).sqrt() + 1e-8);
    const at::Tensor in = (theta > 0).contiguous();
    for (std::int64_t u = 0; u < c; ++u) {
      if (in.data_ptr<bool>()[u] && entered[std::size_t(u)] > steps) entered[std::size_t(u)] = step;
    }
  }
  const at::Tensor alpha = theta.detach().sigmoid().contiguous();
  std::vector<double> out(alpha.data_ptr<float>(), alpha.data_ptr<float>() + c);
  if (ranking) {
    ranking->resize(std::size_t(c));
    for (std::size_t u = 0; u < ranking->size(); ++u) (*ranking)[u] = int(u);
    // Earlier entry first; among units that entered together or never, the larger coefficient.
    std::stable_sort(ranking->begin(), ranking->end(), [&](int a, int b) {
      const auto ua = std::size_t(a), ub = std::size_t(b);
      return entered[ua] != entered[ub] ? entered[ua] < entered[ub] : out[ua] > out[ub];
    });
  }
  return out;
}

AblationEffect GanEditor::ablate(const std::vector<int>& counts, const std::vector<int>& ranked,
                                 const std::vector<double>& ace) {
  Impl& m = *impl_;
  AblationEffect effect;
  effect.concept_name = m.options.concept_name;
  effect.rank = "ace";
  effect.ranked_units = ranked;
  effect.ace = ace;
  for (int u : ranked) {
    if (u < 0 || u >= m.shape[0]) throw Error("unit " + std::to_string(u + 1) + " is not in " + m.options.layer);
  }
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
