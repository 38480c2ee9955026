// SystemC tests of the mixed-precision rule's options (workloads/mixed_precision_rule.cpp,
// docs/training/mixed_precision.md): the min_error pulse count (pulse only while a pulse lowers
// the expected squared weight error, given the card's SET mean and spread), the measured chi
// update (read back the pulsed device and subtract the achieved change, so the device error
// stays in chi), its feedback of the refresh error, and the verify reads it charges. One
// process; every chip is elaborated before anything runs.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "devices/pcm.hpp"
#include "sim/sim_support.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace mixed_precision_rule_sim {
namespace {

constexpr std::uint64_t kWeights = simtest::kTrainWeights;

// The shared training chip; fresh(yaml) is a rule with every weight at 0 (init_spread 0 in
// every test here: both devices at 0 S, no programming noise).
struct TrainChip : simtest::TrainChip {
  TrainChip(const std::string& device, const std::string& name) : simtest::TrainChip(device, name, 7) {}
  std::unique_ptr<UpdateRule> fresh(const std::string& update_yaml) {
    return simtest::TrainChip::fresh(update_yaml, 5);
  }
};

// Linear SET steps (exp_A = 0): mean step mu = 0.01 g_max at every conductance. Without noise
// (kQuiet), and with a constant spread sigma = c2c_std (mu + c2c_add) = 1.0 x (0.01 + 0.01) =
// 0.02 g_max (kNoisy, c2c_slope 0), and 0.25 x 0.02 = 0.005 g_max (kMild). Verify read: V^2
// (g_max / 2) t = 0.04 V^2 x 12.5 uS x 10 ns = 5 fJ.
const std::string kPcmBase =
    "impl: pcm, g_max: 25 uS, devices_per_weight: 2, prog_noise_scale: 0.0, energy_per_pulse: 10 pJ, "
    "pulse_width: 100 ns, read_voltage: 0.2 V, read_pulse_width: 10 ns, ";
const std::string kQuiet = "{" + kPcmBase + "set_model: {step: 0.01, exp_A: 0.0, c2c_std: 0.0}}";
const std::string kNoisy =
    "{" + kPcmBase + "set_model: {step: 0.01, exp_A: 0.0, c2c_std: 1.0, c2c_add: 0.01, c2c_slope: 0.0}}";
const std::string kMild =
    "{" + kPcmBase +
    "set_model: {step: 0.01, exp_A: 0.0, c2c_std: 0.25, c2c_add: 0.01, c2c_slope: 0.0, reset: 0.005, "
    "refresh_upper: 0.75, refresh_lower: 0.25, refresh_max_pulses: 200}}";
constexpr double kReadJ = 0.2 * 0.2 * 12.5e-6 * 10e-9;
// A step that shrinks as G grows: y = 1 - A exp(gamma (2 a u + b)) with A = -1, gamma = 1,
// a = -1, b = 0: mean step 0.01 (1 + exp(-2u)) g_max, 0.02 g_max at u = 0, 0.01135 g_max at u = 1.
const std::string kCurved =
    "{" + kPcmBase + "set_model: {step: 0.01, exp_A: -1.0, exp_gamma: 1.0, exp_a: -1.0, exp_b: 0.0, c2c_std: 0.0}}";

TrainChip& quiet_chip() {
  static TrainChip c(kQuiet, "quiet");
  return c;
}
TrainChip& noisy_chip() {
  static TrainChip c(kNoisy, "noisy");
  return c;
}
TrainChip& mild_chip() {
  static TrainChip c(kMild, "mild");
  return c;
}
TrainChip& curved_chip() {
  static TrainChip c(kCurved, "curved");
  return c;
}

class MixedPrecisionRuleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    quiet_chip();
    noisy_chip();
    mild_chip();
    curved_chip();
  }
};

using simtest::chi_of;
using simtest::held_of;

// Count and energy of the verify_read rows under `phase`.
std::pair<std::uint64_t, double> reads_in(const Ledger& ledger, const std::string& phase) {
  return simtest::actions_in(ledger, phase, "verify_read");
}

using simtest::expect_energy_identity;

Eigen::MatrixXf update_of(float dchi) { return Eigen::MatrixXf::Constant(64, 128, -dchi); }

