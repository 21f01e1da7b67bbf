// A dissection sharded over MPI ranks: where the ranks agree, merge their statistics and write the
// outputs, and the one progress rank 0 shows. The passes themselves are dissection.cpp's and
// dissection_tally.cpp's, run by each rank over its own images.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>
#include <tuple>

#include "analysis/data/byte_io.h"
#include "analysis/data/error.h"
#include "analysis/dissect/dissection_run.h"

namespace unitscope::analysis::dissect_internal {

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> bytes_of(int value) {
  std::vector<std::uint8_t> out;
  bytes::put(out, static_cast<std::int32_t>(value));
  return out;
}

// Every rank's phase, and rank 0's view of where each stands in it.
std::vector<int> phases_of(Exchange& exchange, int phase) {
  std::vector<int> phases;
  for (const auto& b : exchange.all_gather(bytes_of(phase))) {
    std::size_t offset = 0;
    phases.push_back(bytes::get<std::int32_t>(b, offset, "rank phase"));
  }
  return phases;
}

}  // namespace

DissectionResult DissectionRun::run_sharded() {
  Exchange& exchange = *options_.exchange;
  progress_.phase = kPhaseStarting;
  {
    Stopwatch watch(timings_.open);
    open_inputs();
    load_or_start();
  }
  // Rank 0 done means the outputs are written: the others only finish (an earlier run ended
  // between the two), and rank 0 rewrites its tables from the merged state it kept.
  const std::vector<int> start = phases_of(exchange, state_.phase);
  // Rank 0 knows from the start where every rank resumes, so its progress counts what is done.
  std::vector<std::uint8_t> position;
  bytes::put(position, state_.position);
  const auto positions = exchange.all_gather(position);
  ranks_progress_.resize(positions.size());
  for (std::size_t k = 0; k < positions.size(); ++k) {
    std::size_t o = 0;
    const auto at = bytes::get<std::uint64_t>(positions[k], o, "rank position");
    ranks_progress_[k] = {start[k], at, at};
  }
  if (start[0] == kPhaseDone) {
    DissectionResult r;
    if (rank() == 0) {
      r = result();
      write_outputs(r, /*report=*/false);
    } else if (state_.phase != kPhaseDone) {
      caches_.clear();
      if (!options_.keep_cache) {
        for (std::size_t li = 0; li < options_.layers.size(); ++li) fs::remove(cache_path(li));
      }
      state_.phase = kPhaseDone;
      save();
    }
    progress_.phase = kPhaseDone;
    return r;
  }
  if (state_.phase == kPhaseForward) forward_pass();
  wait_for_shards(kPhaseForward);
  agree_thresholds();
  if (state_.phase == kPhaseTally) tally_pass();
  wait_for_shards(kPhaseTally);
  merge_shards();
  DissectionResult r;
  if (rank() == 0) {
    r = result();
    const auto outputs_start = std::chrono::steady_clock::now();
    write_sharded_outputs(r);
    r.timings.outputs = seconds_since(outputs_start);
  } else if (options_.write_report) {
    write_sharded_outputs(r);
  }
  // Rank 0 is done first: from then on a re-run only finishes the others.
  if (rank() == 0) {
    state_.phase = kPhaseDone;
    save();
  }
  exchange.barrier();
  caches_.clear();
  if (!options_.keep_cache) {
    for (std::size_t li = 0; li < options_.layers.size(); ++li) fs::remove(cache_path(li));
  }
  fs::remove(band_path());
  if (rank() != 0) {
    state_.phase = kPhaseDone;
    save();
  }
  progress_.phase = kPhaseDone;
  return r;
}

void DissectionRun::agree_thresholds() {
  Exchange& exchange = *options_.exchange;
  const std::vector<int> phases = phases_of(exchange, state_.phase);
  int holder = -1;  // the first rank that has the thresholds already
  for (std::size_t k = 0; k < phases.size() && holder < 0; ++k) {
    if (phases[k] > kPhaseForward) holder = static_cast<int>(k);
  }
  if (holder < 0) {
    choose_thresholds();  // collective: every rank is here
    return;
  }
  // An earlier run chose them and some rank did not checkpoint that: the thresholds are the same
  // on every rank, so one that has them hands them on.
  std::vector<std::uint8_t> out;
  if (rank() == holder) {
    for (const LayerState& layer : state_.layers) {
      bytes::put_vector(out, layer.thresholds);
      bytes::put_vector(out, layer.unsettled);
      for (const QuantileBracket& b : layer.brackets) b.serialize(out);
    }
  }
  const std::vector<std::uint8_t> got = exchange.broadcast(std::move(out), holder);
  if (state_.phase != kPhaseForward) return;
  std::size_t offset = 0;
  for (LayerState& layer : state_.layers) {
    layer.thresholds = bytes::get_vector<double>(got, offset, "thresholds");
    layer.unsettled = bytes::get_vector<int>(got, offset, "thresholds");
    layer.brackets.clear();
    for (std::size_t i = 0; i < layer.unsettled.size(); ++i) layer.brackets.push_back(QuantileBracket::deserialize(got, offset));
  }
  start_tally();
}

