// The chip's training paths against the fp32 network on the same weights: with an ideal
// continuous device and 12-bit converters, forward logits and backward errors (transposed reads
// through the signed error DAC and the ADCs) must match the software within the converters'
// resolution.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "workloads/network.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace chip_training_paths_sim {
namespace {

constexpr const char* kYamlHead =
    "device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 1, pulse_width: 10 ns, "
    "read_voltage: 0.5 V}\n"
    "arch:\n"
    "  clock: 1 GHz\n"
    "  tech: {node: 22nm}\n"
    "  array: {rows: 16, cols: 12}\n"
    "  dac: {impl: bit_serial, bits: 12, signed: false, read_pulse: 10 ns}\n"
    "  adc: {impl: sar, bits: 12, mux_ratio: 4, signed: true}\n";
constexpr const char* kYamlTail =
    "  shift_add: {impl: digital, bits: 32}\n"
    "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
    "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
    "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n";

// The test chip with a signed error DAC of `error_bits` and `arch.error_scale: error_scale`.
std::string yaml(int error_bits = 12, const std::string& error_scale = "per_image") {
  return std::string(kYamlHead) +
         fmt::format(
             "  backward_dac: {{impl: bit_serial, bits: {}, signed: true, read_pulse: 10 ns}}\n"
             "  error_scale: {}\n",
             error_bits, error_scale) +
         kYamlTail;
}

const std::vector<int> kWidths{20, 14, 5};  // 2 x 2 tiles in layer 0 (16 rows, 11 columns)

struct TestChip {
  TestChip(const std::string& text, const std::string& name)
      : root(Params::from_string(text, name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), kWidths)),
        chip(spec, ledger, 3, name.c_str()) {}
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

TestChip& chip12() {
  static TestChip c(yaml(), "chip12");
  return c;
}
TestChip& chip8(const std::string& error_scale) {
  static TestChip per_image(yaml(8, "per_image"), "chip8_per_image");
  static TestChip per_batch(yaml(8, "per_batch"), "chip8_per_batch");
  return error_scale == "per_image" ? per_image : per_batch;
}

// SystemC takes new modules only before the first simulation: every chip is built up front.
class ChipTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    chip12();
    chip8("per_image");
    chip8("per_batch");
  }
};

// Programs `net` onto the chip: each layer normalized by its largest |w| (the layer's scale).
void program_network(Chip& chip, const workloads::BasicNetwork<float>& net) {
  std::vector<Eigen::MatrixXf> w_norm;
  std::vector<float> scales;
  for (const auto& w : net.weights()) {
    scales.push_back(w.cwiseAbs().maxCoeff());
    w_norm.push_back(w / scales.back());
  }
  chip.set_scales_and_biases(scales, net.biases());
  chip.write_weights(w_norm, Phase::kProgramming, false, devices::ProgramOptions{});
}

