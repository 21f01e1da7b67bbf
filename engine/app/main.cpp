#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "analysis/dist/exchange.h"
#include "engine/cli/cluster.h"
#include "engine/cli/commands.h"
#ifdef UNITSCOPE_HAVE_MPI
#include "analysis/dist/mpi_exchange.h"
#endif

namespace {

constexpr unitscope::engine::AddCommand kCommands[] = {
    unitscope::engine::add_world_command,
    unitscope::engine::add_layers_command,
    unitscope::engine::add_dissect_command,
    unitscope::engine::add_gan_dissect_command,
    unitscope::engine::add_ablate_command,
    unitscope::engine::add_attack_command,
    unitscope::engine::add_eval_command,
    unitscope::engine::add_intervene_command,
    unitscope::engine::add_record_command,
    nullptr,
};

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun this process is one rank of a sharded run; otherwise MPI stays untouched.
  std::unique_ptr<unitscope::analysis::Exchange> mpi;
#ifdef UNITSCOPE_HAVE_MPI
  if (unitscope::analysis::launched_by_mpi()) {
    try {
      mpi = unitscope::analysis::open_mpi_exchange(argc, argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "unitscope: %s\n", e.what());
      return 1;
    }
  }
#endif
  unitscope::engine::set_cluster(mpi && mpi->ranks() > 1 ? mpi.get() : nullptr);
  CLI::App app{"unitscope: see what the individual units of a deep network do"};
  app.require_subcommand(0, 1);
  for (auto add : kCommands) {
    if (add) add(app);
  }
  int studio_exit = 0;
  unitscope::engine::add_studio_options(app, studio_exit);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    if (auto* ranks = unitscope::engine::cluster()) {
      // The other ranks may wait for this one in a collective: end them all, never hang.
      std::fprintf(stderr, "unitscope (rank %d of %d): %s\n", ranks->rank(), ranks->ranks(), e.what());
      std::fflush(stderr);
#ifdef UNITSCOPE_HAVE_MPI
      unitscope::analysis::abort_mpi(1);
#endif
    }
    std::fprintf(stderr, "unitscope: %s\n", e.what());
    return 1;
  }
  return studio_exit;
}
