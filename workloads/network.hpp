// A feed-forward network of fully connected and convolutional layers (arch/topology.hpp: ReLU
// and pooling after a layer, softmax cross-entropy at the output) on Eigen, batched: the fp32
// reference every hardware result is compared with. Convolutions run as im2col and one matrix
// product per layer (arch/feature_maps.hpp, shared with the chip's digital units).
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "arch/feature_maps.hpp"
#include "arch/topology.hpp"
#include "core/rng.hpp"

namespace xbarsim::workloads {

// Layer l maps its input x (features, CHW) to z = W x + b per window: W is (weight_outputs x
// weight_inputs), the unrolled kernel for a convolution. Batches are matrices with one example
// per column. Scalar is float for training, double for gradient checks.
template <class Scalar>
class BasicNetwork {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  explicit BasicNetwork(arch::Topology topology) : topology_(std::move(topology)) {
    if (topology_.layers.empty()) throw std::invalid_argument("a network needs at least one layer");
    for (const arch::LayerShape& s : topology_.layers) {
      weights_.emplace_back(Matrix::Zero(s.weight_outputs(), s.weight_inputs()));
      biases_.emplace_back(Vector::Zero(s.weight_outputs()));
    }
    grad_w_ = weights_;
    grad_b_ = biases_;
    act_.resize(topology_.layers.size() + 1);
    cols_.resize(topology_.layers.size());
    pre_pool_.resize(topology_.layers.size());
  }
  // Fully connected layers of `widths` = {inputs, hidden..., classes} (arch::Topology::mlp).
  explicit BasicNetwork(const std::vector<int>& widths) : BasicNetwork(arch::Topology::mlp(widths)) {}

  // He-normal weights (std sqrt(2 / fan_in), fan_in = weight_inputs; He et al., ICCV 2015), zero
  // biases.
  void init_he(Rng& rng) {
    for (auto& w : weights_) {
      const double sd = std::sqrt(2.0 / static_cast<double>(w.cols()));
      // Column-major fill order, fixed, so a seed gives the same network everywhere.
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        for (Eigen::Index i = 0; i < w.rows(); ++i) w(i, j) = static_cast<Scalar>(sd * rng.normal());
      }
    }
    for (auto& b : biases_) b.setZero();
  }

  // Forward pass of a batch (inputs x batch); returns the logits (classes x batch) and keeps
  // what backward() needs.
  const Matrix& forward(const Eigen::Ref<const Matrix>& x) {
    act_[0] = x;
    for (std::size_t l = 0; l < weights_.size(); ++l) {
      const arch::LayerShape& s = topology_.layers[l];
      // With a pool, the layer's output before pooling is kept for the backward pass.
      Matrix& y = s.pool == arch::PoolKind::kNone ? act_[l + 1] : pre_pool_[l];
      if (s.is_conv()) {
        arch::im2col<Scalar>(s, act_[l], cols_[l]);
        z_.noalias() = weights_[l] * cols_[l];
        z_.colwise() += biases_[l];
        arch::vectors_to_maps<Scalar>(z_, s.windows(), y);
      } else {
        y.noalias() = weights_[l] * act_[l];
        y.colwise() += biases_[l];
      }
      if (s.relu) y = y.cwiseMax(Scalar(0));
      if (s.pool != arch::PoolKind::kNone) arch::pool_forward<Scalar>(s, y, act_[l + 1]);
    }
    return act_.back();
  }

