// The chip's training paths through convolutions against the fp32 network on the same weights:
// with an ideal continuous device and 12-bit converters, the forward logits and every layer's
// weight gradient (errors from the transposed reads, summed back through the transposed
// convolution, the max pool and the ReLUs, times the kept input vectors) must match the software
// within the converters' resolution (docs/arch/conv.md, Training).
#include <gtest/gtest.h>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "sim/sim_support.hpp"
#include "workloads/network.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace chip_conv_training_sim {
namespace {

struct TestChip {
  TestChip()
      : root(Params::from_string(simtest::small_conv_chip_yaml(12), "conv_training.yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), simtest::small_conv_net())),
        chip(spec, ledger, 3, "conv_chip") {}
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

TestChip& test_chip() {
  static TestChip c;
  return c;
}

class ChipConvTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test_chip(); }
};

TEST_F(ChipConvTraining, ForwardAndGradientsMatchTheFp32NetworkOnTheSameWeights) {
  Chip& chip = test_chip().chip;
  Rng rng(4);
  workloads::BasicNetwork<float> net(simtest::small_conv_net());
  net.init_he(rng);
  for (auto& b : net.biases()) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = static_cast<float>(0.1 * rng.normal());
  }
  // Each layer normalized by its largest |w| (the layer's scale), as the in-situ flow holds it.
  std::vector<Eigen::MatrixXf> w_norm;
  std::vector<float> scales;
  for (const auto& w : net.weights()) {
    scales.push_back(w.cwiseAbs().maxCoeff());
    w_norm.push_back(w / scales.back());
  }
  chip.set_scales_and_biases(scales, net.biases());
  chip.write_weights(w_norm, Phase::kProgramming, false, devices::ProgramOptions{});
  net.weights() = chip.held_weights();  // identical up to float rounding for an ideal device

  const int batch = 12;
  Eigen::MatrixXf x(72, batch);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
  std::vector<Eigen::MatrixXf> inputs, errors;
  chip.forward(x, inputs);                                 // first batch: ranges learned raw
  const Eigen::MatrixXf logits = chip.forward(x, inputs);  // second: through the 12-bit ADCs
  const Eigen::MatrixXf ref = net.forward(x);
  // 12-bit converters: a few LSB of 1/4095 of each range per layer; allow 1 % of the largest logit.
  EXPECT_LT((logits - ref).cwiseAbs().maxCoeff(), 0.01F * ref.cwiseAbs().maxCoeff());
  // A convolution's inputs are kept as its windows: 18 rows x (12 images x 36 windows).
  ASSERT_EQ(inputs.size(), 3U);
  EXPECT_EQ(inputs[0].rows(), 18);
  EXPECT_EQ(inputs[0].cols(), batch * 36);
  EXPECT_EQ(inputs[1].cols(), batch * 4);

  std::vector<std::uint8_t> labels(batch);
  for (std::size_t j = 0; j < labels.size(); ++j) labels[j] = static_cast<std::uint8_t>(j % 5);
  net.backward(labels);
  Eigen::MatrixXf delta = workloads::BasicNetwork<float>::softmax(ref);
  for (int j = 0; j < batch; ++j) delta(labels[static_cast<std::size_t>(j)], j) -= 1.0F;
  delta /= static_cast<float>(batch);
  chip.backward(delta, inputs, errors);  // ranges learned raw
  chip.backward(delta, inputs, errors);  // through the ADCs
  ASSERT_EQ(errors.size(), 3U);
  // dL/dW_l = errors[l] x inputs[l]^T, summed over every window, against the software gradient;
  // 2 % of the largest entry covers two 12-bit conversions per layer on the way back.
  for (std::size_t l = 0; l < 3; ++l) {
    const Eigen::MatrixXf grad = errors[l] * inputs[l].transpose();
    const Eigen::MatrixXf& sw = net.weight_grads()[l];
    ASSERT_EQ(grad.rows(), sw.rows());
    ASSERT_EQ(grad.cols(), sw.cols());
    EXPECT_LT((grad - sw).cwiseAbs().maxCoeff(), 0.02F * sw.cwiseAbs().maxCoeff()) << "layer " << l << "\nchip\n"
                                                                                   << grad << "\nsoftware\n"
                                                                                   << sw;
  }
}

}  // namespace
}  // namespace chip_conv_training_sim
}  // namespace xbarsim::arch
