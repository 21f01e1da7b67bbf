#include "analysis/stats/iou_tally.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "analysis/data/broden_dataset.h"
#include "analysis/data/byte_io.h"
#include "analysis/data/error.h"

namespace unitscope::analysis {

using bytes::get;
using bytes::put;

namespace {
std::vector<std::int64_t> checked_vector(std::span<const std::uint8_t> data, std::size_t& offset,
                                         std::size_t expected) {
  auto v = bytes::get_vector<std::int64_t>(data, offset, "tally");
  if (v.size() != expected) throw std::runtime_error("tally: corrupt data");
  return v;
}
}  // namespace

namespace {

bool better(const TopImage& a, const TopImage& b) {
  return a.value != b.value ? a.value > b.value : a.image < b.image;
}

}  // namespace

const char* convention_name(Convention convention) {
  return convention == Convention::kPnas ? "pnas" : "netdissect-lite";
}

Convention parse_convention(const std::string& text) {
  if (text == "pnas") return Convention::kPnas;
  if (text == "netdissect-lite") return Convention::kNetDissectLite;
  throw Error("unknown convention '" + text + "'; use netdissect-lite or pnas");
}

double convention_quantile(Convention convention) {
  return convention == Convention::kPnas ? 0.99 : 0.995;
}

bool convention_upsampled_quantile(Convention convention) { return convention == Convention::kPnas; }

IouTally::IouTally(int n_units, int n_labels, int n_categories, int k)
    : units(n_units),
      labels(n_labels),
      categories(n_categories),
      topk(k),
      intersection(static_cast<std::size_t>(n_units) * static_cast<std::size_t>(n_labels), 0),
      activation(static_cast<std::size_t>(n_units), 0),
      activation_cat(static_cast<std::size_t>(n_units) * static_cast<std::size_t>(n_categories), 0),
      label_pixels(static_cast<std::size_t>(n_labels), 0),
      top(static_cast<std::size_t>(n_units)) {}

void IouTally::offer_top(int unit, float value, std::uint64_t image) {
  auto& list = top[static_cast<std::size_t>(unit)];
  const TopImage candidate{value, image};
  if (static_cast<int>(list.size()) == topk) {
    if (topk == 0 || !better(candidate, list.back())) return;
    list.pop_back();
  }
  list.insert(std::upper_bound(list.begin(), list.end(), candidate, better), candidate);
}

void IouTally::merge(const IouTally& other) {
  if (other.units != units || other.labels != labels || other.categories != categories ||
      other.topk != topk) {
    throw std::invalid_argument("tally: merging tallies of different shapes");
  }
  images += other.images;
  auto add = [](std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(intersection, other.intersection);
  add(activation, other.activation);
  add(activation_cat, other.activation_cat);
  add(label_pixels, other.label_pixels);
  for (int u = 0; u < units; ++u) {
    for (const TopImage& t : other.top[static_cast<std::size_t>(u)]) offer_top(u, t.value, t.image);
  }
}

void IouTally::serialize(std::vector<std::uint8_t>& out) const {
  put(out, std::uint32_t{0x544c5931});  // "TLY1"
  put(out, units);
  put(out, labels);
  put(out, categories);
  put(out, topk);
  put(out, images);
  bytes::put_vector(out, intersection);
  bytes::put_vector(out, activation);
  bytes::put_vector(out, activation_cat);
  bytes::put_vector(out, label_pixels);
  for (const auto& list : top) {
    put(out, static_cast<std::uint32_t>(list.size()));
    for (const TopImage& t : list) {
      put(out, t.value);
      put(out, t.image);
    }
  }
}

IouTally IouTally::deserialize(std::span<const std::uint8_t> data, std::size_t& offset) {
  if (get<std::uint32_t>(data, offset, "tally") != 0x544c5931) throw std::runtime_error("tally: bad magic");
  IouTally t;
  t.units = get<int>(data, offset, "tally");
  t.labels = get<int>(data, offset, "tally");
  t.categories = get<int>(data, offset, "tally");
  t.topk = get<int>(data, offset, "tally");
  if (t.units < 0 || t.labels < 0 || t.categories < 0 || t.topk < 0) {
    throw std::runtime_error("tally: corrupt data");
  }
  t.images = get<std::uint64_t>(data, offset, "tally");
  const auto u = static_cast<std::size_t>(t.units);
  t.intersection = checked_vector(data, offset, u * static_cast<std::size_t>(t.labels));
  t.activation = checked_vector(data, offset, u);
  t.activation_cat = checked_vector(data, offset, u * static_cast<std::size_t>(t.categories));
  t.label_pixels = checked_vector(data, offset, static_cast<std::size_t>(t.labels));
  t.top.resize(u);
  for (auto& list : t.top) {
    const auto n = get<std::uint32_t>(data, offset, "tally");
    if (n > static_cast<std::uint32_t>(t.topk)) throw std::runtime_error("tally: corrupt data");
    for (std::uint32_t i = 0; i < n; ++i) {
      TopImage image;
      image.value = get<float>(data, offset, "tally");
      image.image = get<std::uint64_t>(data, offset, "tally");
      list.push_back(image);
    }
  }
  return t;
}

ImageLabels arrange_labels(const BrodenSample& sample, int label_count) {
  ImageLabels out;
  out.sh = sample.sh;
  out.sw = sample.sw;
  const std::size_t pixels = static_cast<std::size_t>(sample.sh) * static_cast<std::size_t>(sample.sw);
  auto check = [&](std::int32_t label) {
    if (label < 0 || label >= label_count) {
      throw Error("image " + sample.image + " (index.csv row " + std::to_string(sample.row + 1) +
                  "): label " + std::to_string(label) + " is not in label.csv");
    }
  };
  std::vector<const std::int32_t*> planes;
  for (const CategoryLabels& category : sample.labels) {
    for (const auto& plane : category.planes) {
      if (plane.size() != pixels) {
        throw Error("image " + sample.image + ": a label plane has " + std::to_string(plane.size()) +
                    " pixels, not sh*sw = " + std::to_string(pixels));
      }
      planes.push_back(plane.data());
    }
    for (std::int32_t label : category.image_labels) {
      if (label == 0) continue;
      check(label);
      out.scalars.push_back(label);
    }
  }
  std::vector<int> slot(static_cast<std::size_t>(label_count), -1);
  // A run starts where any plane changes; only its first pixel's labels need a look, since every
  // pixel of the run carries the same.
  auto start_run = [&](std::size_t p) {
    out.slot_begin.push_back(static_cast<std::int32_t>(out.run_slots.size()));
    for (const std::int32_t* plane : planes) {
      const std::int32_t label = plane[p];
      if (label == 0) continue;
      check(label);
      int& s = slot[static_cast<std::size_t>(label)];
      if (s < 0) {
        s = static_cast<int>(out.label_ids.size());
        out.label_ids.push_back(label);
      }
      out.run_slots.push_back(s);
    }
  };
  out.row_runs.reserve(static_cast<std::size_t>(sample.sh) + 1);
  for (int y = 0; y < sample.sh; ++y) {
    out.row_runs.push_back(static_cast<std::int32_t>(out.run_end.size()));
    const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(sample.sw);
    if (sample.sw > 0) start_run(row);
    for (int x = 1; x < sample.sw; ++x) {
      const std::size_t p = row + static_cast<std::size_t>(x);
      bool same = true;
      for (const std::int32_t* plane : planes) same &= plane[p] == plane[p - 1];
      if (same) continue;
      out.run_end.push_back(x);
      start_run(p);
    }
    if (sample.sw > 0) out.run_end.push_back(sample.sw);
  }
  out.row_runs.push_back(static_cast<std::int32_t>(out.run_end.size()));
  out.slot_begin.push_back(static_cast<std::int32_t>(out.run_slots.size()));
  out.pixel_totals.assign(out.label_ids.size(), 0);
  for (int y = 0; y < sample.sh; ++y) {
    std::int32_t x = 0;
    for (std::int32_t r = out.row_runs[static_cast<std::size_t>(y)]; r < out.row_runs[static_cast<std::size_t>(y) + 1]; ++r) {
      const std::int32_t end = out.run_end[static_cast<std::size_t>(r)];
      for (std::int32_t i = out.slot_begin[static_cast<std::size_t>(r)]; i < out.slot_begin[static_cast<std::size_t>(r) + 1]; ++i) {
        out.pixel_totals[static_cast<std::size_t>(out.run_slots[static_cast<std::size_t>(i)])] += end - x;
      }
      x = end;
    }
  }
  return out;
}

std::vector<std::int32_t> ImageLabels::slots_at(int x, int y) const {
  const auto first = run_end.begin() + row_runs[static_cast<std::size_t>(y)];
  const auto last = run_end.begin() + row_runs[static_cast<std::size_t>(y) + 1];
  const auto r = static_cast<std::size_t>(std::upper_bound(first, last, x) - run_end.begin());
  return {run_slots.begin() + slot_begin[r], run_slots.begin() + slot_begin[r + 1]};
}

void add_label_pixels(IouTally& tally, const ImageLabels& labels) {
  for (std::size_t k = 0; k < labels.label_ids.size(); ++k) {
    tally.label_pixels[static_cast<std::size_t>(labels.label_ids[k])] += labels.pixel_totals[k];
  }
  for (std::int32_t s : labels.scalars) {
    tally.label_pixels[static_cast<std::size_t>(s)] +=
        static_cast<std::int64_t>(labels.sh) * static_cast<std::int64_t>(labels.sw);
  }
}

std::vector<UnitScore> score_units(const IouTally& tally, std::span<const int> label_category,
                                   Convention convention) {
  if (label_category.size() != static_cast<std::size_t>(tally.labels)) {
    throw std::invalid_argument("score_units: label_category does not match the tally");
  }
  const bool lite = convention == Convention::kNetDissectLite;
  std::vector<UnitScore> scores(static_cast<std::size_t>(tally.units));
  for (int u = 0; u < tally.units; ++u) {
    UnitScore& s = scores[static_cast<std::size_t>(u)];
    s.unit = u;
    s.iou.assign(static_cast<std::size_t>(tally.labels), 0.0);
    const std::int64_t a_all = tally.activation[static_cast<std::size_t>(u)];
    auto activation_for = [&](int label) -> std::int64_t {
      if (!lite) return a_all;
      const int c = label_category[static_cast<std::size_t>(label)];
      return c < 0 ? 0 : tally.act_cat(u, c);
    };
    for (int l = 0; l < tally.labels; ++l) {
      const auto i = static_cast<double>(tally.inter(u, l));
      const auto a = static_cast<double>(activation_for(l));
      const auto lp = static_cast<double>(tally.label_pixels[static_cast<std::size_t>(l)]);
      double iou = 0.0;
      if (lite) {
        iou = i / (a + lp - i + 1e-10);
      } else if (a + lp - i > 0.0) {
        iou = i / (a + lp - i);
      }
      s.iou[static_cast<std::size_t>(l)] = iou;
    }
    s.best.resize(static_cast<std::size_t>(tally.categories));
    for (int c = 0; c < tally.categories; ++c) {
      auto masked = [&](int l) {
        return label_category[static_cast<std::size_t>(l)] == c ? s.iou[static_cast<std::size_t>(l)] : 0.0;
      };
      int best = 0;
      double best_iou = tally.labels > 0 ? masked(0) : 0.0;
      for (int l = 1; l < tally.labels; ++l) {
        if (masked(l) > best_iou) {
          best = l;
          best_iou = masked(l);
        }
      }
      CategoryBest& b = s.best[static_cast<std::size_t>(c)];
      b.label = best;
      b.iou = best_iou;
      if (tally.labels > 0) {
        b.truth = tally.label_pixels[static_cast<std::size_t>(best)];
        b.activation = lite ? tally.act_cat(u, c) : a_all;
        b.intersect = tally.inter(u, best);
      }
    }
    if (lite) {
      int best_c = -1;
      for (int c = 0; c < tally.categories; ++c) {
        if (best_c < 0 || s.best[static_cast<std::size_t>(c)].iou >= s.best[static_cast<std::size_t>(best_c)].iou) {
          best_c = c;
        }
      }
      if (best_c >= 0) {
        s.category = best_c;
        s.label = s.best[static_cast<std::size_t>(best_c)].label;
        s.score = s.best[static_cast<std::size_t>(best_c)].iou;
      }
    } else {
      int best = 0;
      for (int l = 1; l < tally.labels; ++l) {
        if (s.iou[static_cast<std::size_t>(l)] > s.iou[static_cast<std::size_t>(best)]) best = l;
      }
      s.label = best;
      s.score = tally.labels > 0 ? s.iou[static_cast<std::size_t>(best)] : 0.0;
      s.category = tally.labels > 0 ? label_category[static_cast<std::size_t>(best)] : -1;
    }
  }
  return scores;
}

std::vector<int> ranking(const std::vector<UnitScore>& scores) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return scores[static_cast<std::size_t>(a)].score > scores[static_cast<std::size_t>(b)].score;
  });
  return order;
}

}  // namespace unitscope::analysis
