#include "engine/cli/cluster.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "analysis/data/byte_io.h"
#include "analysis/dist/exchange.h"

namespace unitscope::engine {

namespace {
analysis::Exchange* g_cluster = nullptr;
}  // namespace

analysis::Exchange* cluster() { return g_cluster; }
void set_cluster(analysis::Exchange* exchange) { g_cluster = exchange; }
bool lead_rank() { return !g_cluster || g_cluster->rank() == 0; }
void cluster_barrier() {
  if (g_cluster) g_cluster->barrier();
}

int cluster_threads() {
  int local = 1;
  if (const char* n = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local = std::max(1, std::atoi(n));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local);
}

void print_exchange_totals(const char* command) {
  if (!g_cluster) return;
  std::vector<std::uint8_t> mine;
  analysis::bytes::put(mine, g_cluster->sent());
  analysis::bytes::put(mine, g_cluster->received());
  const auto all = g_cluster->gather(mine);
  for (std::size_t r = 0; r < all.size(); ++r) {
    std::size_t o = 0;
    const auto sent = analysis::bytes::get<std::uint64_t>(all[r], o, "totals");
    const auto received = analysis::bytes::get<std::uint64_t>(all[r], o, "totals");
    std::printf("%s: rank %zu of %zu sent %.3f MB and received %.3f MB\n", command, r, all.size(), sent / 1e6,
                received / 1e6);
  }
}

}  // namespace unitscope::engine
