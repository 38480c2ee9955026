// ADC non-idealities in a chip (docs/periphery/adc.md, "In a chip"): zero parameters leave every
// output and ledger row as they were; an offset moves every output by exactly its LSBs; each of a
// tile's ADCs has its own DNL, shared by the lines of its mux group; the noise comes from the
// tile's stream, per conversion, and repeats with the seed; the errors cost no energy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "core/params.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace adc_errors_sim {
namespace {

// One 16 x 9 tile (8 weight columns and the reference column of the offset encoding) of an ideal
// continuous device, 0..20 uS (G = 10 uS + w x 10 uS), read at 0.5 V; a 1-bit unsigned DAC (one
// plane: inputs 0 or 1); an 8-bit signed SAR, 4 columns per ADC (2 ADCs), its range the column
// full scale [-I, I], I = 16 rows x 10 uS x 0.5 V = 80 uA (lsb = 160 uA / 255). `adc_extra` adds
// keys to the ADC card.
std::string chip_yaml(const std::string& adc_extra) {
  return "device: {impl: ideal, g_min: 0 S, g_max: 20 uS, levels: 0, devices_per_weight: 1, read_voltage: 0.5 V, "
         "pulse_width: 10 ns}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 16, cols: 9, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 1, signed: false, read_pulse: 10 ns}\n"
         "  adc: {impl: sar, bits: 8, mux_ratio: 4, signed: true" +
         adc_extra +
         "}\n"
         "  adc_range: full_scale\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 1\n";
}

struct OneTileChip {
  OneTileChip(const std::string& adc_extra, const std::string& name)
      : root(Params::from_string(chip_yaml(adc_extra), name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), {16, 8})),
        chip(spec, ledger, 5, name.c_str()) {
    root.check_all_read();
  }
  // Programs `w` (8 x 16), calibrates and infers `x` (16 x images): the logits (8 x images).
  Eigen::MatrixXf run(const Eigen::MatrixXf& w, const Eigen::MatrixXf& x) {
    chip.program({w}, {Eigen::VectorXf::Zero(8)});
    chip.calibrate(x, static_cast<int>(x.cols()));
    return chip.infer(x, static_cast<int>(x.cols()), nullptr).logits;
  }
  std::uint64_t count(const std::string& action) const {
    std::uint64_t n = 0;
    for (const auto& r : ledger.energy_rows()) {
      if (r.action->component.rfind("inference/", 0) == 0 && r.action->action == action) n += r.count;
    }
    return n;
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

// Every chip of this program, elaborated before the first simulation.
struct Chips {
  OneTileChip nominal{"", "nominal"};
  OneTileChip zero{", offset_lsb: 0, gain_error: 0, inl_lsb: 0, dnl_lsb: 0, noise_lsb: 0", "zero"};
  OneTileChip offset{", offset_lsb: 3", "offset"};
  OneTileChip nominal_same{"", "nominal_same"};
  OneTileChip dnl{", dnl_lsb: 0.4", "dnl"};
  OneTileChip noisy{", noise_lsb: 1", "noisy"};
  OneTileChip noisy_again{", noise_lsb: 1", "noisy_again"};
};
Chips& chips() {
  static Chips c;
  return c;
}

class AdcErrorsInAChip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chips(); }
};

// 64 input vectors of 0s and 1s (a fixed pattern, about half ones).
Eigen::MatrixXf inputs() {
  Eigen::MatrixXf x(16, 64);
  for (int i = 0; i < 16; ++i) {
    for (int n = 0; n < 64; ++n) x(i, n) = std::sin(1.3 * i + 0.7 * n + 0.1 * i * n) > 0.0 ? 1.0F : 0.0F;
  }
  return x;
}

// Weights with mixed signs, |w| <= 1 (the largest is 1, so the chip's weight scale is 1): a
// column sum of 16 such weights over the driven rows stays far inside +-16 (the range's edges).
Eigen::MatrixXf mixed_weights() {
  Eigen::MatrixXf w(8, 16);
  for (int j = 0; j < 8; ++j) {
    for (int i = 0; i < 16; ++i) w(j, i) = static_cast<float>(std::cos(1.7 * j + 2.3 * i));
  }
  w(0, 0) = 1.0F;
  return w;
}