TEST_F(ChipTraining, ForwardAndBackwardMatchTheFp32NetworkOnTheSameWeights) {
  const std::vector<int>& widths = kWidths;
  Chip& chip = chip12().chip;

  Rng rng(4);
  workloads::BasicNetwork<float> net(widths);
  net.init_he(rng);
  for (auto& b : net.biases()) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = static_cast<float>(0.1 * rng.normal());
  }
  program_network(chip, net);
  net.weights() = chip.held_weights();  // identical up to float rounding for an ideal device

  Eigen::MatrixXf x(20, 30);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
  std::vector<Eigen::MatrixXf> inputs, errors;
  chip.forward(x, inputs);                                 // first batch: ranges learned raw
  const Eigen::MatrixXf logits = chip.forward(x, inputs);  // second: through the 12-bit ADCs
  const Eigen::MatrixXf ref = net.forward(x);
  // 12-bit converters: relative error ~ a few LSB of 1/4095 of the ranges; allow 1 %.
  EXPECT_LT((logits - ref).cwiseAbs().maxCoeff(), 0.01F * ref.cwiseAbs().maxCoeff());

  std::vector<std::uint8_t> labels(30);
  for (std::size_t j = 0; j < labels.size(); ++j) labels[j] = static_cast<std::uint8_t>(j % 5);
  net.backward(labels);  // software gradients at the same weights
  Eigen::MatrixXf delta = workloads::BasicNetwork<float>::softmax(ref);
  for (int j = 0; j < 30; ++j) delta(labels[static_cast<std::size_t>(j)], j) -= 1.0F;
  delta /= 30.0F;
  chip.backward(delta, inputs, errors);  // ranges learned raw
  chip.backward(delta, inputs, errors);  // through the ADCs
  ASSERT_EQ(errors.size(), 2u);
  // dL/dW_0 = errors[0] x^T must match the software gradient of layer 0.
  const Eigen::MatrixXf grad0 = errors[0] * inputs[0].transpose();
  const Eigen::MatrixXf& sw0 = net.weight_grads()[0];
  EXPECT_LT((grad0 - sw0).cwiseAbs().maxCoeff(), 0.02F * sw0.cwiseAbs().maxCoeff())
      << "chip\n"
      << grad0.block(0, 0, 3, 5) << "\nsoftware\n"
      << sw0.block(0, 0, 3, 5);
  const Eigen::MatrixXf grad1 = errors[1] * inputs[1].transpose();
  EXPECT_LT((grad1 - net.weight_grads()[1]).cwiseAbs().maxCoeff(), 0.02F * net.weight_grads()[1].cwiseAbs().maxCoeff());
}

// The error DAC's full scale: with 8 bits (max code 127) and two images whose output errors
// differ by a factor 1000, one full scale for the batch rounds every code of the small image to
// 0 (1e-3 x 127 = 0.127 < 0.5), so its backward error is lost; a full scale per image keeps it.
// Bound for per_image, image j: each of the `out` = 5 codes is off by at most half a step,
// 0.5 fs_j / 127, and enters the row sum times |W| <= max|W|, so
// |e_chip - e_sw| <= 5 x 0.5 / 127 x fs_j x max|W|; twice that covers the 12-bit ADC.
TEST_F(ChipTraining, PerImageErrorScaleKeepsSmallErrorsThatOneBatchScaleRoundsToZero) {
  for (const char* mode : {"per_image", "per_batch"}) {
    Chip& chip = chip8(mode).chip;
    Rng rng(5);
    workloads::BasicNetwork<float> net(kWidths);
    net.init_he(rng);
    program_network(chip, net);
    const Eigen::MatrixXf w1 = chip.held_weights()[1];

    Eigen::MatrixXf x(20, 2);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(0.2 + rng.uniform());
    std::vector<Eigen::MatrixXf> inputs, errors;
    chip.forward(x, inputs);
    Eigen::MatrixXf delta(5, 2);
    for (Eigen::Index i = 0; i < 5; ++i) delta(i, 0) = static_cast<float>(rng.normal());
    delta.col(1) = 1e-3F * delta.col(0).reverse();
    chip.backward(delta, inputs, errors);  // ranges learned raw
    chip.backward(delta, inputs, errors);  // through the ADCs
    const Eigen::MatrixXf mask = (inputs[1].array() > 0.0F).cast<float>().matrix();
    const Eigen::MatrixXf sw = (w1.transpose() * delta).cwiseProduct(mask);
    ASSERT_GT(sw.col(1).cwiseAbs().maxCoeff(), 0.0F);
    if (std::string(mode) == "per_batch") {
      // Every code of the small image is 0: what comes back is the ADC's zero offset, not the
      // image's error, so it misses the software result by more than half its size.
      EXPECT_GT((errors[0].col(1) - sw.col(1)).cwiseAbs().maxCoeff(), 0.5F * sw.col(1).cwiseAbs().maxCoeff());
    } else {
      for (int j = 0; j < 2; ++j) {
        const float fs = delta.col(j).cwiseAbs().maxCoeff();
        const float bound = 2.0F * 5.0F * 0.5F / 127.0F * fs * w1.cwiseAbs().maxCoeff();
        EXPECT_LT((errors[0].col(j) - sw.col(j)).cwiseAbs().maxCoeff(), bound) << "image " << j;
      }
    }
  }
}

}  // namespace
}  // namespace chip_training_paths_sim
}  // namespace xbarsim::arch
