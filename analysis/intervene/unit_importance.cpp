#include "analysis/intervene/unit_importance.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/error.h"
#include "analysis/model/model.h"

namespace unitscope::analysis {

// ---- ClassImages ----------------------------------------------------------------------------

struct ClassImages::Impl {
  struct Entry {
    std::string name;
    std::filesystem::path file;  // ImageFolder
    std::size_t position = 0;    // Broden
    int label = 0;
  };
  std::vector<std::string> classes;
  std::vector<Entry> entries;
  std::optional<BrodenDataset> broden;
};

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

int class_index(const std::vector<std::string>& classes, const std::string& name) {
  const auto it = std::find(classes.begin(), classes.end(), name);
  return it == classes.end() ? -1 : int(it - classes.begin());
}

bool is_image_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".ppm";
}

std::vector<std::filesystem::path> sorted_children(const std::filesystem::path& dir, bool dirs) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (dirs ? e.is_directory() : (e.is_regular_file() && is_image_file(e.path()))) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void open_broden(ClassImages::Impl& impl, const std::filesystem::path& dir, const std::string& split,
                 const std::string& category, std::size_t limit) {
  if (impl.classes.empty()) {
    throw Error("the model has no class names to match the " + category + " labels of " + dir.string() +
                "; add \"classes\" to its sidecar (MODEL.json)");
  }
  BrodenOptions options;
  options.split = split;
  options.categories = {category};
  options.load_images = false;
  const BrodenDataset labels = BrodenDataset::open(dir, options);
  const std::size_t n = limit > 0 ? std::min(limit, labels.size()) : labels.size();
  for (std::size_t pos = 0; pos < n; ++pos) {
    const std::optional<BrodenSample> s = labels.read(pos);
    const std::string where = (dir / "index.csv").string() + " row " + std::to_string(s->row + 1);
    if (s->labels.empty() || s->labels[0].image_labels.empty()) {
      throw Error(where + " (" + s->image + ") has no " + category + " label");
    }
    const int number = s->labels[0].image_labels[0];
    const auto& table = labels.labels();
    const std::string name =
        number >= 0 && std::size_t(number) < table.size() ? table[std::size_t(number)].name : "";
    const int index = class_index(impl.classes, name);
    if (index < 0) {
      throw Error(where + ": " + category + " label \"" + name + "\" (number " + std::to_string(number) +
                  " in label.csv) is not one of the model's classes: " + join(impl.classes));
    }
    impl.entries.push_back({where + " (" + s->image + ")", {}, pos, index});
  }
  options.load_images = true;
  options.threads = 1;
  impl.broden.emplace(BrodenDataset::open(dir, options));
}

void open_image_folder(ClassImages::Impl& impl, const std::filesystem::path& dir,
                       const std::string& split, std::size_t limit) {
  const bool has_splits =
      std::filesystem::is_directory(dir / "train") && std::filesystem::is_directory(dir / "val");
  std::vector<std::filesystem::path> roots;
  if (has_splits) {
    if (split.empty() || split == "train") roots.push_back(dir / "train");
    if (split.empty() || split == "val") roots.push_back(dir / "val");
    if (roots.empty()) throw Error("ImageFolder " + dir.string() + " has no split \"" + split + "\"");
  } else {
    if (!split.empty() && split != "train" && split != "val") {
      throw Error("ImageFolder " + dir.string() + " has no train/ and val/ subdirectories, so only "
                  "splits train and val (every other image) exist, not \"" + split + "\"");
    }
    roots.push_back(dir);
  }
  std::vector<std::string> order = impl.classes;
  if (order.empty()) {
    // No class names from the model: torchvision's ImageFolder order, sorted subdirectory names.
    std::set<std::string> names;
    for (const auto& root : roots) {
      for (const auto& d : sorted_children(root, true)) names.insert(d.filename().string());
    }
    order.assign(names.begin(), names.end());
    impl.classes = order;
  }
  for (const auto& root : roots) {
    for (const auto& d : sorted_children(root, true)) {
      const std::string name = d.filename().string();
      const int index = class_index(order, name);
      if (index < 0) {
        throw Error("ImageFolder class directory " + d.string() + ": \"" + name +
                    "\" is not one of the model's classes: " + join(order));
      }
      const auto files = sorted_children(d, false);
      for (std::size_t i = 0; i < files.size(); ++i) {
        // Without train/ and val/, every other image (by name) is held out for val.
        if (!has_splits && !split.empty() && (i % 2 == 1) != (split == "val")) continue;
        impl.entries.push_back({files[i].string(), files[i], 0, index});
      }
    }
  }
  // Interleave classes so that `limit` keeps every class.
  std::stable_sort(impl.entries.begin(), impl.entries.end(), [&](const auto& a, const auto& b) {
    return a.label < b.label;
  });
  std::vector<std::size_t> seen(order.size(), 0);
  std::vector<std::pair<std::size_t, std::size_t>> keys;
  for (std::size_t i = 0; i < impl.entries.size(); ++i) {
    keys.emplace_back(seen[std::size_t(impl.entries[i].label)]++, i);
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ClassImages::Impl::Entry> shuffled;
  for (const auto& k : keys) shuffled.push_back(impl.entries[k.second]);
  impl.entries = std::move(shuffled);
  if (limit > 0 && impl.entries.size() > limit) impl.entries.resize(limit);
}

}  // namespace

