// SystemC tests of the in-situ training rules that program single cells (one process; every
// chip is elaborated before anything runs): GXNOR's stochastic step realized by MTJ switching
// (jump frequency = tanh(th |v| / L)), its pulse widths as ledger actions, the mixed-precision
// accumulator's remainder bookkeeping and PCM refresh, and the energy identity with the new
// pulse actions.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <sstream>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "devices/mtj.hpp"
#include "devices/pcm.hpp"
#include "sim/sim_support.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace training_rules_sim {
namespace {

// One layer 128 -> 64 on one 128 x 128 tile (64 differential weight columns): 8192 weights.
const std::vector<int>& kWidths = simtest::kTrainWidths;

// The shared training chip, plus the ternary state of weight (output o, input i):
// level(G+) - level(G-).
struct TrainChip : simtest::TrainChip {
  TrainChip(const std::string& device, const std::string& name) : simtest::TrainChip(device, name, 5) {}
  int state(int o, int i) const {
    const arch::CrossbarArray& a = chip.layers()[0].tiles[0]->array();
    return devices::MtjDevice::ternary_weight(a.cells()[a.cell_index(i, o, 0)], a.cells()[a.cell_index(i, o, 1)]);
  }
};

const std::string kMtj =
    "{impl: mtj, synapse: ternary, r_p: 10 kOhm, tmr: 1.0, delta: 40, tau0: 1 ns, ic0: 50 uA, "
    "write_current: 100 uA, write_pulse_width: 5 ns}";
// Linear SET steps (exp_A = 0: every pulse adds step x g_max = 0.25 uS) without cycle-to-cycle
// noise, so that the expected and the actual change agree and the bookkeeping is hand-computable.
const std::string kPcmLinear =
    "{impl: pcm, g_max: 25 uS, devices_per_weight: 2, prog_noise_scale: 0.0, energy_per_pulse: 10 pJ, pulse_width: 100 "
    "ns, "
    "set_model: {step: 0.01, exp_A: 0.0, c2c_std: 0.0, reset: 0.005, refresh_upper: 0.75, refresh_lower: 0.25, "
    "refresh_max_pulses: 200}}";

TrainChip& mtj_chip() {
  static TrainChip c(kMtj, "mtj");
  return c;
}
TrainChip& pcm_chip() {
  static TrainChip c(kPcmLinear, "pcm");
  return c;
}
TrainChip& pcm_refresh_chip() {
  static TrainChip c(kPcmLinear, "pcmr");
  return c;
}

class TrainingRuleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mtj_chip();
    pcm_chip();
    pcm_refresh_chip();
  }
};

using simtest::expect_energy_identity;

// Pulses counted under `phase` by program_pulse actions (every pulse width), and their energy.
std::pair<std::uint64_t, double> pulses_in(const Ledger& ledger, const std::string& phase) {
  return simtest::actions_in(ledger, phase, "program_pulse");
}

TEST_F(TrainingRuleTest, GxnorJumpFrequencyRealizedByMtjSwitchingIsTanh) {
  TrainChip& c = mtj_chip();
  // Q = 64 geometric levels from p_min = 1e-4 to 1: p_q = 1e-4^((64 - q) / 63). |v| is chosen
  // so that tanh(th |v|) is level q exactly (the rule then pulses with P_sw = p_q and the
  // quantization adds no error).
  constexpr double kTh = 2.0;
  auto rule = c.rule("{impl: gxnor, th: 2, probability_levels: 64, probability_min: 1.0e-4, learning_rate_scale: 1}");
  Rng init(3);
  std::vector<Eigen::MatrixXf> w;
  rule->initialize(kWidths, init, w);
  const Eigen::MatrixXf zero = Eigen::MatrixXf::Zero(64, 128);
  devices::ProgramOptions sure;
  sure.verify = true;
  sure.max_attempts = 1000;
  for (const int q : {56, 32}) {
    const double p = std::pow(1e-4, (64.0 - q) / 63.0);  // 0.3103, 0.00933
    const auto v = static_cast<float>(std::atanh(p) / kTh);
    // dW = -scale x lr x grad = +v (k = 0): from state 0 a weight jumps to +1 with probability p.
    std::vector<Eigen::MatrixXf> grads = {Eigen::MatrixXf::Constant(64, 128, -v)};
    Rng unused(0);
    std::uint64_t samples = 0;
    std::uint64_t jumps = 0;
    for (int round = 0; round < 13; ++round) {                               // 13 x 8192 = 106,496 samples
      c.chip.write_weights({zero}, arch::Phase::kProgramming, false, sure);  // every pair back to (AP, AP)
      for (int o = 0; o < 64; ++o) {
        for (int i = 0; i < 128; ++i) ASSERT_EQ(c.state(o, i), 0);
      }
      const arch::ProgramReport r = rule->apply(c.chip, grads, 1.0, unused);
      EXPECT_EQ(r.tally.pulses, 8192u);  // one pulse per weight: the stochastic step's device
      for (int o = 0; o < 64; ++o) {
        for (int i = 0; i < 128; ++i) {
          const int s = c.state(o, i);
          ASSERT_TRUE(s == 0 || s == 1);
          jumps += s == 1 ? 1U : 0U;
          ++samples;
        }
      }
    }
    // Each sample is Bernoulli(p) (independent switching events of independent cells), so the
    // frequency has standard deviation sqrt(p (1 - p) / N): 0.00142 (p = 0.31) and 0.000295
    // (p = 0.0093) for N = 106,496. 5 standard deviations: a correct model fails with
    // probability 6e-7; a pulse of the card's default 5 ns (P_sw = 0.9955) or a probability
    // off by 2 % of itself would fail.
    const double freq = static_cast<double>(jumps) / static_cast<double>(samples);
    const double sd = std::sqrt(p * (1.0 - p) / static_cast<double>(samples));
    EXPECT_NEAR(freq, std::tanh(kTh * v), 5.0 * sd) << "level " << q << ", p " << p;
  }
}

