// A tile operation's loops run on every core (core/parallel.hpp) and must give the same
// results, bit for bit, on one thread and on two: forward logits, the errors of the transposed
// reads and every ledger count, for a convolutional chip whose operations are large enough
// (>= kParallelMinElements values) to be shared. Skipped in a build without OpenMP, where
// every loop is serial.
#include <gtest/gtest.h>

#include "arch/chip.hpp"
#include "core/parallel.hpp"
#include "core/params.hpp"
#include "sim/sim_support.hpp"
#include "workloads/network.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace threads_sim {
namespace {

// The small convolutional chip of sim_support.hpp with 8-bit converters (the shipped chips'
// resolution). With 96 images the first convolution drives 96 x 36 windows x 8 planes = 27,648
// vectors of 16 rows (442,368 values); its tiles convert 27,648 x 6 currents.
struct TestChip {
  explicit TestChip(const char* name)
      : root(Params::from_string(simtest::small_conv_chip_yaml(8), "threads.yaml")),
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
};

// The same sequence on a fresh chip: program, a raw batch and one through the ADCs, forward and
// backward.
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
  const int batch = 96;
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
  set_max_threads(before);
  return o;
}

TEST(Threads, OneAndTwoThreadsGiveTheSameResults) {
  static TestChip one("chip_one_thread");
  static TestChip two("chip_two_threads");
  set_max_threads(2);
  if (max_threads() < 2) GTEST_SKIP() << "built without OpenMP: every loop is serial";
  const Outcome a = run(one, 1);
  const Outcome b = run(two, 2);
  ASSERT_EQ(a.logits.rows(), b.logits.rows());
  EXPECT_TRUE(a.logits == b.logits);
  ASSERT_EQ(a.errors.size(), b.errors.size());
  for (std::size_t l = 0; l < a.errors.size(); ++l) EXPECT_TRUE(a.errors[l] == b.errors[l]) << "layer " << l;
  EXPECT_EQ(a.counts, b.counts);
  // The operations were large enough to be shared, and the ADCs charged column terms.
  EXPECT_GT(a.logits.cwiseAbs().maxCoeff(), 0.0F);
  EXPECT_GT(one.ledger.count_of("column_1nS"), 0U);
}

}  // namespace
}  // namespace threads_sim
}  // namespace xbarsim::arch
