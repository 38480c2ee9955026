// SystemC tests of the pulse_sgd rule (workloads/pulse_sgd_rule.cpp, docs/training/pulse_sgd.md):
// potentiation and depression pulses on one device per weight, counted open loop from the
// nominal (linear) step of each direction, the remainder kept in chi; the energy of its pulses;
// its refusal of devices it cannot train. One process; every chip is elaborated before
// anything runs.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "devices/measured_response.hpp"
#include "sim/sim_support.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace pulse_sgd_rule_sim {
namespace {

constexpr std::uint64_t kWeights = simtest::kTrainWeights;

// A linear device, no noise, one device per weight (offset encoding): range R = 10 nS, 50 LTP
// pulses (0.2 nS each) and 100 LTD pulses (0.1 nS each) across it. A weight of 1 is R / 2 =
// 5 nS, so the nominal steps are eps_+ = 0.2 / 5 = 0.04 and eps_- = 0.1 / 5 = 0.02. A weight of
// 0 sits at the reference, 5 nS: 25 LTP pulses from g_min = 0.
const std::string kLinear =
    "{impl: measured_response, g_min: 0 nS, g_max: 10 nS, pulses_ltp: 50, pulses_ltd: 100, devices_per_weight: 1, "
    "energy_per_pulse: 10 pJ, pulse_width: 100 ns, read_voltage: 0.2 V, read_pulse_width: 10 ns}";
// The Ag:a-Si card (configs/devices/rram_agsi.yaml) without noise, one device per weight.
const std::string kAgsi =
    "{impl: measured_response, g_min: 3.0769 nS, g_max: 38.462 nS, pulses_ltp: 97, pulses_ltd: 100, "
    "nonlinearity_ltp: 2.4, nonlinearity_ltd: -4.88, devices_per_weight: 1, energy_per_pulse: 64 pJ, "
    "pulse_width: 300 us, read_voltage: 0.5 V, read_pulse_width: 5 ns}";

simtest::TrainChip& linear_chip() {
  static simtest::TrainChip c(kLinear, "linear", 7);
  return c;
}
simtest::TrainChip& agsi_chip() {
  static simtest::TrainChip c(kAgsi, "agsi", 7);
  return c;
}

class PulseSgdRuleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    linear_chip();
    agsi_chip();
  }
};

using simtest::chi_of;
using simtest::held_of;

// A gradient that moves chi by +dchi at learning rate 1 and scale 1.
Eigen::MatrixXf update_of(float dchi) { return Eigen::MatrixXf::Constant(64, 128, -dchi); }

// The linear card by hand (eps_+ = 0.04, eps_- = 0.02; every weight starts at 0, G = 5 nS):
//   +0.0972: chi 0.0972, n = round(2.43) = 2 LTP pulses, chi 0.0172, G 5.4 nS, weight 0.08
//   -0.0622: chi -0.045, n = round(2.25) = 2 LTD pulses, chi -0.005, G 5.2 nS, weight 0.04
//   +0.001:  chi -0.004, n = round(0.2) = 0: nothing
// Pulses at 10 pJ: 163.84 nJ for 2 x 8192. Float on values below 0.1: tolerance 1e-6 (chi),
// 1e-5 (weights through conductances in S).
TEST_F(PulseSgdRuleTest, PulsesBothWaysByTheNominalStepsAndKeepsTheRemainder) {
  simtest::TrainChip& c = linear_chip();
  auto rule = c.fresh("{impl: pulse_sgd, learning_rate_scale: 1, init_spread: 0.0}", 5);
  EXPECT_NEAR(held_of(c.chip).cwiseAbs().maxCoeff(), 0.0, 1e-5);
  Rng unused(0);
  struct Step {
    float update;
    std::uint64_t pulses;
    double chi;
    double weight;
  };
  const Step steps[] = {
      {0.0972F, 2 * kWeights, 0.0172, 0.08}, {-0.0622F, 2 * kWeights, -0.005, 0.04}, {0.001F, 0, -0.004, 0.04}};
  for (const Step& s : steps) {
    const arch::ProgramReport r = rule->apply(c.chip, {update_of(s.update)}, 1.0, unused);
    EXPECT_EQ(r.tally.pulses, s.pulses) << s.update;
    EXPECT_EQ(r.tally.verify_reads, 0u) << s.update;  // open loop: nothing read
    EXPECT_NEAR(r.tally.energy_J, static_cast<double>(s.pulses) * 10e-12, 1e-18) << s.update;
    const Eigen::VectorXf chi = chi_of(*rule);
    EXPECT_NEAR(chi.minCoeff(), s.chi, 1e-6) << s.update;
    EXPECT_NEAR(chi.maxCoeff(), s.chi, 1e-6) << s.update;
    const Eigen::VectorXf w = held_of(c.chip);
    EXPECT_NEAR(w.minCoeff(), s.weight, 1e-5) << s.update;
    EXPECT_NEAR(w.maxCoeff(), s.weight, 1e-5) << s.update;
  }
  simtest::expect_energy_identity(c.ledger, "update");
}