ClassImages::ClassImages(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClassImages::ClassImages(ClassImages&&) noexcept = default;
ClassImages& ClassImages::operator=(ClassImages&&) noexcept = default;
ClassImages::~ClassImages() = default;

ClassImages ClassImages::open(const std::filesystem::path& dir, const std::vector<std::string>& classes,
                              const std::string& split, const std::string& label_category,
                              std::size_t limit) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error("dataset " + dir.string() + " is not a directory (give a Broden-format or ImageFolder "
                "directory)");
  }
  auto impl = std::make_unique<Impl>();
  impl->classes = classes;
  if (std::filesystem::exists(dir / "index.csv")) {
    open_broden(*impl, dir, split, label_category, limit);
  } else {
    open_image_folder(*impl, dir, split, limit);
  }
  return ClassImages(std::move(impl));
}

std::size_t ClassImages::size() const { return impl_->entries.size(); }
int ClassImages::label(std::size_t i) const { return impl_->entries.at(i).label; }
const std::string& ClassImages::name(std::size_t i) const { return impl_->entries.at(i).name; }
const std::vector<std::string>& ClassImages::classes() const { return impl_->classes; }

Image ClassImages::read(std::size_t i) const {
  const auto& e = impl_->entries.at(i);
  if (!impl_->broden) return read_image(e.file, 3);
  std::optional<BrodenSample> s = impl_->broden->read(e.position);
  return std::move(s->pixels);
}

std::vector<std::size_t> ClassImages::class_counts() const {
  std::vector<std::size_t> counts(impl_->classes.size(), 0);
  for (const auto& e : impl_->entries) ++counts[std::size_t(e.label)];
  return counts;
}

// ---- Batched ablations ----------------------------------------------------------------------

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per ablation configuration and class: enough for one-vs-rest balanced accuracy of argmax.
struct AblationCounts {
  std::size_t classes = 0;
  double images = 0;
  std::vector<double> per_class;  // images of each class
  std::vector<double> hits;       // [config][class]: images of the class predicted as it
  std::vector<double> predicted;  // [config][class]: images predicted as the class
  std::vector<double> log_prob;   // [config][class]: summed log-probability on its own images

  double balanced_accuracy(std::size_t config, std::size_t c) const {
    const double pos = per_class[c], neg = images - pos;
    if (pos == 0 || neg == 0) return kNaN;
    const std::size_t i = config * classes + c;
    return 0.5 * (hits[i] / pos + 1.0 - (predicted[i] - hits[i]) / neg);
  }
  double mean_log_prob(std::size_t config, std::size_t c) const {
    return per_class[c] > 0 ? log_prob[config * classes + c] / per_class[c] : kNaN;
  }
};

std::vector<double> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.contiguous().to(at::kDouble);
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// The activations at the ablated layer of every batch, kept between runs over the same images
// while they fit in kCacheBytes.
struct LayerCache {
  static constexpr std::size_t kCacheBytes = std::size_t{256} << 20;
  std::vector<at::Tensor> batches;
  std::size_t bytes = 0;
  bool overflowed = false;
};

