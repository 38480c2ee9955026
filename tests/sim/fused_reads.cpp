// Fused reads (arch.fused_reads, Tile::run_fused) make each tile's bit planes from the DAC codes
// and read, convert and shift-add them block by block; they must give what the materialized
// planes give, bit for bit: forward logits, the errors of the transposed reads and every ledger
// count, on one thread and on two. Offset encoding (forward activated conductances from the
// currents) and differential pairs (a second product), with operations of several blocks and a
// remainder.
#include <gtest/gtest.h>

#include <string>

#include "sim/sim_support.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace fused_reads_sim {
namespace {

// The small convolutional chip of sim_support.hpp with 8-bit converters, `devices` devices per
// weight, fused reads on or off. With 75 images the first convolution drives 75 x 36 = 2,700
// windows: ten blocks of 256 vectors, the last with the 140 left over.
constexpr int kImages = 75;
constexpr int kWindows = kImages * 36;

std::string yaml(int devices, bool fused) {
  std::string y = simtest::small_conv_chip_yaml(8);
  const std::string one = "devices_per_weight: 1";
  y.replace(y.find(one), one.size(), "devices_per_weight: " + std::to_string(devices));
  return y + "  fused_reads: " + (fused ? "true" : "false") + "\n";
}

// Every tile of `c` would take the codes of a backward (last phase) read of kWindows vectors.
bool reads_fused(const simtest::ConvChip& c) {
  bool fused = true;
  for (const Tile* t : c.chip.tiles()) fused = fused && t->reads_fused(*c.spec.backward_dac, kWindows, 1.0F);
  return fused;
}

TEST(FusedReads, GiveTheMaterializedPlanesResultsOnOneAndTwoThreads) {
  // Every chip is built before the first simulation (SystemC takes new modules only then).
  static simtest::ConvChip materialized[2] = {{yaml(1, false), "chip_planes_1"}, {yaml(2, false), "chip_planes_2"}};
  static simtest::ConvChip fused_one[2] = {{yaml(1, true), "chip_fused_one_1"}, {yaml(2, true), "chip_fused_one_2"}};
  static simtest::ConvChip fused_two[2] = {{yaml(1, true), "chip_fused_two_1"}, {yaml(2, true), "chip_fused_two_2"}};
  for (int e = 0; e < 2; ++e) {
    SCOPED_TRACE(e == 0 ? "offset encoding" : "differential pairs");
    const simtest::ConvOutcome reference = simtest::run_conv_sequence(materialized[e], 1, kImages);
    const simtest::ConvOutcome one = simtest::run_conv_sequence(fused_one[e], 1, kImages);
    const simtest::ConvOutcome two = simtest::run_conv_sequence(fused_two[e], 2, kImages);
    EXPECT_FALSE(materialized[e].spec.fused_reads);
    EXPECT_TRUE(reads_fused(fused_one[e]));
    EXPECT_TRUE(reads_fused(fused_two[e]));
    simtest::expect_same_outcome(reference, one);
    simtest::expect_same_outcome(reference, two);
    // Real work was compared: currents through the ADCs and column terms charged.
    EXPECT_GT(reference.logits.cwiseAbs().maxCoeff(), 0.0F);
    EXPECT_GT(materialized[e].ledger.count_of("column_1nS"), 0U);
  }
}

}  // namespace
}  // namespace fused_reads_sim
}  // namespace xbarsim::arch