TEST_F(TrainingRuleTest, GxnorPulseWidthsAreLedgerActionsWithTheirOwnEnergy) {
  TrainChip& c = mtj_chip();
  const auto [pulses_before, energy_before] = pulses_in(c.ledger, "update");
  auto rule = c.rule("{impl: gxnor, th: 2, probability_levels: 64, probability_min: 1.0e-4, learning_rate_scale: 1}");
  Rng init(4);
  std::vector<Eigen::MatrixXf> w;
  rule->initialize(kWidths, init, w);
  devices::ProgramOptions sure;
  sure.verify = true;
  sure.max_attempts = 1000;
  c.chip.write_weights({Eigen::MatrixXf::Zero(64, 128)}, arch::Phase::kProgramming, false, sure);
  // Half the weights at level 56, half at level 32: two pulse widths.
  const double p56 = std::pow(1e-4, 8.0 / 63.0);
  const double p32 = std::pow(1e-4, 32.0 / 63.0);
  Eigen::MatrixXf g(64, 128);
  g.leftCols(64).setConstant(static_cast<float>(-std::atanh(p56) / 2.0));
  g.rightCols(64).setConstant(static_cast<float>(-std::atanh(p32) / 2.0));
  Rng unused(0);
  const arch::ProgramReport r = rule->apply(c.chip, {g}, 1.0, unused);
  ASSERT_EQ(r.tally.pulses, 8192u);
  const auto [pulses_after, energy_after] = pulses_in(c.ledger, "update");
  EXPECT_EQ(pulses_after - pulses_before, 8192u);
  // Precessional regime (i = I / Ic0 = 2): P_sw = exp(-a exp(-2 (i - 1) t / tau0)),
  // a = pi^2 Delta / 4, so t(p) = tau0 / (2 (i - 1)) ln(a / -ln p); E = I^2 (R_P + R_AP) / 2 t
  // = (100 uA)^2 x 15 kOhm x t.
  const double a = std::numbers::pi * std::numbers::pi * 40.0 / 4.0;
  auto energy = [&](double p) { return 1e-8 * 15e3 * 1e-9 / 2.0 * std::log(a / -std::log(p)); };
  const double expected = 4096.0 * energy(p56) + 4096.0 * energy(p32);
  EXPECT_NEAR(energy_after - energy_before, expected, 1e-9 * expected);
  expect_energy_identity(c.ledger, "update");
}

// chi of every weight, read from the rule's checkpoint (save_vectors of the chi matrices).
std::vector<Eigen::VectorXf> chi_of(const UpdateRule& rule) {
  std::stringstream s(std::ios::in | std::ios::out | std::ios::binary);
  rule.save(s);
  std::vector<Eigen::VectorXf> v;
  load_vectors(s, v);
  return v;
}

