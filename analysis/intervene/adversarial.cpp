#include "analysis/intervene/adversarial.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/error.h"
#include "analysis/intervene/intervention_report.h"
#include "analysis/model/model.h"
#include "analysis/intervene/unit_importance.h"

namespace unitscope::analysis {
namespace {

// Per input channel of the model (after any BGR reordering): the affine map from pixels.
struct PixelSpace {
  at::Tensor mean, std, lo, hi;  // [1, 3, 1, 1]; lo/hi: normalised values of pixels 0 and 255
};

PixelSpace pixel_space(const Preprocess& p) {
  std::vector<float> mean(3), sd(3);
  for (int i = 0; i < 3; ++i) {
    const int rgb = p.order == ChannelOrder::kRgb ? i : 2 - i;
    mean[std::size_t(i)] = p.mean[std::size_t(rgb)];
    sd[std::size_t(i)] = p.std[std::size_t(rgb)];
  }
  PixelSpace s;
  s.mean = at::tensor(mean, at::kFloat).view({1, 3, 1, 1});
  s.std = at::tensor(sd, at::kFloat).view({1, 3, 1, 1});
  s.lo = (0.0f - s.mean) / s.std;
  s.hi = (255.0f - s.mean) / s.std;
  return s;
}

// Normalised model input -> RGB8 images (rounded), undoing mean/std and channel order.
std::vector<Image> to_images(const at::Tensor& x, const PixelSpace& s, ChannelOrder order) {
  at::Tensor pix = (x * s.std + s.mean).round().clamp(0, 255).to(at::kByte);
  if (order == ChannelOrder::kBgr) pix = pix.flip({1});
  pix = pix.permute({0, 2, 3, 1}).contiguous();
  std::vector<Image> out;
  for (std::int64_t i = 0; i < pix.size(0); ++i) {
    Image im(int(pix.size(2)), int(pix.size(1)), 3);
    const std::uint8_t* src = pix[i].data_ptr<std::uint8_t>();
    std::copy(src, src + im.pixels.size(), im.pixels.begin());
    out.push_back(std::move(im));
  }
  return out;
}

// Per image and unit, the largest activation over all positions: [N, C].
at::Tensor peaks(const at::Tensor& act) {
  if (act.dim() <= 2) return act.to(at::kFloat);
  return act.flatten(2).amax(2).to(at::kFloat);
}

int resolve_target(const std::string& rule, int label, std::size_t classes, std::mt19937_64& rng,
                   int named) {
  const int k = int(classes);
  if (rule == "next") return (label + 1) % k;
  if (rule == "random") {
    std::uniform_int_distribution<int> pick(0, k - 2);
    const int t = pick(rng);
    return t >= label ? t + 1 : t;
  }
  return named;
}

void check_options(const AttackOptions& o) {
  if (!(o.epsilon > 0.0 && o.epsilon <= 255.0)) {
    throw Error("--epsilon must be in (0, 255] pixel units, got " + std::to_string(o.epsilon));
  }
  if (!(o.step > 0.0)) throw Error("--step must be positive, got " + std::to_string(o.step));
  if (o.steps < 1) throw Error("--steps must be at least 1, got " + std::to_string(o.steps));
}

// The class that --target names, or -1 when it gives the rule next or random.
int named_target(const std::string& target, const std::vector<std::string>& classes) {
  if (target == "next" || target == "random") return -1;
  const auto it = std::find(classes.begin(), classes.end(), target);
  if (it == classes.end()) {
    std::string list;
    for (const auto& c : classes) list += (list.empty() ? "" : ", ") + c;
    throw Error("--target \"" + target + "\" is not next, random or a class; classes are: " + list);
  }
  return int(it - classes.begin());
}

AttackResult start_result(const AttackOptions& o, const Model& model,
                          const ImportanceSummary& importance,
                          const std::vector<std::string>& classes, std::size_t considered) {
  AttackResult r;
  r.model = model.name();
  r.layer = importance.layer;
  r.target_rule = o.target;
  r.dataset = o.dataset;
  r.importance = o.importance;
  r.classes = classes;
  r.epsilon = o.epsilon;
  r.step = o.step;
  r.steps = o.steps;
  r.top_units = std::max(1, o.top_units);
  r.units = importance.units;
  r.considered = considered;
  return r;
}

// One attack run's fixed inputs and what its batches gather for the unit statistics.
struct Attack {
  const AttackOptions& o;
  Model& model;
  const ClassImages& images;
  std::size_t k_classes = 0;
  int named = -1;
  PixelSpace space;
  at::Tensor eps, alpha;  // epsilon and step in normalised units, per channel
  std::mt19937_64 rng;    // target "random", drawn image by image in dataset order
  std::vector<at::Tensor> clean_peaks, adv_peaks;
  std::vector<std::pair<int, int>> label_target;  // of each attacked image
};

// The batch rows worth attacking and their targets; the others count as skipped.
void choose_rows(Attack& a, AttackResult& r, std::size_t begin, std::size_t end,
                 const at::Tensor& clean_pred, std::vector<std::int64_t>& chosen,
                 std::vector<std::int64_t>& targets) {
  for (std::size_t i = begin; i < end; ++i) {
    const auto row = std::int64_t(i - begin);
    const int label = a.images.label(i);
    const int target = resolve_target(a.o.target, label, a.k_classes, a.rng, a.named);
    if (target == label || (!a.o.all_images && clean_pred[row].item<std::int64_t>() != label)) {
      ++r.skipped;
      continue;
    }
    chosen.push_back(row);
    targets.push_back(target);
  }
}

// Projected gradient descent on the targets' loss, within the epsilon box around x0.
at::Tensor pgd(Attack& a, const at::Tensor& x0, const at::Tensor& target_t,
               const std::stop_token& stop) {
  at::Tensor x = x0.clone();
  for (int step = 0; step < a.o.steps; ++step) {
    if (stop.stop_requested()) throw InterventionCancelled();
    at::Tensor xg = x.detach().requires_grad_(true);
    ForwardRequest request;
    request.autograd = true;
    const at::Tensor out = a.model.forward(xg, request).output;
    const at::Tensor loss = at::nll_loss(at::log_softmax(out, 1), target_t, {}, at::Reduction::Sum);
    const at::Tensor grad = torch::autograd::grad({loss}, {xg})[0];
    // Descend the target's loss; project onto the epsilon box around x0 and the valid pixels.
    at::Tensor next = x - a.alpha * grad.sign();
    next = at::min(at::max(next, x0 - a.eps), x0 + a.eps);
    x = at::min(at::max(next, a.space.lo), a.space.hi).detach();
  }
  return x;
}

// Attacks images [begin, end) and records each attacked one in r and its peaks in a.
void attack_batch(Attack& a, AttackResult& r, std::size_t begin, std::size_t end,
                  const std::stop_token& stop) {
  std::vector<Image> pixels;
  for (std::size_t i = begin; i < end; ++i) pixels.push_back(a.images.read(i));
  const at::Tensor x_all = a.model.prepare(pixels);
  ForwardRequest look;
  look.taps = {r.layer};
  const ForwardResult clean_all = a.model.forward(x_all, look);
  if (clean_all.output.dim() != 2 || clean_all.output.size(1) != std::int64_t(a.k_classes)) {
    throw Error("model " + r.model + " does not output one score per class (" +
                std::to_string(a.k_classes) + " classes)");
  }
  const at::Tensor clean_pred_all = clean_all.output.argmax(1);
  std::vector<std::int64_t> chosen, targets;
  choose_rows(a, r, begin, end, clean_pred_all, chosen, targets);
  if (chosen.empty()) return;
  const at::Tensor index = at::tensor(chosen, at::kLong);
  const at::Tensor x0 = x_all.index_select(0, index);
  const at::Tensor target_t = at::tensor(targets, at::kLong);
  const at::Tensor x = pgd(a, x0, target_t, stop);
  // Scored as continuous pixels; only the report's pictures are rounded to 8 bits.
  const std::vector<Image> adv_images = to_images(x, a.space, a.model.preprocess().order);
  const std::vector<Image> clean_images = to_images(x0, a.space, a.model.preprocess().order);
  const ForwardResult adv = a.model.forward(x, look);
  const at::Tensor linf = ((x - x0) * a.space.std).abs().flatten(1).amax(1);
  const at::Tensor adv_pred = adv.output.argmax(1);
  const at::Tensor clean_peak = peaks(clean_all.taps[0]).index_select(0, index);
  const at::Tensor adv_peak = peaks(adv.taps[0]);
  a.clean_peaks.push_back(clean_peak);
  a.adv_peaks.push_back(adv_peak);
  for (std::size_t j = 0; j < chosen.size(); ++j) {
    const auto i = begin + std::size_t(chosen[j]);
    const auto jj = std::int64_t(j);
    AttackedImage im;
    im.name = a.images.name(i);
    im.label = a.images.label(i);
    im.target = int(targets[j]);
    im.clean_prediction = int(clean_pred_all[chosen[j]].item<std::int64_t>());
    im.adversarial_prediction = int(adv_pred[jj].item<std::int64_t>());
    im.linf = linf[jj].item<double>();
    if (im.adversarial_prediction == im.target) ++r.succeeded;
    if (r.examples.size() < std::size_t(std::max(0, a.o.examples))) {
      r.examples.push_back(
          {clean_images[j], adv_images[j], im.label, im.target, im.adversarial_prediction});
    }
    a.label_target.emplace_back(im.label, im.target);
    r.images.push_back(std::move(im));
  }
}

// Per unit, the means over the attacked images of the clean and adversarial peaks and of |change|.
void average_units(AttackResult& r, const double* clean_p, const double* change, std::size_t n,
                   std::size_t units) {
  r.unit_clean_peak.assign(units, 0.0);
  r.unit_adversarial_peak.assign(units, 0.0);
  r.unit_change.assign(units, 0.0);
  r.unit_important.assign(units, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t u = 0; u < units; ++u) {
      r.unit_clean_peak[u] += clean_p[i * units + u] / double(n);
      r.unit_adversarial_peak[u] += (clean_p[i * units + u] + change[i * units + u]) / double(n);
      r.unit_change[u] += std::abs(change[i * units + u]) / double(n);
    }
  }
}

// The changes of the label's and target's important units against all other units.
void compare_units(AttackResult& r, const ImportanceSummary& importance,
                   const std::vector<std::pair<int, int>>& label_target, const double* change,
                   std::size_t n, std::size_t units) {
  double imp_sum = 0, other_sum = 0, imp_rel = 0, other_rel = 0, label_sum = 0, target_sum = 0;
  double other_signed = 0, toward = 0;
  std::size_t imp_n = 0, other_n = 0, imp_rel_n = 0, other_rel_n = 0, label_n = 0, target_n = 0;
  std::size_t toward_n = 0;
  const std::size_t top = std::min(units, std::size_t(r.top_units));
  for (std::size_t i = 0; i < n; ++i) {
    // Bit 1: among the label's top units; bit 2: among the target's.
    std::vector<char> important(units, 0);
    const auto [label, target] = label_target[i];
    for (std::size_t t = 0; t < top; ++t) {
      const auto lu = std::size_t(importance.rankings[std::size_t(label)][t]);
      const auto tu = std::size_t(importance.rankings[std::size_t(target)][t]);
      important[lu] |= 1;
      important[tu] |= 2;
      label_sum += change[i * units + lu];
      target_sum += change[i * units + tu];
      ++label_n;
      ++target_n;
    }
    double img_imp = 0, img_other = 0;
    std::size_t img_imp_n = 0, img_other_n = 0;
    for (std::size_t u = 0; u < units; ++u) {
      const double d = std::abs(change[i * units + u]);
      const double scale = r.unit_clean_peak[u];
      if (important[u] == 1 || important[u] == 2) {
        toward += important[u] == 2 ? change[i * units + u] : -change[i * units + u];
        ++toward_n;
      }
      if (important[u]) {
        ++r.unit_important[u];
        img_imp += d;
        ++img_imp_n;
        if (scale > 1e-6) imp_rel += d / scale, ++imp_rel_n;
      } else {
        other_signed += change[i * units + u];
        img_other += d;
        ++img_other_n;
        if (scale > 1e-6) other_rel += d / scale, ++other_rel_n;
      }
    }
    imp_sum += img_imp;
    other_sum += img_other;
    imp_n += img_imp_n;
    other_n += img_other_n;
    r.images[i].important_change = img_imp_n ? img_imp / double(img_imp_n) : 0.0;
    r.images[i].other_change = img_other_n ? img_other / double(img_other_n) : 0.0;
  }
  auto mean = [](double s, std::size_t c) { return c ? s / double(c) : std::nan(""); };
  r.important_change = mean(imp_sum, imp_n);
  r.other_change = mean(other_sum, other_n);
  r.important_relative = mean(imp_rel, imp_rel_n);
  r.other_relative = mean(other_rel, other_rel_n);
  r.label_units_signed = mean(label_sum, label_n);
  r.target_units_signed = mean(target_sum, target_n);
  r.other_units_signed = mean(other_signed, other_n);
  r.toward_target = mean(toward, toward_n);
}

// The unit statistics of r from the peaks the batches gathered.
void summarize_units(AttackResult& r, const Attack& a, const ImportanceSummary& importance) {
  const at::Tensor clean = at::cat(a.clean_peaks, 0).to(at::kDouble);
  const at::Tensor adv = at::cat(a.adv_peaks, 0).to(at::kDouble);
  if (clean.size(1) != importance.units) {
    throw Error("layer " + r.layer + " has " + std::to_string(clean.size(1)) + " units but " +
                (a.o.importance / "ablation.json").string() + " ranks " +
                std::to_string(importance.units));
  }
  const auto units = std::size_t(importance.units);
  const auto n = std::size_t(clean.size(0));
  const at::Tensor change_t = (adv - clean).contiguous();
  const at::Tensor clean_c = clean.contiguous();
  const double* change = change_t.data_ptr<double>();
  const double* clean_p = clean_c.data_ptr<double>();
  average_units(r, clean_p, change, n, units);
  compare_units(r, importance, a.label_target, change, n, units);
}

}  // namespace

