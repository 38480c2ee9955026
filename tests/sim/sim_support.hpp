// Shared by the SystemC tests of tests/sim/ (one executable per .cpp; this header is not one):
// a one-layer training chip (128 -> 64 on one 128 x 128 tile) to drive update rules, and the
// energy identity every phase of a ledger must satisfy.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "arch/chip.hpp"
#include "core/parallel.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"
#include "workloads/energy_summary.hpp"
#include "workloads/network.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::simtest {

// One layer 128 -> 64 on one 128 x 128 tile: 8192 weights (64 differential weight columns).
inline const std::vector<int> kTrainWidths = {128, 64};
inline constexpr std::uint64_t kTrainWeights = 128 * 64;

// A small convolutional network on 16 x 12 tiles: conv 3@3x3 pad 1 on 2 x 6 x 6 (18 rows: 2 row
// tiles of 16), ReLU, max 2 -> 3 x 3 x 3; conv 4@2x2 -> 4 x 2 x 2, ReLU; flatten; dense 5.
inline arch::Topology small_conv_net() {
  arch::TopologyBuilder b({2, 6, 6});
  b.conv(3, 3, 1, 1);
  b.relu();
  b.pool(arch::PoolKind::kMax, 2, 2);
  b.conv(4, 2, 1, 0);
  b.relu();
  b.flatten();
  b.dense(5);
  return b.finish();
}

// Its chip: an ideal continuous device, one per weight (offset encoding against a reference
// column); `bits`-bit bit-serial DACs both ways and signed SAR ADCs.
inline std::string small_conv_chip_yaml(int bits) {
  const std::string b = std::to_string(bits);
  return "device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 1, pulse_width: 10 ns, "
         "read_voltage: 0.5 V}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 16, cols: 12}\n"
         "  dac: {impl: bit_serial, bits: " +
         b +
         ", signed: false, read_pulse: 10 ns}\n"
         "  adc: {impl: sar, bits: " +
         b +
         ", mux_ratio: 4, signed: true}\n"
         "  backward_dac: {impl: bit_serial, bits: " +
         b +
         ", signed: true, read_pulse: 10 ns}\n"
         "  shift_add: {impl: digital, bits: 32}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n";
}

// A chip of small_conv_net() from `yaml` (small_conv_chip_yaml and variations), with its own
// ledger; `name` must be unique in the test file.
struct ConvChip {
  ConvChip(const std::string& yaml, const char* name)
      : root(Params::from_string(yaml, "conv_chip.yaml")),
        spec(arch::ChipSpec::from_params(root.child("arch"), root.child("device"), small_conv_net())),
        chip(spec, ledger, 3, name) {}
  Params root;
  arch::ChipSpec spec;
  Ledger ledger;
  arch::Chip chip;
};

// What run_conv_sequence leaves: the second forward pass's logits, the second backward pass's
// errors, every ledger count.
struct ConvOutcome {
  Eigen::MatrixXf logits;
  std::vector<Eigen::MatrixXf> errors;
  std::vector<std::uint64_t> counts;
};

// The same sequence on a fresh ConvChip on `threads` threads (set_max_threads): program He
// weights (seed 4), a raw batch of `batch` random images and one through the ADCs, then two
// backward passes of random errors (the first learns the backward ADC's range).
inline ConvOutcome run_conv_sequence(ConvChip& c, int threads, int batch) {
  const int before = max_threads();
  set_max_threads(threads);
  Rng rng(4);
  workloads::BasicNetwork<float> net(small_conv_net());
  net.init_he(rng);
  std::vector<Eigen::MatrixXf> w_norm;
  std::vector<float> scales;
  for (const auto& w : net.weights()) {
    scales.push_back(w.cwiseAbs().maxCoeff());
    w_norm.push_back(w / scales.back());
  }
  c.chip.set_scales_and_biases(scales, net.biases());
  c.chip.write_weights(w_norm, arch::Phase::kProgramming, false, devices::ProgramOptions{});
  Eigen::MatrixXf x(72, batch);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
  Eigen::MatrixXf delta(5, batch);
  for (Eigen::Index i = 0; i < delta.size(); ++i) delta(i) = static_cast<float>(0.01 * rng.normal());
  ConvOutcome o;
  std::vector<Eigen::MatrixXf> inputs;
  c.chip.forward(x, inputs);
  o.logits = c.chip.forward(x, inputs);
  c.chip.backward(delta, inputs, o.errors);
  c.chip.backward(delta, inputs, o.errors);
  o.counts = c.ledger.snapshot();
  set_max_threads(before);
  return o;
}

// Expects two outcomes equal, bit for bit.
inline void expect_same_outcome(const ConvOutcome& a, const ConvOutcome& b) {
  ASSERT_EQ(a.logits.rows(), b.logits.rows());
  ASSERT_EQ(a.logits.cols(), b.logits.cols());
  EXPECT_TRUE(a.logits == b.logits);
  ASSERT_EQ(a.errors.size(), b.errors.size());
  for (std::size_t l = 0; l < a.errors.size(); ++l) EXPECT_TRUE(a.errors[l] == b.errors[l]) << "layer " << l;
  EXPECT_EQ(a.counts, b.counts);
}

