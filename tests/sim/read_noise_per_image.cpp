// arch.read_noise (docs/devices/defects.md, "Read noise per image"): with per_operation (the
// default) every image of a tile operation sees the same read-noise draw, with per_image each
// image its own; the spread of an output across the images of one operation then matches the
// device's read-noise sigma (PCM, Joshi et al. 2020 as in aihwkit: sd = |G(t)| x scale x
// sqrt(ln((t + t0 + t_read) / (2 t_read))) x Q per device), as does the spread across operations
// of one image each. And the fabrication defects reach the chip's tiles from device.defects.
// One process: every chip is elaborated before the first simulation.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "devices/pcm.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace read_noise_per_image_sim {
namespace {

// One layer 16 -> 8 on one 16 x 16 tile (8 differential weight columns), 4-bit bit-serial DAC,
// ideal ADC (no quantization). PCM read noise at 5 % of the card's (read_noise_scale 0.05): at
// most 0.2 x 4.19 x 0.05 = 4.2 % of G per read at t = 1 s, so the clip at G = 0 never acts and
// the noise stays Gaussian.
std::string chip_yaml(const std::string& extra_arch, const std::string& extra_device = "") {
  return "device: {impl: pcm, read_noise_scale: 0.05, read_voltage: 0.5 V" + extra_device +
         "}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 16, cols: 16, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  adc: {impl: ideal, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 16\n" +
         extra_arch;
}

constexpr int kIn = 16;
constexpr int kOut = 8;

struct TestChip {
  TestChip(const std::string& yaml, const std::string& name)
      : root(Params::from_string(yaml, name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), std::vector<int>{kIn, kOut})),
        chip(spec, ledger, 7, name.c_str()) {
    Rng rng(11);
    weights.resize(kOut, kIn);
    // |w| in [0.2, 1]: no weight near 0 (the noise model's Q saturates there).
    for (Eigen::Index i = 0; i < weights.size(); ++i) {
      weights(i) = static_cast<float>((0.2 + 0.8 * rng.uniform()) * (rng.uniform() < 0.5 ? -1.0 : 1.0));
    }
    root.check_all_read();
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
  Eigen::MatrixXf weights;
};

TestChip& per_operation() {
  static TestChip c(chip_yaml(""), "per_operation");
  return c;
}
TestChip& per_image() {
  static TestChip c(chip_yaml("  read_noise: per_image\n"), "per_image");
  return c;
}
TestChip& defective() {
  static TestChip c(chip_yaml("", ", defects: {d2d_sigma: 0.1, stuck_off_rate: 0.1, stuck_on_rate: 0.1}"), "defective");
  return c;
}

class ReadNoisePerImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    per_operation();
    per_image();
    defective();
    for (TestChip* c : {&per_operation(), &per_image(), &defective()}) {
      c->chip.program({c->weights}, {Eigen::VectorXf::Zero(kOut)});
      c->chip.calibrate(Eigen::MatrixXf::Ones(kIn, 16), 16);
    }
  }
};

// Expected variance of each logit over read-noise draws, every input at 1 (the DAC's full
// scale: every bit plane drives every row). logit_j = c sum_i (G+_ij - G-_ij) with c =
// input full scale (1) x weight scale (max |w|) / G_unit (the controller's digital scale), so
// var_j = c^2 sum_i (sd+_ij^2 + sd-_ij^2), sd = |G(t)| x read_noise_scale x time factor x q of
// each device (PcmDevice::read).
Eigen::VectorXd expected_variance(TestChip& c) {
  const auto& pcm = dynamic_cast<const devices::PcmDevice&>(*c.spec.device);
  const CrossbarArray& a = c.chip.layers()[0].tiles[0]->array();
  const double t = c.spec.time_since_programming;
  std::vector<float> g(a.cells().size());
  pcm.conductance(a.cells(), g, t);
  const double f = 0.05 * pcm.read_noise_time_factor(t);
  const double scale = c.weights.cwiseAbs().maxCoeff() / c.spec.unit_conductance();
  Eigen::VectorXd v = Eigen::VectorXd::Zero(kOut);
  for (int j = 0; j < kOut; ++j) {
    for (int i = 0; i < kIn; ++i) {
      for (int d = 0; d < 2; ++d) {
        const std::uint32_t k = a.cell_index(i, j, d);
        const double sd = std::abs(g[k]) * f * a.cells()[k].q;
        v(j) += scale * scale * sd * sd;
      }
    }
  }
  return v;
}