// Runs every image of `images` to `layer` once (or takes it from `cache`), then every configuration
// (a row of `keep`, 1 keeps and 0 zeroes a unit at every position) from `layer` on, many per
// forward as per-sample scales. progress.done counts from `progress_base`.
// The per-sample axis that holds a layer's units: the first for [C, H, W] and [C], the last for
// channels-last maps and tokens (layer_layout.h).
std::size_t unit_axis(const at::Tensor& act, LayerLayout layout, const std::string& layer) {
  const std::vector<std::int64_t> shape(act.sizes().begin() + 1, act.sizes().end());
  const LayerLayout chosen = layout == LayerLayout::kAuto ? guess_layout(shape) : layout;
  if (chosen == LayerLayout::kAuto || chosen == LayerLayout::kChannels) return 0;
  return unit_grid(shape, chosen, layer).channel_axis();
}

AblationCounts run_ablations(Model& model, const std::string& layer, const ClassImages& images,
                             const at::Tensor& keep, const ImportanceOptions& o,
                             ImportanceProgress& progress, const std::stop_token& stop,
                             std::size_t& rows_run, LayerCache* cache = nullptr,
                             std::size_t progress_base = 0) {
  const std::int64_t configs = keep.size(0), units = keep.size(1);
  const auto classes = std::int64_t(images.classes().size());
  AblationCounts counts;
  counts.classes = std::size_t(classes);
  at::Tensor hits = at::zeros({configs, classes}, at::kDouble);
  at::Tensor predicted = at::zeros({configs, classes}, at::kDouble);
  at::Tensor log_prob = at::zeros({configs, classes}, at::kDouble);
  at::Tensor per_class = at::zeros({classes}, at::kDouble);
  const std::size_t batch = std::size_t(std::max(1, o.batch));
  progress.done = progress_base;
  for (std::size_t begin = 0, index = 0; begin < images.size(); begin += batch, ++index) {
    if (stop.stop_requested()) throw InterventionCancelled();
    const std::size_t end = std::min(images.size(), begin + batch);
    std::vector<std::int64_t> labels;
    for (std::size_t i = begin; i < end; ++i) labels.push_back(images.label(i));
    const auto n = std::int64_t(labels.size());
    at::Tensor act;
    if (cache && index < cache->batches.size()) {
      act = cache->batches[index];
    } else {
      std::vector<Image> pixels;
      for (std::size_t i = begin; i < end; ++i) pixels.push_back(images.read(i));
      ForwardRequest tap;
      tap.taps = {layer};
      tap.want_output = false;
      act = model.forward(model.prepare(pixels), tap).taps[0];
      if (cache && !cache->overflowed && cache->batches.size() == index) {
        cache->bytes += act.nbytes();
        cache->overflowed = cache->bytes > LayerCache::kCacheBytes;
        if (cache->overflowed) {
          cache->batches.clear();
        } else {
          cache->batches.push_back(act);
        }
      }
    }
    const std::size_t axis = act.dim() < 2 ? 0 : unit_axis(act, o.layout, layer);
    if (act.dim() < 2 || act.size(std::int64_t(axis) + 1) != units) {
      throw Error("layer " + layer + " of " + model.name() + " has " +
                  std::to_string(act.dim() < 2 ? 0 : act.size(std::int64_t(axis) + 1)) + " units, expected " +
                  std::to_string(units));
    }
    const at::Tensor truth =
        at::one_hot(at::tensor(labels, at::kLong), classes).to(at::kDouble).unsqueeze(0);
    per_class += truth[0].sum(0);
    std::vector<std::int64_t> rest(act.sizes().begin() + 1, act.sizes().end());
    // One scale per sample and unit, on the layer's own unit axis (the last one for tokens).
    std::vector<std::int64_t> scale_shape(std::size_t(act.dim()), 1);
    scale_shape[axis + 1] = units;
    // At most max_rows samples, and at most 64 MiB of replicated activations, per forward.
    const std::int64_t per_row = std::max<std::int64_t>(1, act.numel() / n);
    const std::int64_t rows_cap = std::min<std::int64_t>(o.max_rows, (std::int64_t{1} << 24) / per_row);
    const std::int64_t chunk = std::max<std::int64_t>(1, rows_cap / n);
    for (std::int64_t q0 = 0; q0 < configs; q0 += chunk) {
      // A batch may hold many thousands of configurations: stop between forwards, not only batches.
      if (stop.stop_requested()) throw InterventionCancelled();
      const std::int64_t q = std::min(chunk, configs - q0);
      std::vector<std::int64_t> expanded{q};
      expanded.insert(expanded.end(), act.sizes().begin(), act.sizes().end());
      std::vector<std::int64_t> flat{q * n};
      flat.insert(flat.end(), rest.begin(), rest.end());
      const at::Tensor rows = act.unsqueeze(0).expand(expanded).reshape(flat);
      scale_shape[0] = q * n;
      const at::Tensor scale =
          keep.narrow(0, q0, q).unsqueeze(1).expand({q, n, units}).reshape(scale_shape);
      ForwardRequest request;
      request.edits = {LayerEdit{layer, scale, {}}};
      const at::Tensor out = model.forward_from(layer, rows, request).output;
      if (out.dim() != 2 || out.size(1) != classes) {
        throw Error("model " + model.name() + " outputs shape " + std::to_string(out.dim()) +
                    "-d with " + std::to_string(out.dim() == 2 ? out.size(1) : 0) +
                    " values per image, but has " + std::to_string(classes) + " class names");
      }
      const at::Tensor logits = out.to(at::kFloat).view({q, n, classes});
      const at::Tensor pred = at::one_hot(logits.argmax(2), classes).to(at::kDouble);
      predicted.narrow(0, q0, q) += pred.sum(1);
      hits.narrow(0, q0, q) += (pred * truth).sum(1);
      log_prob.narrow(0, q0, q) += (at::log_softmax(logits, 2).to(at::kDouble) * truth).sum(1);
      rows_run += std::size_t(q * n);
    }
    progress.done = progress_base + end;
  }
  counts.images = double(images.size());
  counts.per_class = to_vector(per_class);
  counts.hits = to_vector(hits);
  counts.predicted = to_vector(predicted);
  counts.log_prob = to_vector(log_prob);
  return counts;
}