TEST_F(TrainingRuleTest, MixedPrecisionKeepsTheExactRemainder) {
  TrainChip& c = pcm_chip();
  auto rule = c.fresh("{impl: mixed_precision, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}", 5);
  Rng unused(0);
  // eps = 0.01 (normalized units) at every conductance. Hand computation per weight:
  //   chi = 0 + 0.0372 -> |chi| >= eps: n = round(3.72) = 4 pulses on G+, chi = 0.0372 - 0.04 = -0.0028
  //   chi = -0.0028 - 0.004 = -0.0068 -> |chi| < eps: no pulse
  //   chi = -0.0068 - 0.004 = -0.0108 -> n = round(1.08) = 1 pulse on G-, chi = -0.0108 + 0.01 = -0.0008
  // Float arithmetic on values below 0.05 rounds each step by < 4e-9: tolerance 1e-7.
  const std::vector<std::pair<float, double>> steps = {{0.0372F, -0.0028}, {-0.004F, -0.0068}, {-0.004F, -0.0008}};
  const std::vector<std::uint64_t> pulses = {4 * 8192u, 0u, 8192u};
  const Eigen::MatrixXf g_plus_before = c.chip.held_weights()[0];
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const arch::ProgramReport r =
        rule->apply(c.chip, {Eigen::MatrixXf::Constant(64, 128, -steps[k].first)}, 1.0, unused);
    EXPECT_EQ(r.tally.pulses, pulses[k]) << "step " << k;
    const auto chi = chi_of(*rule);
    ASSERT_EQ(chi.size(), 1u);
    EXPECT_NEAR(chi[0].minCoeff(), steps[k].second, 1e-7) << "step " << k;
    EXPECT_NEAR(chi[0].maxCoeff(), steps[k].second, 1e-7) << "step " << k;
  }
  // The devices moved by 4 steps up (G+) and 1 up on G- : +0.03 in normalized weight.
  const Eigen::MatrixXf moved = c.chip.held_weights()[0] - g_plus_before;
  EXPECT_NEAR(moved.minCoeff(), 0.03F, 1e-5F);
  EXPECT_NEAR(moved.maxCoeff(), 0.03F, 1e-5F);
  // Every pulse is one program_pulse at 10 pJ.
  const auto [n, e] = pulses_in(c.ledger, "update");
  EXPECT_EQ(n, 5u * 8192u);
  EXPECT_NEAR(e, 5.0 * 8192 * 10e-12, 1e-9 * e);
  expect_energy_identity(c.ledger, "update");
}

TEST_F(TrainingRuleTest, MixedPrecisionRefreshesSaturatedPairsAndKeepsTheWeight) {
  TrainChip& c = pcm_refresh_chip();
  auto rule = c.fresh(
      "{impl: mixed_precision, learning_rate_scale: 1, refresh_every: 2, init_spread: 0.0, max_pulses: 200}", 6);
  Rng unused(0);
  // +0.8 then -0.7: 80 pulses on G+, 70 on G-: both devices above the refresh thresholds
  // (G+ > 0.75 g_max, G- > 0.25 g_max) and the weight +0.1; the refresh after the 2nd batch
  // RESETs both and rewrites the difference on G+ (10 SET pulses of 0.01 from the RESET level).
  rule->apply(c.chip, {Eigen::MatrixXf::Constant(64, 128, -0.8F)}, 1.0, unused);
  const Eigen::MatrixXf before = c.chip.held_weights()[0];
  const arch::ProgramReport r = rule->apply(c.chip, {Eigen::MatrixXf::Constant(64, 128, 0.7F)}, 1.0, unused);
  const Eigen::MatrixXf after = c.chip.held_weights()[0];
  EXPECT_NEAR(before.mean(), 0.8, 0.01);
  EXPECT_NEAR(after.minCoeff(), 0.1F, 0.006F);  // within half a step of the weight
  EXPECT_NEAR(after.maxCoeff(), 0.1F, 0.006F);
  const arch::CrossbarArray& a = c.chip.layers()[0].tiles[0]->array();
  for (int i = 0; i < 128; ++i) {
    EXPECT_LT(a.cells()[a.cell_index(i, 0, 0)].g, 0.2 * 25e-6);  // refreshed: low again
  }
  // Pulses: 70 SET on G- per weight, then per pair 2 RESET + 10 SET; reads: 2 per pair for the
  // check, 2 of the refresh, 1 after each SET.
  EXPECT_EQ(r.tally.pulses, 8192u * (70 + 2 + 10));
  EXPECT_EQ(r.tally.verify_reads, 8192u * (2 + 2 + 10));
  expect_energy_identity(c.ledger, "update");
}

}  // namespace
}  // namespace training_rules_sim
}  // namespace xbarsim::workloads