// The training chip's configuration around a `device:` flow map.
inline std::string training_chip_yaml(const std::string& device) {
  return "device: " + device +
         "\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 128, cols: 128, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  backward_dac: {impl: bit_serial, bits: 4, signed: true, read_pulse: 10 ns}\n"
         "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  adc: {impl: sar, bits: 6, mux_ratio: 8, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 16\n"
         "training:\n"
         "  optimizer: {impl: sgd, learning_rate: 1.0}\n";
}

// A training chip with phases programming and update, scale 1 and zero biases. SystemC takes
// new modules only before the first simulation: build every TrainChip of a test program first.
struct TrainChip {
  TrainChip(const std::string& device, const std::string& name, std::uint64_t seed)
      : root(Params::from_string(training_chip_yaml(device), name + ".yaml")),
        spec(arch::ChipSpec::from_params(root.child("arch"), root.child("device"), kTrainWidths)),
        chip(spec, ledger, seed, name.c_str()) {
    chip.declare_phases({arch::Phase::kProgramming, arch::Phase::kUpdate});
    chip.set_scales_and_biases({1.0F}, {Eigen::VectorXf::Zero(kTrainWidths.back())});
  }
  // An update rule built from a `training.update` flow map, on this chip.
  std::unique_ptr<workloads::UpdateRule> rule(const std::string& update_yaml) const {
    const Params p = Params::from_string("update: " + update_yaml + "\n", "update.yaml");
    return workloads::UpdateRuleRegistry::instance().create(p.child("update"), spec,
                                                            root.child("training").child("optimizer"));
  }
  // A rule as rule() builds it, initialized from Rng(init_seed) and written to the chip as it is
  // (no write-verify).
  std::unique_ptr<workloads::UpdateRule> fresh(const std::string& update_yaml, std::uint64_t init_seed) {
    auto r = rule(update_yaml);
    Rng init(init_seed);
    std::vector<Eigen::MatrixXf> w;
    r->initialize(kTrainWidths, init, w);
    chip.write_weights(w, arch::Phase::kProgramming, false, devices::ProgramOptions{});
    return r;
  }
  Params root;
  arch::ChipSpec spec;
  Ledger ledger;
  arch::Chip chip;
};

// chi of every weight of a one-layer rule, from its checkpoint (save_vectors of the chi
// matrices; the rule's further state, if any, follows and is not read).
inline Eigen::VectorXf chi_of(const workloads::UpdateRule& rule) {
  std::stringstream s(std::ios::in | std::ios::out | std::ios::binary);
  rule.save(s);
  std::vector<Eigen::VectorXf> v;
  workloads::load_vectors(s, v);
  EXPECT_EQ(v.size(), 1u);
  return v.at(0);
}

// The held weights of layer 0 (outputs x inputs) flattened as chi is (column-major).
inline Eigen::VectorXf held_of(const arch::Chip& chip) {
  const Eigen::MatrixXf h = chip.held_weights()[0];
  return Eigen::Map<const Eigen::VectorXf>(h.data(), h.size());
}

// Every row of `phase` is count x energy per action, and the rows add up to the phase total,
// to the energy tree's phase node and to the breakdown's total.
inline void expect_energy_identity(const Ledger& ledger, const std::string& phase) {
  double rows = 0.0;
  for (const auto& r : ledger.energy_rows()) {
    if (component_under(r.action->component, phase)) {
      EXPECT_DOUBLE_EQ(r.energy_J(), static_cast<double>(r.count) * r.action->energy_per_action_J);
      rows += r.energy_J();
    }
  }
  const double total = ledger.energy_J(phase);
  ASSERT_GT(total, 0.0);
  EXPECT_NEAR(rows, total, 1e-12 * total);
  EXPECT_NEAR(ledger.energy_tree()["children"][phase]["energy_pJ"].get<double>(), total * 1e12, 1e-9 * total * 1e12);
  EXPECT_NEAR(workloads::breakdown(ledger, phase).total_pJ, total * 1e12, 1e-9 * total * 1e12);
}

// Count and energy (J) of the rows of `phase` whose action name starts with `action_prefix`.
inline std::pair<std::uint64_t, double> actions_in(const Ledger& ledger, const std::string& phase,
                                                   const std::string& action_prefix) {
  std::uint64_t n = 0;
  double e = 0.0;
  for (const auto& r : ledger.energy_rows()) {
    if (component_under(r.action->component, phase) && r.action->action.starts_with(action_prefix)) {
      n += r.count;
      e += r.energy_J();
    }
  }
  return {n, e};
}

}  // namespace xbarsim::simtest