double zero_if_nan(double v) { return std::isnan(v) ? 0.0 : v; }

std::vector<double> mean_curve(const std::vector<ClassImportance>& classes,
                               std::vector<double> ClassImportance::*curve, std::size_t length) {
  std::vector<double> mean(length, 0.0);
  std::size_t used = 0;
  for (const auto& c : classes) {
    if ((c.*curve).empty() || std::isnan((c.*curve)[0])) continue;
    for (std::size_t k = 0; k < length; ++k) mean[k] += (c.*curve)[k];
    ++used;
  }
  for (double& v : mean) v = used ? v / double(used) : kNaN;
  return mean;
}

// The number of units of `layer`, from the first train image.
int count_units(Model& model, const std::string& layer, LayerLayout layout, const ClassImages& train) {
  Image first = train.read(0);
  ForwardRequest tap;
  tap.taps = {layer};
  tap.want_output = false;
  const at::Tensor act =
      model.forward(model.prepare(std::span<const Image>(&first, 1)), tap).taps[0];
  if (act.dim() < 2) throw Error("layer " + layer + " has no units to ablate");
  return int(act.size(std::int64_t(unit_axis(act, layout, layer)) + 1));
}

// Config 0 is the unablated model; config u + 1 zeroes unit u alone.
at::Tensor single_unit_keep(std::size_t units) {
  at::Tensor single = at::ones({std::int64_t(units) + 1, std::int64_t(units)}, at::kFloat);
  for (std::size_t u = 0; u < units; ++u) single[std::int64_t(u) + 1][std::int64_t(u)] = 0.0f;
  return single;
}

