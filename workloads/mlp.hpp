// A fully connected network (ReLU hidden layers, softmax cross-entropy output) on Eigen,
// batched: the fp32 reference every hardware result is compared with.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/rng.hpp"

namespace xbarsim::workloads {

// Layer l maps width[l] inputs to width[l+1] outputs: z = W x + b, W is (out x in). Batches are
// matrices with one example per column. Scalar is float for training, double for gradient checks.
template <class Scalar>
class BasicMlp {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  // `widths` = {inputs, hidden..., classes}; at least two entries, all positive.
  explicit BasicMlp(std::vector<int> widths) : widths_(std::move(widths)) {
    if (widths_.size() < 2) throw std::invalid_argument("an MLP needs at least two widths");
    for (std::size_t l = 0; l + 1 < widths_.size(); ++l) {
      weights_.emplace_back(Matrix::Zero(widths_[l + 1], widths_[l]));
      biases_.emplace_back(Vector::Zero(widths_[l + 1]));
    }
    grad_w_ = weights_;
    grad_b_ = biases_;
    act_.resize(widths_.size());
  }

  // He-normal weights (std sqrt(2 / fan_in); He et al., ICCV 2015), zero biases.
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
  // the activations for backward().
  const Matrix& forward(const Eigen::Ref<const Matrix>& x) {
    act_[0] = x;
    for (std::size_t l = 0; l < weights_.size(); ++l) {
      act_[l + 1].noalias() = weights_[l] * act_[l];
      act_[l + 1].colwise() += biases_[l];
      if (l + 1 < weights_.size()) act_[l + 1] = act_[l + 1].cwiseMax(Scalar(0));
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
    for (std::size_t l = weights_.size(); l-- > 0;) {
      grad_w_[l].noalias() = delta * act_[l].transpose();
      grad_b_[l] = delta.rowwise().sum();
      if (l > 0) {
        Matrix prev = weights_[l].transpose() * delta;
        // ReLU derivative: pass where the activation was positive.
        delta = (act_[l].array() > Scalar(0)).select(prev, Scalar(0));
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

  const std::vector<int>& widths() const { return widths_; }
  std::size_t layers() const { return weights_.size(); }
  std::vector<Matrix>& weights() { return weights_; }
  std::vector<Vector>& biases() { return biases_; }
  const std::vector<Matrix>& weights() const { return weights_; }
  const std::vector<Vector>& biases() const { return biases_; }
  const std::vector<Matrix>& weight_grads() const { return grad_w_; }
  const std::vector<Vector>& bias_grads() const { return grad_b_; }
  std::vector<Matrix>& weight_grads() { return grad_w_; }
  std::vector<Vector>& bias_grads() { return grad_b_; }
  // Activation l of the last forward (0 = input, layers() = logits).
  const Matrix& activation(std::size_t l) const { return act_[l]; }

  std::size_t parameter_count() const {
    std::size_t n = 0;
    for (std::size_t l = 0; l < weights_.size(); ++l) n += weights_[l].size() + biases_[l].size();
    return n;
  }

 private:
  std::vector<int> widths_;
  std::vector<Matrix> weights_;
  std::vector<Vector> biases_;
  std::vector<Matrix> grad_w_;
  std::vector<Vector> grad_b_;
  std::vector<Matrix> act_;
};

using Mlp = BasicMlp<float>;

}  // namespace xbarsim::workloads
