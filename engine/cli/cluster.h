// The MPI job this process is a rank of, if any: what sharded commands pass to the analyses.
#pragma once

namespace unitscope::analysis {
class Exchange;
}

namespace unitscope::engine {

// Null unless mpirun started this process (and the build has MPI).
analysis::Exchange* cluster();
void set_cluster(analysis::Exchange* exchange);
// Rank 0, or no cluster: the process that prints results and shows progress.
bool lead_rank();
// Waits until every rank is here (nothing without a cluster): the others wait for work rank 0
// does alone, such as labelling images once for all of them.
void cluster_barrier();
// Threads per rank when the user gives none: the cores shared by the ranks on this machine.
int cluster_threads();
// Collective: rank 0 prints what each rank sent and received, "<command>: rank R sent ... received ...",
// the figures from which the network's share of a run on N machines can be worked out.
void print_exchange_totals(const char* command);

}  // namespace unitscope::engine