// Each class's accuracy and margin drops from the single-unit ablations on train, and its units
// ranked by them.
void rank_units(ImportanceResult& r, const ClassImages& train, const ClassImages& val,
                const AblationCounts& on_train) {
  const std::size_t k_classes = train.classes().size();
  const auto units = std::size_t(r.units);
  const std::vector<std::size_t> val_counts = val.class_counts();
  r.classes.resize(k_classes);
  for (std::size_t c = 0; c < k_classes; ++c) {
    ClassImportance& ci = r.classes[c];
    ci.name = train.classes()[c];
    ci.train_images = std::size_t(on_train.per_class[c]);
    ci.val_images = val_counts[c];
    ci.train_accuracy = on_train.balanced_accuracy(0, c);
    const double base_lp = on_train.mean_log_prob(0, c);
    for (std::size_t u = 0; u < units; ++u) {
      ci.drop.push_back(ci.train_accuracy - on_train.balanced_accuracy(u + 1, c));
      ci.margin_drop.push_back(base_lp - on_train.mean_log_prob(u + 1, c));
    }
    ci.ranking.resize(units);
    std::iota(ci.ranking.begin(), ci.ranking.end(), 0);
    std::stable_sort(ci.ranking.begin(), ci.ranking.end(), [&](int a, int b) {
      const double da = zero_if_nan(ci.drop[std::size_t(a)]), db = zero_if_nan(ci.drop[std::size_t(b)]);
      if (da != db) return da > db;
      return zero_if_nan(ci.margin_drop[std::size_t(a)]) > zero_if_nan(ci.margin_drop[std::size_t(b)]);
    });
  }
}

// Config rep * kk + k removes the first k units of random order rep (seeded seed + rep).
at::Tensor random_order_keep(std::uint64_t seed, std::size_t repeats, std::size_t kk,
                             std::size_t units) {
  std::vector<float> keep(repeats * kk * units, 1.0f);
  for (std::size_t rep = 0; rep < repeats; ++rep) {
    std::vector<std::size_t> order(units);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 rng(seed + rep);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t k = 0; k < kk; ++k) {
      float* row = &keep[(rep * kk + k) * units];
      for (std::size_t i = 0; i < k; ++i) row[order[i]] = 0.0f;
    }
  }
  const std::int64_t rows = std::int64_t(keep.size() / units);
  return at::from_blob(keep.data(), {rows, std::int64_t(units)}, at::kFloat).clone();
}

// Config 2k removes the top k units of `ranking`; config 2k + 1 keeps only them.
at::Tensor class_curve_keep(const std::vector<int>& ranking, std::size_t kk, std::size_t units) {
  std::vector<float> keep(kk * 2 * units, 1.0f);
  for (std::size_t k = 0; k < kk; ++k) {
    float* removed = &keep[k * 2 * units];
    float* kept = removed + units;
    std::fill(kept, kept + units, 0.0f);
    for (std::size_t i = 0; i < k; ++i) {
      removed[std::size_t(ranking[i])] = 0.0f;
      kept[std::size_t(ranking[i])] = 1.0f;
    }
  }
  return at::from_blob(keep.data(), {std::int64_t(kk * 2), std::int64_t(units)}, at::kFloat)
      .clone();
}

// Class c's removed, kept and random curves on val.
void fill_curves(ClassImportance& ci, std::size_t c, const AblationCounts& on_val,
                 const std::optional<AblationCounts>& on_random, int random_repeats,
                 std::size_t kk) {
  for (std::size_t k = 0; k < kk; ++k) {
    ci.removed.push_back(on_val.balanced_accuracy(k * 2, c));
    ci.kept.push_back(on_val.balanced_accuracy(k * 2 + 1, c));
    double sum = 0.0;
    for (std::size_t rep = 0; rep < std::size_t(random_repeats); ++rep) {
      sum += on_random->balanced_accuracy(rep * kk + k, c);
    }
    ci.random.push_back(random_repeats > 0 ? sum / random_repeats : kNaN);
  }
  ci.val_accuracy = ci.removed[0];
}

