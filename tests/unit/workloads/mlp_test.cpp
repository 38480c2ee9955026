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
// h = 1e-5 in double; away from ReLU kinks the analytic gradient must agree to 1e-6 relative.
TEST(Network, BackpropMatchesFiniteDifferences) {
  MlpD net({6, 5, 4, 3});
  Rng rng(3);
  net.init_he(rng);
  for (auto& b : net.biases()) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = 0.1 * rng.normal();
  }
  MlpD::Matrix x(6, 4);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.normal();
  const std::vector<std::uint8_t> y{0, 2, 1, 2};
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
  EXPECT_EQ(checked, 6 * 5 + 5 * 4 + 4 * 3);
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
