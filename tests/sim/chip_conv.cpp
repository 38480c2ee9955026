// SystemC tests of a convolution on the chip (docs/arch/conv.md): the buffer traffic of one
// convolution layer against a hand derivation (windows, reuse, words), the outputs against the
// fp32 convolution within the input quantization's bound, the pool's ledger action, the energy
// identity, and weight duplication (same work, shorter tile step, more area).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "workloads/network.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace chip_conv_sim {
namespace {

// Ideal continuous device, differential pairs; an 8-bit bit-serial DAC; ideal ADCs (no
// quantization of the column currents); a buffer of 16-bit words.
std::string chip_yaml(int duplication) {
  return "device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 2, pulse_width: 10 ns, "
         "read_voltage: 0.5 V}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 16, cols: 16, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  adc: {impl: ideal, mux_ratio: 1, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  weight_duplication: " +
         std::to_string(duplication) + "\n";
}

// One convolution: 2 x 5 x 5 input, 4 channels of 3x3 kernels, stride 1, padding 1 (4 x 5 x 5),
// 2x2 max pool (4 x 2 x 2 = 16 outputs; no ReLU: the outputs are the network's logits).
Topology conv_net() {
  TopologyBuilder b({2, 5, 5});
  b.conv(4, 3, 1, 1);
  b.pool(PoolKind::kMax, 2, 2);
  return b.finish();
}

struct ConvChip {
  ConvChip(int duplication, const std::string& name)
      : root(Params::from_string(chip_yaml(duplication), name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), conv_net())),
        chip(spec, ledger, 7, name.c_str()),
        net(conv_net()) {
    Rng rng(11);
    net.init_he(rng);
    for (Eigen::Index i = 0; i < net.biases()[0].size(); ++i) net.biases()[0](i) = 0.1F * static_cast<float>(i);
    images.resize(50, 10);
    for (Eigen::Index i = 0; i < images.size(); ++i) images(i) = static_cast<float>(rng.uniform());
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
  workloads::Network net;
  Eigen::MatrixXf images;
  InferenceReport report;
  // Programs, calibrates and runs the 10 images in one batch (once).
  const InferenceReport& run() {
    if (report.logits.size() == 0) {
      chip.program(net.weights(), net.biases());
      chip.calibrate(images, 10);
      report = chip.infer(images, 10, nullptr);
    }
    return report;
  }
  // Actions counted under inference/layer0 by components ending in `suffix` (every copy's tiles).
  std::uint64_t total(const std::string& suffix) const {
    std::uint64_t n = 0;
    for (const auto& r : ledger.energy_rows()) {
      if (component_under(r.action->component, "inference/layer0") && r.action->component.ends_with(suffix)) {
        n += r.count;
      }
    }
    return n;
  }
  std::uint64_t count(const std::string& component, const std::string& action) const {
    for (const auto& r : ledger.energy_rows()) {
      if (r.action->component == component && r.action->action == action) return r.count;
    }
    return 0;
  }
};

ConvChip& single() {
  static ConvChip c(1, "conv1");
  return c;
}
ConvChip& quad() {
  static ConvChip c(4, "conv4");
  return c;
}

class ConvChipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    single();
    quad();
  }
};

TEST_F(ConvChipTest, BufferTrafficOfOneConvolutionMatchesTheHandDerivation) {
  ConvChip& c = single();
  c.run();
  // Reads per image (arch/topology.hpp): each output row reads the input rows its windows cover
  // (2, 3, 3, 3, 2 = 13 of them) across the width once (the first window 2 columns in bounds, then
  // one new column per window: 2 + 1 + 1 + 1 + 0 = 5), per channel: 2 x 13 x 5 = 130 values.
  // Without reuse every window would read its in-bounds values: 2 x 13 x 13 = 338.
  // Words: 130 values x 10 images x 4 bits / 16-bit words = 325.
  EXPECT_EQ(c.count("inference/buffer", "word_read"), 325U);
  // Writes: the pooled outputs, 4 x 2 x 2 = 16 values x 10 images x 4 bits / 16 = 40 words.
  EXPECT_EQ(c.count("inference/buffer", "word_write"), 40U);
  // The pool: 3 compares per pooled value, 16 x 10 = 160 values: 480.
  EXPECT_EQ(c.count("inference/layer0/digital", "pool"), 480U);
  // Bias and activation once per output of every window: 4 channels x 25 windows x 10 images.
  EXPECT_EQ(c.count("inference/layer0/digital", "bias_activation"), 1000U);
}

