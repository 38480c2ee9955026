// A tile operation's loops run on every core (core/parallel.hpp) and must give the same
// results, bit for bit, on one thread and on two: forward logits, the errors of the transposed
// reads and every ledger count, for a convolutional chip whose operations are large enough
// (>= kParallelMinElements values) to be shared. Skipped in a build without OpenMP, where
// every loop is serial.
#include <gtest/gtest.h>

#include "core/parallel.hpp"
#include "sim/sim_support.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace threads_sim {
namespace {

// The small convolutional chip of sim_support.hpp with 8-bit converters (the shipped chips'
// resolution). With 96 images the first convolution drives 96 x 36 windows x 8 planes = 27,648
// vectors of 16 rows (442,368 values); its tiles convert 27,648 x 6 currents.
TEST(Threads, OneAndTwoThreadsGiveTheSameResults) {
  static simtest::ConvChip one(simtest::small_conv_chip_yaml(8), "chip_one_thread");
  static simtest::ConvChip two(simtest::small_conv_chip_yaml(8), "chip_two_threads");
  set_max_threads(2);
  if (max_threads() < 2) GTEST_SKIP() << "built without OpenMP: every loop is serial";
  const simtest::ConvOutcome a = simtest::run_conv_sequence(one, 1, 96);
  const simtest::ConvOutcome b = simtest::run_conv_sequence(two, 2, 96);
  simtest::expect_same_outcome(a, b);
  // The operations were large enough to be shared, and the ADCs charged column terms.
  EXPECT_GT(a.logits.cwiseAbs().maxCoeff(), 0.0F);
  EXPECT_GT(one.ledger.count_of("column_1nS"), 0U);
}

}  // namespace
}  // namespace threads_sim
}  // namespace xbarsim::arch