  // Mean softmax cross-entropy of the last forward() against `labels` (one per column); fills
  // the gradients of that mean loss with respect to every weight and bias. Returns the loss.
  Scalar backward(std::span<const std::uint8_t> labels) {
    const Matrix& logits = act_.back();
    const Eigen::Index batch = logits.cols();
    if (static_cast<Eigen::Index>(labels.size()) != batch) {
      throw std::invalid_argument("backward: one label per example expected");
    }
    Matrix delta = softmax(logits);
    Scalar loss = 0;
    for (Eigen::Index j = 0; j < batch; ++j) {
      const auto y = static_cast<Eigen::Index>(labels[static_cast<std::size_t>(j)]);
      loss -= std::log(std::max(delta(y, j), Scalar(1e-30)));
      delta(y, j) -= Scalar(1);
    }
    delta /= static_cast<Scalar>(batch);
    // delta: dLoss/d(output of layer l, pooled), in the feature-map layout.
    for (std::size_t l = weights_.size(); l-- > 0;) {
      const arch::LayerShape& s = topology_.layers[l];
      if (s.pool != arch::PoolKind::kNone) {
        arch::pool_backward<Scalar>(s, pre_pool_[l], delta, dy_);
        delta.swap(dy_);
      }
      // ReLU derivative: pass where the layer's output was positive.
      if (s.relu) {
        const Matrix& y = s.pool == arch::PoolKind::kNone ? act_[l + 1] : pre_pool_[l];
        delta = (y.array() > Scalar(0)).select(delta, Scalar(0));
      }
      if (s.is_conv()) {
        arch::maps_to_vectors<Scalar>(delta, s.out.channels, dz_);
        grad_w_[l].noalias() = dz_ * cols_[l].transpose();
        grad_b_[l] = dz_.rowwise().sum();
        if (l > 0) {
          dcols_.noalias() = weights_[l].transpose() * dz_;
          arch::col2im<Scalar>(s, dcols_, delta);
        }
      } else {
        grad_w_[l].noalias() = delta * act_[l].transpose();
        grad_b_[l] = delta.rowwise().sum();
        if (l > 0) delta = weights_[l].transpose() * delta;
      }
    }
    return loss / static_cast<Scalar>(batch);
  }

  // Column-wise softmax, shifted by the column maximum for stability.
  static Matrix softmax(const Matrix& logits) {
    Matrix p = (logits.rowwise() - logits.colwise().maxCoeff()).array().exp();
    p.array().rowwise() /= p.colwise().sum().array();
    return p;
  }

  // Index of the largest logit of each column.
  static void argmax(const Matrix& logits, std::vector<int>& out) {
    out.resize(static_cast<std::size_t>(logits.cols()));
    for (Eigen::Index j = 0; j < logits.cols(); ++j) {
      Eigen::Index best = 0;
      logits.col(j).maxCoeff(&best);
      out[static_cast<std::size_t>(j)] = static_cast<int>(best);
    }
  }

  const arch::Topology& topology() const { return topology_; }
  std::size_t layers() const { return weights_.size(); }
  std::vector<Matrix>& weights() { return weights_; }
  std::vector<Vector>& biases() { return biases_; }
  const std::vector<Matrix>& weights() const { return weights_; }
  const std::vector<Vector>& biases() const { return biases_; }
  const std::vector<Matrix>& weight_grads() const { return grad_w_; }
  const std::vector<Vector>& bias_grads() const { return grad_b_; }
  std::vector<Matrix>& weight_grads() { return grad_w_; }
  std::vector<Vector>& bias_grads() { return grad_b_; }
  // Input of layer l in the last forward (0 = the images, layers() = the logits), feature maps.
  const Matrix& activation(std::size_t l) const { return act_[l]; }

  std::size_t parameter_count() const {
    std::size_t n = 0;
    for (std::size_t l = 0; l < weights_.size(); ++l) n += weights_[l].size() + biases_[l].size();
    return n;
  }

 private:
  arch::Topology topology_;
  std::vector<Matrix> weights_;
  std::vector<Vector> biases_;
  std::vector<Matrix> grad_w_;
  std::vector<Vector> grad_b_;
  std::vector<Matrix> act_;
  std::vector<Matrix> cols_;      // per conv layer: its input vectors (im2col)
  std::vector<Matrix> pre_pool_;  // per pooled layer: its output before the pool
  Matrix z_, dy_, dz_, dcols_;    // scratch
};

using Network = BasicNetwork<float>;

}  // namespace xbarsim::workloads
