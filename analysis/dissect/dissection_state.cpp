#include "analysis/dissect/dissection_state.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "analysis/data/byte_io.h"

namespace unitscope::analysis {

namespace {
constexpr std::uint32_t kCheckpointMagic = 0x44534b36;  // "DSK6"
}  // namespace

std::vector<std::uint8_t> serialize_state(const State& s) {
  std::vector<std::uint8_t> out;
  bytes::put(out, kCheckpointMagic);
  bytes::put_string(out, s.fingerprint);
  bytes::put(out, s.phase);
  bytes::put(out, s.position);
  bytes::put_vector(out, s.rows);
  bytes::put(out, static_cast<std::uint64_t>(s.paths.size()));
  for (const auto& p : s.paths) bytes::put_string(out, p);
  bytes::put_vector(out, s.seg_sizes);
  bytes::put(out, s.band_bytes);
  bytes::put(out, s.storage);
  bytes::put(out, static_cast<std::uint8_t>(s.half_values));
  bytes::put(out, static_cast<std::uint64_t>(s.layers.size()));
  for (const LayerState& l : s.layers) {
    bytes::put_vector(out, l.shape);
    bytes::put(out, l.cache_bytes);
    bytes::put(out, static_cast<std::uint64_t>(l.histograms.size()));
    for (const auto& histogram : l.histograms) histogram.serialize(out);
    bytes::put_vector(out, l.thresholds);
    bytes::put_vector(out, l.unsettled);
    for (const QuantileBracket& b : l.brackets) b.serialize(out);
    l.tally.serialize(out);
    bytes::put_vector(out, l.class_sum);
    bytes::put_vector(out, l.class_max);
    bytes::put(out, l.class_images);
  }
  return out;
}

State deserialize_state(std::span<const std::uint8_t> data) {
  const char* what = "checkpoint";
  std::size_t o = 0;
  const auto magic = bytes::get<std::uint32_t>(data, o, what);
  if (magic == 0x44534b35) throw std::runtime_error("it is an older unitscope's");
  if (magic != kCheckpointMagic) throw std::runtime_error("bad magic");
  State s;
  s.fingerprint = bytes::get_string(data, o, what);
  s.phase = bytes::get<int>(data, o, what);
  s.position = bytes::get<std::uint64_t>(data, o, what);
  s.rows = bytes::get_vector<std::uint64_t>(data, o, what);
  const auto paths = bytes::get<std::uint64_t>(data, o, what);
  if (paths != s.rows.size()) throw std::runtime_error("corrupt");
  for (std::uint64_t i = 0; i < paths; ++i) s.paths.push_back(bytes::get_string(data, o, what));
  s.seg_sizes = bytes::get_vector<std::int32_t>(data, o, what);
  if (s.seg_sizes.size() != 2 * s.rows.size()) throw std::runtime_error("corrupt");
  s.band_bytes = bytes::get<std::uint64_t>(data, o, what);
  s.storage = bytes::get<std::uint8_t>(data, o, what);
  if (s.storage > kStoreNone) throw std::runtime_error("corrupt");
  s.half_values = bytes::get<std::uint8_t>(data, o, what) != 0;
  const auto layers = bytes::get<std::uint64_t>(data, o, what);
  if (layers > 4096) throw std::runtime_error("corrupt");
  s.layers.resize(layers);
  for (LayerState& l : s.layers) {
    l.shape = bytes::get_vector<std::int64_t>(data, o, what);
    l.cache_bytes = bytes::get<std::uint64_t>(data, o, what);
    const auto histograms = bytes::get<std::uint64_t>(data, o, what);
    if (histograms > (1u << 24)) throw std::runtime_error("corrupt");
    for (std::uint64_t i = 0; i < histograms; ++i) l.histograms.push_back(TailHistogram::deserialize(data, o));
    l.thresholds = bytes::get_vector<double>(data, o, what);
    l.unsettled = bytes::get_vector<int>(data, o, what);
    for (const int u : l.unsettled) {
      if (u < 0 || static_cast<std::size_t>(u) >= l.thresholds.size()) throw std::runtime_error("corrupt");
      l.brackets.push_back(QuantileBracket::deserialize(data, o));
    }
    l.tally = IouTally::deserialize(data, o);
    l.class_sum = bytes::get_vector<ExactSum>(data, o, what);
    l.class_max = bytes::get_vector<double>(data, o, what);
    l.class_images = bytes::get<std::uint64_t>(data, o, what);
    if (l.class_sum.size() != l.class_max.size()) throw std::runtime_error("corrupt");
  }
  return s;
}

void LayerState::observe_class_token(const float* values, std::size_t images) {
  const auto n = static_cast<std::size_t>(units());
  if (class_sum.empty()) {
    class_sum.assign(n, ExactSum());
    class_max.assign(n, -std::numeric_limits<double>::infinity());
  }
  for (std::size_t i = 0; i < images; ++i) {
    for (std::size_t u = 0; u < n; ++u) {
      const float v = values[i * n + u];
      class_sum[u].add(v);
      class_max[u] = std::max(class_max[u], static_cast<double>(v));
    }
  }
  class_images += images;
}

CheckpointFile state_checkpoint(const std::filesystem::path& state_dir) {
  return CheckpointFile(state_dir / "checkpoint");
}

}  // namespace unitscope::analysis
