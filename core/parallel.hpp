// Loops over the columns (vectors) of one tile operation, shared by the cores: OpenMP when the
// build has it (CMake option XBARSIM_OPENMP), otherwise serial. Every parallel loop writes
// disjoint outputs or reduces integers, and sums of floating-point partials are added in a
// fixed order (chunks of a fixed size, summed in chunk order), so a run gives the same results,
// bit for bit, on any number of threads (OMP_NUM_THREADS; test sim.threads_same_results).
#pragma once

#include <cstddef>

#ifdef _OPENMP
#include <omp.h>
#define XBARSIM_PRAGMA(x) _Pragma(#x)
#else
#define XBARSIM_PRAGMA(x)
#endif

namespace xbarsim {

// Below this many elements a loop runs on the calling thread: the fork costs more than it saves.
inline constexpr std::size_t kParallelMinElements = std::size_t{1} << 15;

// Threads a parallel region may use (1 without OpenMP).
inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Sets the threads of later parallel regions (no effect without OpenMP).
inline void set_max_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

}  // namespace xbarsim
