#include <gtest/gtest.h>

#include "workloads/network.hpp"

namespace xbarsim::workloads {
namespace {

using MlpD = BasicNetwork<double>;

double loss_of(MlpD& net, const MlpD::Matrix& x, const std::vector<std::uint8_t>& y) {
  net.forward(x);
  return net.backward(y);
}

// Central finite differences: dL/dw ~ (L(w + h) - L(w - h)) / 2h with error O(h^2) ~ 1e-10 for
// h = 1e-5 in double; away from ReLU kinks and max-pool ties (none with these random draws) the
// analytic gradient must agree to 1e-6 relative. Returns the number of weights checked.
int check_gradients(MlpD& net, const MlpD::Matrix& x, const std::vector<std::uint8_t>& y) {
  loss_of(net, x, y);
  const auto grads_w = net.weight_grads();
  const auto grads_b = net.bias_grads();
  const double h = 1e-5;
  int checked = 0;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    for (Eigen::Index i = 0; i < net.weights()[l].size(); ++i) {
      double& w = net.weights()[l](i);
      const double w0 = w;
      w = w0 + h;
      const double up = loss_of(net, x, y);
      w = w0 - h;
      const double down = loss_of(net, x, y);
      w = w0;
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(grads_w[l](i), numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "layer " << l << " weight " << i;
      ++checked;
    }
    for (Eigen::Index i = 0; i < net.biases()[l].size(); ++i) {
      double& b = net.biases()[l](i);
      const double b0 = b;
      b = b0 + h;
      const double up = loss_of(net, x, y);
      b = b0 - h;
      const double down = loss_of(net, x, y);
      b = b0;
      EXPECT_NEAR(grads_b[l](i), (up - down) / (2 * h), 1e-6);
    }
  }
  return checked;
}

void randomize(MlpD& net, MlpD::Matrix& x, Rng& rng) {
  net.init_he(rng);
  for (auto& b : net.biases()) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = 0.1 * rng.normal();
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.normal();
}

TEST(Network, BackpropMatchesFiniteDifferences) {
  MlpD net({6, 5, 4, 3});
  Rng rng(3);
  MlpD::Matrix x(6, 4);
  randomize(net, x, rng);
  EXPECT_EQ(check_gradients(net, x, {0, 2, 1, 2}), 6 * 5 + 5 * 4 + 4 * 3);
}

// The same through convolutions (padding, stride), ReLU, max and average pooling and flatten.
TEST(Network, ConvolutionalBackpropMatchesFiniteDifferences) {
  arch::TopologyBuilder b({2, 6, 6});
  b.conv(3, 3, 1, 1);  // 3 x 6 x 6
  b.relu();
  b.pool(arch::PoolKind::kMax, 2, 2);  // 3 x 3 x 3
  b.conv(4, 2, 1, 0);                  // 4 x 2 x 2
  b.relu();
  b.pool(arch::PoolKind::kAverage, 2, 1);  // 4 x 1 x 1
  b.flatten();
  b.dense(3);
  MlpD net(b.finish());
  Rng rng(5);
  MlpD::Matrix x(72, 3);
  randomize(net, x, rng);
  // Weights: 3 x (2 x 9) + 4 x (3 x 4) + 3 x 4 = 54 + 48 + 12.
  EXPECT_EQ(check_gradients(net, x, {0, 2, 1}), 114);
}

TEST(Network, SoftmaxColumnsSumToOne) {
  MlpD::Matrix logits(3, 2);
  logits << 1, 1000, 2, 1000, 3, 1000;
  const MlpD::Matrix p = MlpD::softmax(logits);
  EXPECT_NEAR(p.col(0).sum(), 1.0, 1e-12);
  // Equal logits (even huge ones): 1/3 each, no overflow.
  EXPECT_NEAR(p(0, 1), 1.0 / 3.0, 1e-12);
  // exp(1)/(e + e^2 + e^3) = 1/(1 + e + e^2).
  EXPECT_NEAR(p(0, 0), 1.0 / (1.0 + std::exp(1.0) + std::exp(2.0)), 1e-12);
}

}  // namespace
}  // namespace xbarsim::workloads
