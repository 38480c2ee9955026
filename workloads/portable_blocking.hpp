// Machine-independent matrix products. Eigen sizes the blocks of its matrix products from the
// cache sizes it reads off the CPU at run time, and the block size sets the order in which a
// dot product's terms are summed: the same binary then gives results that differ in their last
// bits from one CPU to the next (measured: the fp32 training loss of the regression fixture
// moved by one float ulp between an Intel Xeon and an AMD EPYC). Fixing the cache sizes Eigen
// plans for makes every run reproducible across x86-64 machines, at a speed cost of a few
// percent where the real caches are larger.
#pragma once

namespace xbarsim::workloads {

// Eigen's own x86-64 fallback sizes (Eigen 3.4, GeneralBlockPanelKernel.h): L1 32 KiB,
// L2 256 KiB, L3 2 MiB.
inline constexpr long kPortableL1Bytes = 32L * 1024;
inline constexpr long kPortableL2Bytes = 256L * 1024;
inline constexpr long kPortableL3Bytes = 2L * 1024 * 1024;

// Makes Eigen plan its matrix products for the fixed cache sizes above, whatever the CPU.
// Call once at program start, before any product runs.
void use_portable_blocking();

}  // namespace xbarsim::workloads