// min_error: pulse j + 1 is added while the remaining |chi| is at least
// mu / 2 + sigma^2 / (2 mu) (the pulse lowers E[(e - dW)^2] below e^2), the first one also
// needs |chi| >= mu (Nandakumar et al.'s firing condition). kNoisy: mu = 0.01, sigma = 0.02:
// threshold 0.005 + 0.0004 / 0.02 = 0.025 for every pulse. Expected chi update (deterministic:
// chi -= pulses x mu):
//   chi = 0.0372           -> 0.0372 >= 0.025: pulse; 0.0272 >= 0.025: pulse; 0.0172: stop.
//                             2 pulses, chi = 0.0172 (the round rule gives 4 and -0.0028)
//   chi = 0.0172 + 0.005 = 0.0222 < 0.025: no pulse (round would fire 2)
//   chi = 0.0222 + 0.005 = 0.0272 -> 1 pulse, chi = 0.0172
// Float arithmetic on values below 0.05: tolerance 1e-6.
TEST_F(MixedPrecisionRuleTest, MinErrorPulsesOnlyWhileAPulseLowersTheExpectedSquaredError) {
  TrainChip& c = noisy_chip();
  auto rule = c.fresh(
      "{impl: mixed_precision, pulse_rule: min_error, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
  Rng unused(0);
  const std::vector<std::pair<float, double>> steps = {{0.0372F, 0.0172}, {0.005F, 0.0222}, {0.005F, 0.0172}};
  const std::vector<std::uint64_t> pulses = {2 * kWeights, 0u, kWeights};
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const arch::ProgramReport r = rule->apply(c.chip, {update_of(steps[k].first)}, 1.0, unused);
    EXPECT_EQ(r.tally.pulses, pulses[k]) << "step " << k;
    EXPECT_EQ(r.tally.verify_reads, 0u) << "step " << k;  // the expected update reads nothing
    const Eigen::VectorXf chi = chi_of(*rule);
    EXPECT_NEAR(chi.minCoeff(), steps[k].second, 1e-6) << "step " << k;
    EXPECT_NEAR(chi.maxCoeff(), steps[k].second, 1e-6) << "step " << k;
  }
  // The round rule on the same device: round(0.0372 / 0.01) = 4 pulses, chi = -0.0028.
  auto round = c.fresh("{impl: mixed_precision, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
  const arch::ProgramReport r = round->apply(c.chip, {update_of(0.0372F)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 4 * kWeights);
  EXPECT_NEAR(chi_of(*round).maxCoeff(), -0.0028, 1e-6);
}

// Without cycle-to-cycle noise min_error is the round rule (threshold mu / 2, first pulse at
// |chi| >= mu): the hand computation of the round rule (tests/sim/training_rules.cpp,
// mu = 0.01): 0.0372 -> 4 pulses, chi -0.0028; -0.004 -> none, -0.0068; -0.004 -> 1 pulse on G-,
// -0.0008.
TEST_F(MixedPrecisionRuleTest, MinErrorWithoutNoiseIsTheRoundRule) {
  TrainChip& c = quiet_chip();
  auto rule = c.fresh(
      "{impl: mixed_precision, pulse_rule: min_error, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
  Rng unused(0);
  const std::vector<std::pair<float, double>> steps = {{0.0372F, -0.0028}, {-0.004F, -0.0068}, {-0.004F, -0.0008}};
  const std::vector<std::uint64_t> pulses = {4 * kWeights, 0u, kWeights};
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const arch::ProgramReport r = rule->apply(c.chip, {update_of(steps[k].first)}, 1.0, unused);
    EXPECT_EQ(r.tally.pulses, pulses[k]) << "step " << k;
    const Eigen::VectorXf chi = chi_of(*rule);
    EXPECT_NEAR(chi.minCoeff(), steps[k].second, 1e-6) << "step " << k;
    EXPECT_NEAR(chi.maxCoeff(), steps[k].second, 1e-6) << "step " << k;
  }
}

// Measured chi update: chi -= the change read back, so held weight + chi is exactly the sum of
// the updates (chi starts at 0 and every weight at 0; chi stays far inside chi_max = 1), per
// weight, whatever the device noise did. Five updates of +-0.03 and +0.05 on the noisy device
// (sigma = 2 x mu). Float: |values| < 0.3, tolerance 1e-5.
// The expected update on the same device breaks the identity by the accumulated noise: after
// the same updates its spread over the 8192 weights is well above 0.01 (each pulse adds
// sigma = 0.02 before the clip at 0).
TEST_F(MixedPrecisionRuleTest, MeasuredChiKeepsTheDeviceErrorInTheAccumulator) {
  TrainChip& c = noisy_chip();
  const std::vector<float> updates = {0.05F, 0.03F, -0.03F, 0.05F, -0.03F};
  const double sum = 0.07;
  for (const char* mode : {"measured", "expected"}) {
    auto rule = c.fresh(std::string("{impl: mixed_precision, chi_update: ") + mode +
                        ", learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
    Rng unused(0);
    for (const float u : updates) rule->apply(c.chip, {update_of(u)}, 1.0, unused);
    const Eigen::VectorXf total = held_of(c.chip) + chi_of(*rule);
    if (std::string(mode) == "measured") {
      EXPECT_NEAR(total.minCoeff(), sum, 1e-5);
      EXPECT_NEAR(total.maxCoeff(), sum, 1e-5);
    } else {
      const double mean = total.mean();
      const double sd = std::sqrt((total.array() - mean).square().mean());
      EXPECT_GT(sd, 0.01);
    }
  }
}

// Reads of the measured update: the pulsed device of every weight whose |chi| reaches the
// smallest threshold is read before (its conductance sets the pulse count) and read again after
// its pulses. From chi = 0, an update of 0.0372 on every weight of kNoisy: all 8192 are above
// the threshold (0.025) and all fire: 2 x 8192 = 16384 verify reads at 5 fJ = 81.92 pJ, in the
// tally and the ledger's verify_read rows of phase update. An update of 0.001 (below every
// threshold) reads nothing.
TEST_F(MixedPrecisionRuleTest, MeasuredChiChargesOneReadBeforeAndOneAfter) {
  TrainChip& c = noisy_chip();
  Rng unused(0);
  auto idle = c.fresh(
      "{impl: mixed_precision, chi_update: measured, pulse_rule: min_error, learning_rate_scale: 1, refresh_every: 0, "
      "init_spread: 0.0}");
  const auto [n0, e0] = reads_in(c.ledger, "update");
  const arch::ProgramReport none = idle->apply(c.chip, {update_of(0.001F)}, 1.0, unused);
  EXPECT_EQ(none.tally.verify_reads, 0u);
  EXPECT_EQ(none.tally.pulses, 0u);
  EXPECT_EQ(reads_in(c.ledger, "update").first, n0);

  auto rule = c.fresh(
      "{impl: mixed_precision, chi_update: measured, pulse_rule: min_error, learning_rate_scale: 1, refresh_every: 0, "
      "init_spread: 0.0}");
  const arch::ProgramReport r = rule->apply(c.chip, {update_of(0.0372F)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 2 * kWeights);  // as in the expected case: the count is decided before
  EXPECT_EQ(r.tally.verify_reads, 2 * kWeights);
  const auto [n1, e1] = reads_in(c.ledger, "update");
  EXPECT_EQ(n1 - n0, 2 * kWeights);
  EXPECT_NEAR(e1 - e0, 16384 * kReadJ, 1e-9 * 16384 * kReadJ);
  EXPECT_NEAR(16384 * kReadJ, 81.92e-12, 1e-18);
  // The tally's energy: 16384 pulses x 10 pJ + 16384 reads x 5 fJ.
  EXPECT_NEAR(r.tally.energy_J, 16384 * 10e-12 + 16384 * kReadJ, 1e-9 * r.tally.energy_J);
  expect_energy_identity(c.ledger, "update");
}

// Measured chi update with refresh: the refresh's rewrite error (its SET pulses stop within
// half a step, with noise) goes into chi too, so held weight + chi stays the sum of the updates
// across the refresh. kMild (sigma = 0.005): +0.8 then -0.7 (round rule: 80 pulses on G+, then
// about 70 on G-) puts most pairs above both thresholds (G+ ~ 0.8 +- 0.045 > 0.75, G- > 0.25);
// the refresh after the 2nd batch RESETs them and rewrites ~0.1 on G+. Identity per weight to
// 1e-5; more than half the pairs refreshed (their G+ back below 0.3 g_max).
TEST_F(MixedPrecisionRuleTest, MeasuredChiTakesTheRefreshErrorToo) {
  TrainChip& c = mild_chip();
  auto rule = c.fresh(
      "{impl: mixed_precision, chi_update: measured, learning_rate_scale: 1, refresh_every: 2, init_spread: 0.0, "
      "max_pulses: 200}");
  Rng unused(0);
  rule->apply(c.chip, {update_of(0.8F)}, 1.0, unused);
  const arch::ProgramReport r = rule->apply(c.chip, {update_of(-0.7F)}, 1.0, unused);
  EXPECT_GT(r.tally.program_events, 0u);
  const Eigen::VectorXf total = held_of(c.chip) + chi_of(*rule);
  EXPECT_NEAR(total.minCoeff(), 0.1, 1e-5);
  EXPECT_NEAR(total.maxCoeff(), 0.1, 1e-5);
  const arch::CrossbarArray& a = c.chip.layers()[0].tiles[0]->array();
  int refreshed = 0;
  for (int o = 0; o < 64; ++o) {
    for (int i = 0; i < 128; ++i) refreshed += a.cells()[a.cell_index(i, o, 0)].g < 0.3 * 25e-6 ? 1 : 0;
  }
  EXPECT_GT(refreshed, static_cast<int>(kWeights / 2));
  expect_energy_identity(c.ledger, "update");
}

// The expected (open-loop) update reads a device before its pulses only when its count depends
// on the conductance. kCurved: eps(G) runs from 0.02 (G = 0) down to 0.01135 (G = g_max), so
// the rule must know G: from chi = 0 with every device at 0, an update of 0.0372 reaches the
// smallest threshold (0.99 x 0.01135) on all 8192 weights: 8192 reads at 5 fJ = 40.96 pJ.
// Round rule along the expected trajectory: the first pulse (0.0372 >= 0.02) takes G to 0.02
// g_max, where eps = 0.01 (1 + exp(-0.04)) = 0.019608; the remaining 0.0172 >= eps / 2 = 0.0098
// gives a second pulse; the remaining -0.0024 stops. 2 pulses per weight. An update of 0.001 reads nothing. kNoisy's
// constant step reads nothing at all (MinErrorPulsesOnly... above).
TEST_F(MixedPrecisionRuleTest, ExpectedUpdateReadsTheDeviceOnlyWhenItsStepDependsOnTheConductance) {
  TrainChip& c = curved_chip();
  Rng unused(0);
  auto idle = c.fresh("{impl: mixed_precision, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
  const arch::ProgramReport none = idle->apply(c.chip, {update_of(0.001F)}, 1.0, unused);
  EXPECT_EQ(none.tally.verify_reads, 0u);
  EXPECT_EQ(none.tally.pulses, 0u);

  auto rule = c.fresh("{impl: mixed_precision, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
  const auto [n0, e0] = reads_in(c.ledger, "update");
  const arch::ProgramReport r = rule->apply(c.chip, {update_of(0.0372F)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 2 * kWeights);
  EXPECT_EQ(r.tally.verify_reads, kWeights);
  const auto [n1, e1] = reads_in(c.ledger, "update");
  EXPECT_EQ(n1 - n0, kWeights);
  EXPECT_NEAR(e1 - e0, 40.96e-12, 1e-9 * 40.96e-12);
  expect_energy_identity(c.ledger, "update");
}

// step_estimate nominal (open loop, NeuroSim's pulses = dW / linear step): one constant step
// mu_n = 1 / N (normalized), N the expected pulses from 0 to g_max, and no read before the pulses.
// kCurved, s(u) = 0.01 (1 + exp(-2u)): the continuum count is N_c = int_0^1 du / s(u) =
// 50 ln((e^2 + 1) / 2) = 71.689; each discrete pulse counts 1 for a stretch over which 1 / s grows,
// so N lies in [N_c - max_step x (1/s(1) - 1/s(0)), N_c] = [71.689 - 0.02 x 38.1, 71.689] =
// [70.93, 71.69], mu_n in [0.013949, 0.014099]. Round rule from chi = 0.0372: 0.0372 >= mu_n;
// 0.0372 - mu_n >= mu_n / 2; 0.0372 - 2 mu_n (about 0.0092) >= mu_n / 2; 0.0372 - 3 mu_n < 0:
// 3 pulses, chi = 0.0372 - 3 mu_n in [-0.005097, -0.004647]. The device takes its true steps
// from 0: 0.02, 0.01 (1 + exp(-0.04)) = 0.0196079, 0.01 (1 + exp(-0.0792158)) = 0.0192384:
// held weight 0.0588463 (float: 1e-5), so held + chi = 0.0540 misses the update 0.0372 by the
// unseen nonlinearity. No verify read at all (the trajectory estimate reads all 8192, above).
TEST_F(MixedPrecisionRuleTest, NominalStepEstimateIsOpenLoopAndLeavesTheNonlinearityUnseen) {
  TrainChip& c = curved_chip();
  Rng unused(0);
  auto rule = c.fresh(
      "{impl: mixed_precision, step_estimate: nominal, learning_rate_scale: 1, refresh_every: 0, init_spread: 0.0}");
  const arch::ProgramReport r = rule->apply(c.chip, {update_of(0.0372F)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 3 * kWeights);
  EXPECT_EQ(r.tally.verify_reads, 0u);
  const Eigen::VectorXf chi = chi_of(*rule);
  EXPECT_GE(chi.minCoeff(), -0.005097);
  EXPECT_LE(chi.maxCoeff(), -0.004647);
  EXPECT_FLOAT_EQ(chi.minCoeff(), chi.maxCoeff());
  const Eigen::VectorXf held = held_of(c.chip);
  EXPECT_NEAR(held.minCoeff(), 0.0588463, 1e-5);
  EXPECT_NEAR(held.maxCoeff(), 0.0588463, 1e-5);
  expect_energy_identity(c.ledger, "update");
}

}  // namespace
}  // namespace mixed_precision_rule_sim
}  // namespace xbarsim::workloads