// Every output the same weights: every line reads the same current.
Eigen::MatrixXf equal_columns() {
  Eigen::MatrixXf w(8, 16);
  for (int j = 0; j < 8; ++j) {
    for (int i = 0; i < 16; ++i) w(j, i) = static_cast<float>(std::cos(2.3 * i));
  }
  return w;
}

TEST_F(AdcErrorsInAChip, ZeroParametersChangeNothingAndAnOffsetMovesEveryOutputByItsLsbs) {
  Chips& c = chips();
  const Eigen::MatrixXf x = inputs();
  const Eigen::MatrixXf n = c.nominal.run(mixed_weights(), x);
  const Eigen::MatrixXf z = c.zero.run(mixed_weights(), x);
  // Zero parameters: the same logits bit for bit, the same ledger.
  EXPECT_TRUE(n == z);
  ASSERT_EQ(c.nominal.ledger.energy_rows().size(), c.zero.ledger.energy_rows().size());
  EXPECT_EQ(c.nominal.ledger.energy_J(), c.zero.ledger.energy_J());
  EXPECT_EQ(c.nominal.count("clipped"), 0u);

  // offset_lsb 3: every code 3 above the nominal one (no code near the range's ends: none
  // clipped), so every logit is the nominal one plus 3 steps of the nominal converter. One step
  // in logit units is the smallest difference between two nominal logits (512 outputs over far
  // fewer codes: neighbouring codes occur).
  const Eigen::MatrixXf o = c.offset.run(mixed_weights(), x);
  EXPECT_EQ(c.offset.count("clipped"), 0u);
  std::vector<float> sorted(n.data(), n.data() + n.size());
  std::sort(sorted.begin(), sorted.end());
  float step = INFINITY;
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i] - sorted[i - 1] > 1e-3F * std::fabs(sorted.back())) step = std::min(step, sorted[i] - sorted[i - 1]);
  }
  ASSERT_TRUE(std::isfinite(step));
  for (Eigen::Index i = 0; i < n.size(); ++i) ASSERT_NEAR(o(i) - n(i), 3.0F * step, 1e-3F * step) << i;
  // The errors cost nothing: the same counts, the same energy.
  EXPECT_EQ(c.offset.count("conversion"), c.nominal.count("conversion"));
  EXPECT_DOUBLE_EQ(c.offset.ledger.energy_J(), c.nominal.ledger.energy_J());
}

TEST_F(AdcErrorsInAChip, EachAdcHasItsOwnDnlAndTheNoiseIsPerConversion) {
  Chips& c = chips();
  const Eigen::MatrixXf x = inputs();
  const Eigen::MatrixXf n = c.nominal_same.run(equal_columns(), x);
  // Without errors the 8 equal lines give 8 equal outputs.
  for (int j = 1; j < 8; ++j) EXPECT_TRUE(n.row(j) == n.row(0)) << j;

  // DNL: lines 0-3 convert through ADC 0, lines 4-7 through ADC 1. The same current through the
  // same converter gives the same code; the two converters' levels differ (independent
  // displacements of RMS 0.4 / sqrt(2) LSB), so some of the 64 images fall between them and the
  // groups disagree there; so do the converters and the nominal quantizer.
  const Eigen::MatrixXf d = c.dnl.run(equal_columns(), x);
  for (int j = 1; j < 4; ++j) EXPECT_TRUE(d.row(j) == d.row(0)) << j;
  for (int j = 5; j < 8; ++j) EXPECT_TRUE(d.row(j) == d.row(4)) << j;
  EXPECT_FALSE(d.row(0) == d.row(4));
  EXPECT_FALSE(d.row(0) == n.row(0));
  EXPECT_EQ(c.dnl.count("conversion"), c.nominal_same.count("conversion"));

  // Noise of 1 LSB per conversion: equal currents through one converter now give different codes.
  // Two conversions' effective inputs differ by N(0, 2) LSB, so they share a code with probability
  // about E[max(0, 1 - |D|)] = 0.27 (D ~ N(0, 2)), and all 64 images of two lines agree with
  // probability 0.27^64, nil. The same seed repeats every draw.
  const Eigen::MatrixXf r = c.noisy.run(equal_columns(), x);
  EXPECT_FALSE(r.row(0) == r.row(1));
  const Eigen::MatrixXf again = c.noisy_again.run(equal_columns(), x);
  EXPECT_TRUE(r == again);
}

}  // namespace
}  // namespace adc_errors_sim
}  // namespace xbarsim::arch