// Rank 0 gathers every rank's images, tallies and bands (in rank order, which is image order),
// merges them into its state and settles the thresholds the tally kept bands for.
void DissectionRun::merge_shards() {
  std::vector<std::uint8_t> out;
  bytes::put_vector(out, state_.rows);
  bytes::put(out, static_cast<std::uint64_t>(state_.paths.size()));
  for (const auto& p : state_.paths) bytes::put_string(out, p);
  bytes::put_vector(out, state_.seg_sizes);
  for (const LayerState& layer : state_.layers) {
    layer.tally.serialize(out);
    bytes::put_vector(out, layer.class_sum);
    bytes::put_vector(out, layer.class_max);
    bytes::put(out, layer.class_images);
  }
  bytes::put_vector(out, fs::exists(band_path()) ? AppendFile(band_path(), state_.band_bytes).read_all()
                                                 : std::vector<std::uint8_t>{});
  const auto all = options_.exchange->gather(out);
  if (rank() != 0) return;
  // Every rank's band records, in rank order, make one file that rank 0 settles from.
  const fs::path merged = state_dir() / "bands-merged.bin";
  fs::remove(merged);
  AppendFile bands(merged, 0);
  const char* what = "shard statistics";
  try {
    for (std::size_t k = 0; k < all.size(); ++k) {
      const std::span<const std::uint8_t> data(all[k]);
      std::size_t o = 0;
      const auto rows = bytes::get_vector<std::uint64_t>(data, o, what);
      const auto paths = bytes::get<std::uint64_t>(data, o, what);
      std::vector<std::string> names;
      for (std::uint64_t i = 0; i < paths; ++i) names.push_back(bytes::get_string(data, o, what));
      const auto seg_sizes = bytes::get_vector<std::int32_t>(data, o, what);
      if (k > 0) {
        state_.rows.insert(state_.rows.end(), rows.begin(), rows.end());
        state_.paths.insert(state_.paths.end(), names.begin(), names.end());
        state_.seg_sizes.insert(state_.seg_sizes.end(), seg_sizes.begin(), seg_sizes.end());
      }
      for (LayerState& layer : state_.layers) {
        const IouTally tally = IouTally::deserialize(data, o);
        const auto class_sum = bytes::get_vector<ExactSum>(data, o, what);
        const auto class_max = bytes::get_vector<double>(data, o, what);
        const auto class_images = bytes::get<std::uint64_t>(data, o, what);
        if (k == 0) continue;
        layer.tally.merge(tally);
        for (std::size_t u = 0; u < class_sum.size() && u < layer.class_sum.size(); ++u) {
          layer.class_sum[u].merge(class_sum[u]);
          layer.class_max[u] = std::max(layer.class_max[u], class_max[u]);
        }
        layer.class_images += class_images;
      }
      const auto records = bytes::get<std::uint64_t>(data, o, what);
      if (records > data.size() - o) throw std::runtime_error("corrupt band records");
      bands.append(data.data() + o, static_cast<std::size_t>(records));
      o += static_cast<std::size_t>(records);
    }
  } catch (const std::exception& e) {
    throw Error(std::string("dissect: merging the ranks' statistics failed (") + e.what() + "); delete " +
                (options_.out / ".dissect").string() + " to start over");
  }
  settle_thresholds(merged, bands.size());
  bands = AppendFile();
  fs::remove(merged);
}

// Rank 0 asks for the maps its report draws (broadcast); each rank answers with those in its shard.
std::vector<std::vector<float>> DissectionRun::shard_maps(const std::vector<std::uint8_t>& wanted) {
  std::vector<MapKey> mine;
  std::size_t o = 0;
  while (o < wanted.size()) {
    const auto li = bytes::get<std::uint32_t>(wanted, o, "map request");
    const auto unit = bytes::get<std::int32_t>(wanted, o, "map request");
    const auto position = bytes::get<std::uint64_t>(wanted, o, "map request");
    if (position >= shard_.first && position < shard_.end) mine.emplace_back(li, unit, position);
  }
  const auto found = unit_maps(mine);
  std::vector<std::uint8_t> answer;
  for (const MapKey& key : mine) {
    const std::vector<float>& map = found.at(key);
    bytes::put_bytes(answer, map.data(), map.size() * sizeof(float));
  }
  std::vector<std::vector<float>> maps;
  for (const auto& bytes : options_.exchange->gather(answer)) {
    maps.emplace_back(bytes.size() / sizeof(float));
    if (!bytes.empty()) std::memcpy(maps.back().data(), bytes.data(), bytes.size());
  }
  return maps;
}