// max_pulses bounds one update: +1.0 asks round(1.0 / 0.04) = 25 LTP pulses; with max_pulses 5
// it gets 5 and chi keeps 1.0 - 5 x 0.04 = 0.8.
TEST_F(PulseSgdRuleTest, MaxPulsesBoundsOneUpdate) {
  simtest::TrainChip& c = linear_chip();
  auto rule = c.fresh("{impl: pulse_sgd, learning_rate_scale: 1, max_pulses: 5, init_spread: 0.0}", 5);
  Rng unused(0);
  const arch::ProgramReport r = rule->apply(c.chip, {update_of(1.0F)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 5 * kWeights);
  EXPECT_NEAR(chi_of(*rule).maxCoeff(), 0.8, 1e-6);
  EXPECT_NEAR(held_of(c.chip).minCoeff(), 0.2, 1e-5);
}

// Open loop on the nonlinear Ag:a-Si card: the count comes from the nominal steps 2 / 97 (LTP)
// and 2 / 100 (LTD), whatever the device's conductance, so chi = 3.3 x 2 / 97 fires 3 LTP pulses
// and keeps 0.3 x 2 / 97 as a linear device would. The device moves by its own curve: from the
// programmed mid range (G - g_min ~ R / 2, P ~ 27.4 on the LTP curve with A = 0.499181 x 97 =
// 48.42, B = R / (1 - e^(-97 / 48.42)) = 1.1558 R) a pulse adds B e^(-P/A) / A ~ 0.0135 R, about
// 1.3 x the nominal R / 97: the held weight grows by 1.2 to 1.45 x the nominal 3 x 2 / 97 (the
// nonlinearity the rule does not see). Then chi = -2.2 x 2 / 100 fires 2 LTD pulses, and the
// device falls by exactly the steps of its LTD curve from where it stood (the model's own
// expected_after_pulse, no noise).
TEST_F(PulseSgdRuleTest, NonlinearDeviceMovesByItsCurveWhileTheCountIsNominal) {
  simtest::TrainChip& c = agsi_chip();
  const auto& device = dynamic_cast<const devices::MeasuredResponseDevice&>(*c.spec.device);
  auto rule = c.fresh("{impl: pulse_sgd, learning_rate_scale: 1, init_spread: 0.0}", 5);
  Rng unused(0);
  const double unit = (device.g_max() - device.g_min()) / 2.0;
  const Eigen::VectorXf w0 = held_of(c.chip);
  const auto up = static_cast<float>(3.3 * 2.0 / 97.0);
  arch::ProgramReport r = rule->apply(c.chip, {update_of(up)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 3 * kWeights);
  EXPECT_NEAR(chi_of(*rule).maxCoeff(), 0.3 * 2.0 / 97.0, 1e-6);
  const Eigen::VectorXf w1 = held_of(c.chip);
  const double ratio = (w1 - w0).mean() / (3.0 * 2.0 / 97.0);
  EXPECT_GT(ratio, 1.2);
  EXPECT_LT(ratio, 1.45);
  // Down: from chi = 0.3 x 2 / 97 = 0.00619, an update of -(0.00619 + 2.2 x 0.02) gives chi =
  // -0.044, n = round(2.2) = 2 LTD pulses.
  const auto down = static_cast<float>(-(0.3 * 2.0 / 97.0 + 2.2 * 0.02));
  r = rule->apply(c.chip, {update_of(down)}, 1.0, unused);
  EXPECT_EQ(r.tally.pulses, 2 * kWeights);
  EXPECT_NEAR(chi_of(*rule).minCoeff(), -0.2 * 0.02, 1e-6);
  const Eigen::VectorXf w2 = held_of(c.chip);
  const double g_ref = (device.g_min() + device.g_max()) / 2.0;
  for (Eigen::Index i = 0; i < w1.size(); i += 997) {
    const double g1 = g_ref + w1(i) * unit;
    const double g2 = device.expected_after_pulse(false, device.expected_after_pulse(false, g1));
    EXPECT_NEAR(w2(i), (g2 - g_ref) / unit, 1e-5) << i;
  }
}

// A device without depression pulses, or in differential pairs, is refused with the rule's
// message (one line, the key named).
TEST_F(PulseSgdRuleTest, RefusesDevicesItCannotTrain) {
  const std::string pcm =
      "{impl: pcm, g_max: 25 uS, devices_per_weight: 1, energy_per_pulse: 10 pJ, pulse_width: 100 ns, "
      "read_voltage: 0.2 V, read_pulse_width: 10 ns, set_model: {step: 0.01, exp_A: 0.0, c2c_std: 0.0}}";
  std::string pair = kLinear;
  pair.replace(pair.find("devices_per_weight: 1"), 21, "devices_per_weight: 2");
  for (const std::string& device : {pcm, pair}) {
    const Params root = Params::from_string(simtest::training_chip_yaml(device), "refused.yaml");
    const arch::ChipSpec spec =
        arch::ChipSpec::from_params(root.child("arch"), root.child("device"), simtest::kTrainWidths);
    const Params p = Params::from_string("update: {impl: pulse_sgd}\n", "update.yaml");
    try {
      UpdateRuleRegistry::instance().create(p.child("update"), spec, root.child("training").child("optimizer"));
      ADD_FAILURE() << "accepted " << device;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("pulse_sgd needs a device with potentiation and depression pulses"),
                std::string::npos)
          << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace pulse_sgd_rule_sim
}  // namespace xbarsim::workloads