AttackResult run_attack(const AttackOptions& o, AttackProgress& progress, std::stop_token stop) {
  const auto start = std::chrono::steady_clock::now();
  check_options(o);
  set_threads(o.threads);
  const ImportanceSummary importance = read_importance(o.importance);
  auto model = open_model(o.model);
  model->check_layer(importance.layer);
  std::vector<std::string> classes =
      model->sidecar() && !model->sidecar()->classes.empty() ? model->sidecar()->classes : importance.classes;
  if (classes != importance.classes) {
    throw Error("the classes of " + model->name() + " differ from those of " +
                (o.importance / "ablation.json").string() + " (an ablate run of another model?)");
  }
  const ClassImages images = ClassImages::open(o.dataset, classes, o.split, o.label_category, o.limit);
  const std::size_t k_classes = classes.size();
  if (k_classes < 2) throw Error("an attack needs at least two classes");
  const int named = named_target(o.target, classes);

  AttackResult r = start_result(o, *model, importance, classes, images.size());
  const PixelSpace space = pixel_space(model->preprocess());
  Attack a{o, *model, images, k_classes, named, space, float(o.epsilon) / space.std,
           float(o.step) / space.std, std::mt19937_64(o.seed), {}, {}, {}};
  const std::size_t batch = std::size_t(std::max(1, o.batch));
  progress.phase = 1;
  progress.total = images.size();
  for (std::size_t begin = 0; begin < images.size(); begin += batch) {
    const std::size_t end = std::min(images.size(), begin + batch);
    attack_batch(a, r, begin, end, stop);
    progress.done = end;  // after the batch's attack, the slow part
  }
  if (r.images.empty()) {
    throw Error("no images to attack in " + o.dataset.string() + " (split \"" + o.split + "\"): " +
                std::to_string(r.skipped) + " skipped as misclassified or already the target" +
                (o.all_images ? "" : "; --all-images attacks misclassified ones too"));
  }
  summarize_units(r, a, importance);
  progress.phase = 2;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace unitscope::analysis