// Per logit, the sample variance over the columns of `logits`, over its expectation.
Eigen::VectorXd variance_ratio(const Eigen::MatrixXf& logits, const Eigen::VectorXd& expected) {
  const auto n = static_cast<double>(logits.cols());
  Eigen::VectorXd r(logits.rows());
  for (Eigen::Index j = 0; j < logits.rows(); ++j) {
    const Eigen::ArrayXd x = logits.row(j).transpose().cast<double>().array();
    r(j) = (x - x.mean()).square().sum() / (n - 1) / expected(j);
  }
  return r;
}

TEST_F(ReadNoisePerImage, IdenticalImagesOfOneOperationSeeTheSameDrawOnlyPerOperation) {
  const Eigen::MatrixXf two = Eigen::MatrixXf::Ones(kIn, 2);
  const Eigen::MatrixXf op = per_operation().chip.infer(two, 2, nullptr).logits;
  EXPECT_TRUE((op.col(0).array() == op.col(1).array()).all()) << op;
  const Eigen::MatrixXf im = per_image().chip.infer(two, 2, nullptr).logits;
  // Two draws of 32 devices' noise per logit: equal only with probability 0.
  for (int j = 0; j < kOut; ++j) EXPECT_NE(im(j, 0), im(j, 1)) << j;
}

TEST_F(ReadNoisePerImage, SpreadAcrossImagesMatchesTheDevicesReadNoise) {
  // N = 400 identical images: per_image in one operation, per_operation in 400 operations of one
  // image. A sample variance of N Gaussian values has relative standard error sqrt(2 / (N - 1))
  // = 0.0708; the 8 logits read disjoint devices (independent), so their mean ratio of sample to
  // expected variance has standard error 0.0708 / sqrt(8) = 0.025: tolerance 4 of them, 0.1.
  constexpr int kN = 400;
  const Eigen::MatrixXf images = Eigen::MatrixXf::Ones(kIn, kN);
  const Eigen::MatrixXf im = per_image().chip.infer(images, kN, nullptr).logits;
  const Eigen::MatrixXf op = per_operation().chip.infer(images, 1, nullptr).logits;
  const Eigen::VectorXd r_im = variance_ratio(im, expected_variance(per_image()));
  const Eigen::VectorXd r_op = variance_ratio(op, expected_variance(per_operation()));
  EXPECT_NEAR(r_im.mean(), 1.0, 0.1) << r_im.transpose();
  EXPECT_NEAR(r_op.mean(), 1.0, 0.1) << r_op.transpose();
  // And per_operation in one operation: no spread at all.
  const Eigen::MatrixXf one_op = per_operation().chip.infer(images, kN, nullptr).logits;
  for (int j = 0; j < kOut; ++j) EXPECT_EQ(one_op.row(j).maxCoeff(), one_op.row(j).minCoeff()) << j;
}

TEST_F(ReadNoisePerImage, DeviceDefectsReachTheTiles) {
  // device.defects reaches every tile's array: its cells have faults and factors; the chips
  // without the block have none.
  const CrossbarArray& a = defective().chip.layers()[0].tiles[0]->array();
  EXPECT_EQ(a.faults().size(), a.cells().size());
  EXPECT_EQ(a.d2d_factors().size(), a.cells().size());
  EXPECT_TRUE(per_operation().chip.layers()[0].tiles[0]->array().faults().empty());
  EXPECT_TRUE(per_operation().chip.layers()[0].tiles[0]->array().d2d_factors().empty());
}

}  // namespace
}  // namespace read_noise_per_image_sim
}  // namespace xbarsim::arch