// Phase 2: curves on val. First the random orders shared by every class; then per class, so that
// each class's curves are final (and reported) as soon as they are run: k = 0..K top-k removed
// and all but top-k removed. The val activations at the layer are computed once when they fit.
void measure_curves(ImportanceResult& r, Model& model, const ClassImages& val,
                    const ImportanceOptions& o, ImportanceProgress& progress,
                    const std::stop_token& stop) {
  const auto units = std::size_t(r.units);
  const std::size_t k_classes = r.classes.size();
  r.curve_k = std::clamp(o.curve_k, 0, r.units);
  const auto kk = std::size_t(r.curve_k) + 1;
  const std::size_t runs = k_classes + (r.random_repeats > 0 ? 1 : 0);
  // Counts first, so that a poll never sees phase 2 with phase 1's counts.
  progress.done = 0;
  progress.total = val.size() * runs;
  progress.phase = 2;
  LayerCache cache;
  std::size_t run = 0;
  std::optional<AblationCounts> on_random;
  if (r.random_repeats > 0) {
    const at::Tensor keep_t = random_order_keep(o.seed, std::size_t(r.random_repeats), kk, units);
    on_random = run_ablations(model, o.layer, val, keep_t, o, progress, stop, r.ablated_samples,
                              &cache, val.size() * run++);
  }
  for (std::size_t c = 0; c < k_classes; ++c) {
    ClassImportance& ci = r.classes[c];
    const at::Tensor keep_t = class_curve_keep(ci.ranking, kk, units);
    const AblationCounts on_val = run_ablations(model, o.layer, val, keep_t, o, progress, stop,
                                                r.ablated_samples, &cache, val.size() * run++);
    fill_curves(ci, c, on_val, on_random, r.random_repeats, kk);
    if (o.on_class) o.on_class(ci);
  }
  r.mean_removed = mean_curve(r.classes, &ClassImportance::removed, kk);
  r.mean_kept = mean_curve(r.classes, &ClassImportance::kept, kk);
  r.mean_random = mean_curve(r.classes, &ClassImportance::random, kk);
}

// Per unit, the classes with train images whose top n it is in.
void count_top_n(ImportanceResult& r) {
  const auto units = std::size_t(r.units);
  r.top_n_count.assign(units, 0);
  for (const auto& ci : r.classes) {
    if (ci.train_images == 0) continue;
    for (std::size_t i = 0; i < std::min(units, std::size_t(r.top_n)); ++i) {
      ++r.top_n_count[std::size_t(ci.ranking[i])];
    }
  }
}

}  // namespace

ImportanceResult measure_importance(const ImportanceOptions& o, ImportanceProgress& progress,
                                    std::stop_token stop) {
  const auto start = std::chrono::steady_clock::now();
  set_threads(o.threads);
  auto model = open_model(o.model);
  model->check_layer(o.layer);
  if (!model->can_start_at(o.layer)) {
    throw Error("cannot ablate layer \"" + o.layer + "\" of " + model->name() +
                ": the network cannot be continued from it (choose a top-level layer such as "
                "features.N, or a whole block)");
  }
  const std::vector<std::string> classes =
      model->sidecar() ? model->sidecar()->classes : std::vector<std::string>{};
  const ClassImages train =
      ClassImages::open(o.dataset, classes, o.train_split, o.label_category, o.limit);
  const ClassImages val = ClassImages::open(o.dataset, train.classes(), o.val_split, o.label_category, o.limit);
  for (const auto* split : {&train, &val}) {
    if (split->size() == 0) {
      throw Error("dataset " + o.dataset.string() + " has no images in split \"" +
                  (split == &train ? o.train_split : o.val_split) + "\"");
    }
  }
  const std::size_t k_classes = train.classes().size();

  ImportanceResult r;
  r.model = model->name();
  r.layer = o.layer;
  r.dataset = o.dataset;
  r.train_images = train.size();
  r.val_images = val.size();
  r.top_n = std::max(1, o.top_n);
  r.random_repeats = std::max(0, o.random_repeats);
  r.many = o.many > 0 ? o.many : (k_classes >= 100 ? 7 : 2);

  c10::InferenceMode guard;
  // Phase 1: every single-unit ablation on train; config 0 is the unablated model.
  progress.phase = 1;
  r.units = count_units(*model, o.layer, o.layout, train);
  progress.done = 0;
  progress.total = train.size();
  const AblationCounts on_train =
      run_ablations(*model, o.layer, train, single_unit_keep(std::size_t(r.units)), o, progress,
                    stop, r.ablated_samples);
  rank_units(r, train, val, on_train);

  measure_curves(r, *model, val, o, progress, stop);
  count_top_n(r);
  summarize_interpretability(r, o.dissection, o.iou_with_label_category ? "" : o.label_category);
  progress.phase = 3;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace unitscope::analysis
