// The Exchange of a run that mpirun started: MPI_COMM_WORLD, set up and torn down by one object.
#pragma once

#include <memory>

#include "analysis/dist/exchange.h"

namespace unitscope::analysis {

// True when this process was started by an MPI launcher (mpirun, srun with PMIx): only then does
// unitscope initialise MPI, so the binary runs as one process where no launcher exists.
bool launched_by_mpi();

// Initialises MPI (threads: funneled) on construction and finalises it on destruction. Throws
// Error when MPI fails to start.
std::unique_ptr<Exchange> open_mpi_exchange(int& argc, char**& argv);

// Ends every rank of the job now, with `code`: what a rank that failed does, so that the others,
// waiting in a collective, never hang.
[[noreturn]] void abort_mpi(int code);

}  // namespace unitscope::analysis