TEST_F(ConvChipTest, OutputsAreTheConvolutionWithinTheInputQuantization) {
  ConvChip& c = single();
  const InferenceReport& r = c.run();
  const Eigen::MatrixXf expected = c.net.forward(c.images);
  ASSERT_EQ(r.logits.rows(), 16);
  // With an ideal device and ideal ADCs the only error is the 4-bit input code: each input is off
  // by at most half a step, full scale / (2 x 15), so each window's output by at most
  // sum_k |W_ok| x full scale / 30 (max pooling does not enlarge a difference).
  const float fs = c.images.maxCoeff();
  const Eigen::VectorXf bound = c.net.weights()[0].cwiseAbs().rowwise().sum() * (fs / 30.0F);
  for (Eigen::Index j = 0; j < r.logits.cols(); ++j) {
    for (Eigen::Index i = 0; i < r.logits.rows(); ++i) {
      const Eigen::Index channel = i / 4;
      EXPECT_LE(std::abs(r.logits(i, j) - expected(i, j)), bound(channel) * 1.0001F + 1e-5F)
          << "output " << i << " image " << j;
    }
  }
  // And it is not trivially met: the outputs are of the order of the bound or larger.
  EXPECT_GT(expected.cwiseAbs().maxCoeff(), bound.maxCoeff());
}

TEST_F(ConvChipTest, EnergyTotalEqualsTheSumOfItsActions) {
  ConvChip& c = single();
  c.run();
  const double total = c.ledger.energy_J("inference");
  ASSERT_GT(total, 0.0);
  const double by_parts = c.ledger.energy_J("inference/layer0") + c.ledger.energy_J("inference/buffer");
  EXPECT_NEAR(by_parts, total, 1e-12 * total);
  double by_rows = 0.0;
  for (const auto& r : c.ledger.energy_rows()) {
    if (component_under(r.action->component, "inference")) {
      EXPECT_DOUBLE_EQ(r.energy_J(), static_cast<double>(r.count) * r.action->energy_per_action_J);
      by_rows += r.energy_J();
    }
  }
  EXPECT_NEAR(by_rows, total, 1e-12 * total);
}

TEST_F(ConvChipTest, DuplicationTradesAreaForTheTileStep) {
  ConvChip& one = single();
  ConvChip& four = quad();
  const InferenceReport& r1 = one.run();
  const InferenceReport& r4 = four.run();
  // Four copies of the one 18-row x 4-column layer: 16 x 16 arrays hold 16 rows, so 2 row tiles
  // per copy: 2 and 8 tiles.
  EXPECT_EQ(one.chip.tile_count(), 2U);
  EXPECT_EQ(four.chip.tile_count(), 8U);
  one.chip.declare_area();
  four.chip.declare_area();
  EXPECT_NEAR(four.ledger.area_m2("chip/tiles"), 4.0 * one.ledger.area_m2("chip/tiles"),
              1e-9 * four.ledger.area_m2("chip/tiles"));
  // The same work: every window is read once either way (DAC row drives and ADC conversions).
  EXPECT_EQ(four.total("/dac"), one.total("/dac"));
  EXPECT_EQ(four.total("/adc"), one.total("/adc"));
  EXPECT_GT(one.total("/adc"), 0U);
  // The 250 windows of the batch are dealt out 62, 63, 62, 63: a copy's tile step is that of 63
  // windows. A window costs planes x (read + conversions) + shift-add = 4 x (10 + 0) + 1 = 41
  // cycles (ideal ADC: no conversion cycles), so the tile step per image is 250 x 41 / 10 = 1025
  // cycles for one copy and round(63 x 41 / 10) = round(258.3) = 258 for four. The layer's tiles
  // are busy that step for each of the 10 images: 10250 and 2580 cycles of the job (busy =
  // utilisation x the job's cycles).
  const auto busy = [](const InferenceReport& r, const std::string& resource) {
    for (const auto& [name, u] : r.utilisation) {
      if (name == resource) return u * static_cast<double>(r.total_cycles);
    }
    ADD_FAILURE() << "no resource " << resource;
    return 0.0;
  };
  EXPECT_NEAR(busy(r1, "layer0/tiles"), 10250.0, 1e-9 * 10250.0);
  EXPECT_NEAR(busy(r4, "layer0/tiles"), 2580.0, 1e-9 * 2580.0);
  // The buffer moves the same words either way.
  EXPECT_NEAR(busy(r4, "buffer"), busy(r1, "buffer"), 1e-9 * busy(r1, "buffer"));
  // The tiles are each layout's bottleneck, so the layer's interval (measured over the job's
  // exits, with the pipeline's fill) is shorter with four copies.
  ASSERT_EQ(r1.stage_cycles.size(), 1U);
  EXPECT_EQ(r1.bottleneck[0], "layer0/tiles");
  EXPECT_EQ(r4.bottleneck[0], "layer0/tiles");
  EXPECT_LT(r4.stage_cycles[0], r1.stage_cycles[0]);
  // Identical weights, ideal devices: identical outputs.
  EXPECT_TRUE(r4.logits.isApprox(r1.logits, 1e-6F));
}

}  // namespace
}  // namespace chip_conv_sim
}  // namespace xbarsim::arch
