// The chip's training paths against the fp32 network on the same weights: with an ideal
// continuous device and 12-bit converters, forward logits and backward errors (transposed reads
// through the signed error DAC and the ADCs) must match the software within the converters'
// resolution.
#include <gtest/gtest.h>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "workloads/mlp.hpp"

namespace xbarsim::arch {
namespace {

constexpr const char* kYaml =
    "device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 1, pulse_width: 10 ns}\n"
    "arch:\n"
    "  clock: 1 GHz\n"
    "  tech: {node: 22nm}\n"
    "  array: {rows: 16, cols: 12}\n"
    "  dac: {impl: bit_serial, bits: 12, signed: false, read_voltage: 0.5 V, read_pulse: 10 ns}\n"
    "  backward_dac: {impl: bit_serial, bits: 12, signed: true, read_voltage: 0.5 V, read_pulse: 10 ns}\n"
    "  adc: {impl: sar, bits: 12, mux_ratio: 4, signed: true}\n"
    "  shift_add: {impl: digital, bits: 32}\n"
    "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
    "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
    "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n";

TEST(ChipTraining, ForwardAndBackwardMatchTheFp32NetworkOnTheSameWeights) {
  const std::vector<int> widths{20, 14, 5};  // 2 x 2 tiles in layer 0 (16 rows, 11 columns)
  const Params root = Params::from_string(kYaml, "train.yaml");
  const ChipSpec spec = ChipSpec::from_params(root.child("arch"), root.child("device"), widths);
  Ledger ledger;
  Chip chip(spec, ledger, 3);

  Rng rng(4);
  workloads::BasicMlp<float> net(widths);
  net.init_he(rng);
  for (auto& b : net.biases()) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = static_cast<float>(0.1 * rng.normal());
  }
  std::vector<Eigen::MatrixXf> w_norm;
  std::vector<float> scales;
  for (const auto& w : net.weights()) {
    scales.push_back(w.cwiseAbs().maxCoeff());
    w_norm.push_back(w / scales.back());
  }
  chip.set_scales_and_biases(scales, net.biases());
  chip.write_weights(w_norm, "programming", false, devices::ProgramOptions{});
  net.weights() = chip.held_weights();  // identical up to float rounding for an ideal device

  Eigen::MatrixXf x(20, 30);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
  std::vector<Eigen::MatrixXf> inputs, errors;
  chip.forward(x, inputs);                     // first batch: ranges learned raw
  const Eigen::MatrixXf logits = chip.forward(x, inputs);  // second: through the 12-bit ADCs
  const Eigen::MatrixXf ref = net.forward(x);
  // 12-bit converters: relative error ~ a few LSB of 1/4095 of the ranges; allow 1 %.
  EXPECT_LT((logits - ref).cwiseAbs().maxCoeff(), 0.01F * ref.cwiseAbs().maxCoeff());

  std::vector<std::uint8_t> labels(30);
  for (std::size_t j = 0; j < labels.size(); ++j) labels[j] = static_cast<std::uint8_t>(j % 5);
  net.backward(labels);  // software gradients at the same weights
  Eigen::MatrixXf delta = workloads::BasicMlp<float>::softmax(ref);
  for (int j = 0; j < 30; ++j) delta(labels[static_cast<std::size_t>(j)], j) -= 1.0F;
  delta /= 30.0F;
  chip.backward(delta, inputs, errors);  // ranges learned raw
  chip.backward(delta, inputs, errors);  // through the ADCs
  ASSERT_EQ(errors.size(), 2u);
  // dL/dW_0 = errors[0] x^T must match the software gradient of layer 0.
  const Eigen::MatrixXf grad0 = errors[0] * inputs[0].transpose();
  const Eigen::MatrixXf& sw0 = net.weight_grads()[0];
  EXPECT_LT((grad0 - sw0).cwiseAbs().maxCoeff(), 0.02F * sw0.cwiseAbs().maxCoeff())
      << "chip\n" << grad0.block(0, 0, 3, 5) << "\nsoftware\n" << sw0.block(0, 0, 3, 5);
  const Eigen::MatrixXf grad1 = errors[1] * inputs[1].transpose();
  EXPECT_LT((grad1 - net.weight_grads()[1]).cwiseAbs().maxCoeff(), 0.02F * net.weight_grads()[1].cwiseAbs().maxCoeff());
}

}  // namespace
}  // namespace xbarsim::arch