void DissectionRun::write_sharded_outputs(const DissectionResult& r) {
  if (!options_.write_report) {
    write_outputs(r, false);
    return;
  }
  // Which maps the report draws: the first report_images exemplars of every unit.
  std::vector<std::uint8_t> wanted;
  std::vector<std::pair<std::uint64_t, std::size_t>> requests;  // position, size
  if (rank() == 0) {
    for (std::size_t li = 0; li < r.layers.size(); ++li) {
      for (const UnitResult& u : r.layers[li].units) {
        const std::size_t n = std::min<std::size_t>(u.top.size(), static_cast<std::size_t>(options_.report_images));
        for (std::size_t t = 0; t < n; ++t) {
          bytes::put(wanted, static_cast<std::uint32_t>(li));
          bytes::put(wanted, static_cast<std::int32_t>(u.unit));
          bytes::put(wanted, u.top[t].position);
        }
      }
    }
  }
  wanted = options_.exchange->broadcast(std::move(wanted), 0);
  const std::vector<std::vector<float>> maps = shard_maps(wanted);
  if (rank() != 0) return;
  // Each answer lists its rank's maps in request order: walk the requests to index them.
  std::map<std::tuple<std::size_t, int, std::uint64_t>, std::span<const float>> index;
  std::vector<std::size_t> used(maps.size(), 0);
  std::size_t o = 0;
  while (o < wanted.size()) {
    const auto li = bytes::get<std::uint32_t>(wanted, o, "map request");
    const auto unit = bytes::get<std::int32_t>(wanted, o, "map request");
    const auto position = bytes::get<std::uint64_t>(wanted, o, "map request");
    std::size_t owner = 0;
    while (owner + 1 < maps.size() && position >= shard_of(total_, static_cast<int>(owner + 1), static_cast<int>(maps.size())).first) ++owner;
    const auto map_size = static_cast<std::size_t>(state_.layers[li].map_size());
    if (used[owner] + map_size > maps[owner].size()) throw Error("dissect: rank " + std::to_string(owner) + " sent too few maps");
    index[{li, unit, position}] = std::span<const float>(maps[owner]).subspan(used[owner], map_size);
    used[owner] += map_size;
  }
  write_outputs(r, true, [&](std::size_t li, int unit, std::uint64_t position) {
    return index.at({li, unit, position});
  });
}

// Each rank notes where it stands to rank 0, which shows the sum: one progress for the whole run.
void DissectionRun::publish_progress() {
  if (!sharded()) {
    progress_.done = state_.position;
    return;
  }
  std::vector<std::uint8_t> note;
  bytes::put(note, static_cast<std::int32_t>(state_.phase));
  bytes::put(note, state_.position);
  options_.exchange->note(note);
  if (rank() != 0) return;
  const int ranks = options_.exchange->ranks();
  ranks_progress_.resize(static_cast<std::size_t>(ranks));
  for (const auto& [from, bytes] : options_.exchange->poll_notes()) {
    std::size_t o = 0;
    const auto phase = bytes::get<std::int32_t>(bytes, o, "progress note");
    const auto position = bytes::get<std::uint64_t>(bytes, o, "progress note");
    RankProgress& p = ranks_progress_[static_cast<std::size_t>(from)];
    if (p.phase != phase) p = {phase, position, position};
    p.position = position;
  }
  std::uint64_t done = 0, resumed = 0;
  for (const RankProgress& p : ranks_progress_) {
    if (p.phase != state_.phase) continue;
    done += p.position;
    resumed += p.start;
  }
  progress_.resumed_from = resumed;
  progress_.done = done;
}

// Rank 0 keeps the progress moving while the other ranks finish the phase (the collective that
// follows would block it).
void DissectionRun::wait_for_shards(int phase) {
  // Every rank says where it stands, even one that resumed past the phase and ran nothing.
  publish_progress();
  if (rank() != 0) return;
  const int ranks = options_.exchange->ranks();
  for (;;) {
    bool all = true;
    for (int k = 0; k < ranks; ++k) {
      const Shard s = shard_of(total_, k, ranks);
      const RankProgress& p = ranks_progress_[static_cast<std::size_t>(k)];
      all = all && (p.phase > phase || (p.phase == phase && p.position >= s.size()));
    }
    if (all) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    publish_progress();
  }
}

}  // namespace unitscope::analysis::dissect_internal
