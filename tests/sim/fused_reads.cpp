// Fused reads (arch.fused_reads, Tile::run_fused) make each tile's bit planes from the DAC codes
// and read, convert and shift-add them block by block; they must give what the materialized
// planes give, bit for bit: forward logits, the errors of the transposed reads and every ledger
// count, on one thread and on two. Offset encoding (forward activated conductances from the
// currents) and differential pairs (a second product), with operations of several blocks and a
// remainder.
#include <gtest/gtest.h>

#include <string>

#include "arch/chip.hpp"
#include "core/parallel.hpp"
#include "core/params.hpp"
#include "sim/sim_support.hpp"
#include "workloads/network.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace fused_reads_sim {
namespace {

// The small convolutional chip of sim_support.hpp with 8-bit converters, `devices` devices per
// weight, fused reads on or off. With 75 images the first convolution drives 75 x 36 = 2,700
// windows: ten blocks of 256 vectors, the last with the 140 left over.
std::string yaml(int devices, bool fused) {
  std::string y = simtest::small_conv_chip_yaml(8);
  const std::string one = "devices_per_weight: 1";
  y.replace(y.find(one), one.size(), "devices_per_weight: " + std::to_string(devices));
  return y + "  fused_reads: " + (fused ? "true" : "false") + "\n";
}

struct TestChip {
  TestChip(int devices, bool fused, const char* name)
      : root(Params::from_string(yaml(devices, fused), "fused_reads.yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), simtest::small_conv_net())),
        chip(spec, ledger, 3, name) {}
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

struct Outcome {
  Eigen::MatrixXf logits;
  std::vector<Eigen::MatrixXf> errors;
  std::vector<std::uint64_t> counts;
  bool fused = false;  // every tile read fused in the last (backward) phase
};

// Program, a raw batch and one through the ADCs, then two backward passes (the first learns the
// backward ADC's range).
Outcome run(TestChip& c, int threads) {
  const int before = max_threads();
  set_max_threads(threads);
  Rng rng(4);
  workloads::BasicNetwork<float> net(simtest::small_conv_net());
  net.init_he(rng);
  std::vector<Eigen::MatrixXf> w_norm;
  std::vector<float> scales;
  for (const auto& w : net.weights()) {
    scales.push_back(w.cwiseAbs().maxCoeff());
    w_norm.push_back(w / scales.back());
  }
  c.chip.set_scales_and_biases(scales, net.biases());
  c.chip.write_weights(w_norm, Phase::kProgramming, false, devices::ProgramOptions{});
  const int batch = 75;
  Eigen::MatrixXf x(72, batch);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
  Eigen::MatrixXf delta(5, batch);
  for (Eigen::Index i = 0; i < delta.size(); ++i) delta(i) = static_cast<float>(0.01 * rng.normal());
  Outcome o;
  std::vector<Eigen::MatrixXf> inputs;
  c.chip.forward(x, inputs);
  o.logits = c.chip.forward(x, inputs);
  c.chip.backward(delta, inputs, o.errors);
  c.chip.backward(delta, inputs, o.errors);
  o.counts = c.ledger.snapshot();
  o.fused = true;
  for (const Tile* t : c.chip.tiles()) o.fused = o.fused && t->reads_fused(*c.spec.backward_dac, 2700, 1.0F);
  set_max_threads(before);
  return o;
}

void expect_same(const Outcome& a, const Outcome& b) {
  ASSERT_EQ(a.logits.rows(), b.logits.rows());
  ASSERT_EQ(a.logits.cols(), b.logits.cols());
  EXPECT_TRUE(a.logits == b.logits);
  ASSERT_EQ(a.errors.size(), b.errors.size());
  for (std::size_t l = 0; l < a.errors.size(); ++l) EXPECT_TRUE(a.errors[l] == b.errors[l]) << "layer " << l;
  EXPECT_EQ(a.counts, b.counts);
}

TEST(FusedReads, GiveTheMaterializedPlanesResultsOnOneAndTwoThreads) {
  // Every chip is built before the first simulation (SystemC takes new modules only then).
  static TestChip materialized[2] = {{1, false, "chip_planes_1"}, {2, false, "chip_planes_2"}};
  static TestChip fused_one[2] = {{1, true, "chip_fused_one_1"}, {2, true, "chip_fused_one_2"}};
  static TestChip fused_two[2] = {{1, true, "chip_fused_two_1"}, {2, true, "chip_fused_two_2"}};
  for (int e = 0; e < 2; ++e) {
    SCOPED_TRACE(e == 0 ? "offset encoding" : "differential pairs");
    const Outcome reference = run(materialized[e], 1);
    const Outcome one = run(fused_one[e], 1);
    const Outcome two = run(fused_two[e], 2);
    EXPECT_FALSE(reference.fused && materialized[e].spec.fused_reads);
    EXPECT_TRUE(one.fused);
    EXPECT_TRUE(two.fused);
    expect_same(reference, one);
    expect_same(reference, two);
    // Real work was compared: currents through the ADCs and column terms charged.
    EXPECT_GT(reference.logits.cwiseAbs().maxCoeff(), 0.0F);
    EXPECT_GT(materialized[e].ledger.count_of("column_1nS"), 0U);
  }
}

}  // namespace
}  // namespace fused_reads_sim
}  // namespace xbarsim::arch
