#include "workloads/optimizer.hpp"

#include <cmath>
#include <cstdint>

#include "core/checkpoint_file.hpp"

namespace xbarsim::workloads {

void save_vectors(std::ostream& out, const std::vector<Eigen::VectorXf>& v) {
  const std::uint64_t n = v.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  for (const auto& x : v) {
    const std::int64_t len = x.size();
    out.write(reinterpret_cast<const char*>(&len), sizeof len);
    out.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(len * sizeof(float)));
  }
}

void load_vectors(std::istream& in, std::vector<Eigen::VectorXf>& v) {
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  // Every length is checked against the bytes left before anything is allocated, and against
  // the shapes `v` already has (the network's) when it has any.
  if (!in || n > bytes_left(in) / sizeof(std::int64_t) || (!v.empty() && n != v.size())) {
    in.setstate(std::ios::failbit);
    return;
  }
  const bool shaped = !v.empty();
  v.resize(n);
  for (auto& x : v) {
    std::int64_t len = 0;
    in.read(reinterpret_cast<char*>(&len), sizeof len);
    if (!in || len < 0 || static_cast<std::uint64_t>(len) > bytes_left(in) / sizeof(float) ||
        (shaped && len != x.size())) {
      in.setstate(std::ios::failbit);
      return;
    }
    x.resize(len);
    in.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(len * sizeof(float)));
  }
}

void load_state_vectors(std::istream& in, std::vector<Eigen::VectorXf>& v, const std::vector<Eigen::Index>& sizes) {
  const std::istream::pos_type at = in.tellg();
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  v.clear();
  if (!in || n == 0) return;  // (a failed read leaves the stream failed)
  in.seekg(at);
  for (const Eigen::Index s : sizes) v.emplace_back(s);  // shaped: load_vectors checks every length
  if (v.empty()) {
    in.setstate(std::ios::failbit);
    return;
  }
  load_vectors(in, v);
  for (const auto& x : v) {
    if (!x.allFinite()) in.setstate(std::ios::failbit);
  }
}

// SGD with (heavy-ball) momentum: v = m v + g; w -= lr (v + wd w).
class SgdMomentum final : public Optimizer {
 public:
  explicit SgdMomentum(const Params& p)
      : lr_(p.real_or("learning_rate", 0.05, 0.0, 10.0)),
        momentum_(static_cast<float>(p.real_or("momentum", 0.9, 0.0, 0.999999))),
        weight_decay_(static_cast<float>(p.real_or("weight_decay", 0.0, 0.0, 1.0))) {}

  void step(std::vector<ParamRef>& params, float lr) override {
    if (velocity_.empty()) {
      for (auto& p : params) velocity_.push_back(Eigen::VectorXf::Zero(p.value.size()));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      velocity_[i] = momentum_ * velocity_[i] + params[i].grad + weight_decay_ * params[i].value;
      params[i].value -= lr * velocity_[i];
    }
  }
  double learning_rate() const override { return lr_; }
  void save(std::ostream& out) const override { save_vectors(out, velocity_); }
  void load(std::istream& in, const std::vector<Eigen::Index>& sizes) override {
    load_state_vectors(in, velocity_, sizes);
  }

 private:
  double lr_;
  float momentum_, weight_decay_;
  std::vector<Eigen::VectorXf> velocity_;
};

// Adam (Kingma and Ba, ICLR 2015) with bias correction.
class Adam final : public Optimizer {
 public:
  explicit Adam(const Params& p)
      : lr_(p.real_or("learning_rate", 1e-3, 0.0, 10.0)),
        beta1_(p.real_or("beta1", 0.9, 0.0, 0.999999)),
        beta2_(p.real_or("beta2", 0.999, 0.0, 0.99999999)),
        epsilon_(static_cast<float>(p.real_or("epsilon", 1e-8, 1e-12, 1.0))) {}

  void step(std::vector<ParamRef>& params, float lr) override {
    if (m_.empty()) {
      for (auto& p : params) {
        m_.push_back(Eigen::VectorXf::Zero(p.value.size()));
        v_.push_back(Eigen::VectorXf::Zero(p.value.size()));
      }
    }
    ++t_;
    const float c1 = static_cast<float>(1.0 - std::pow(beta1_, t_));
    const float c2 = static_cast<float>(1.0 - std::pow(beta2_, t_));
    const auto b1 = static_cast<float>(beta1_);
    const auto b2 = static_cast<float>(beta2_);
    for (std::size_t i = 0; i < params.size(); ++i) {
      m_[i] = b1 * m_[i] + (1 - b1) * params[i].grad;
      v_[i] = b2 * v_[i] + (1 - b2) * params[i].grad.cwiseAbs2();
      params[i].value.array() -= lr * (m_[i].array() / c1) / ((v_[i].array() / c2).sqrt() + epsilon_);
    }
  }
  double learning_rate() const override { return lr_; }
  void save(std::ostream& out) const override {
    out.write(reinterpret_cast<const char*>(&t_), sizeof t_);
    save_vectors(out, m_);
    save_vectors(out, v_);
  }
  void load(std::istream& in, const std::vector<Eigen::Index>& sizes) override {
    in.read(reinterpret_cast<char*>(&t_), sizeof t_);
    load_state_vectors(in, m_, sizes);
    load_state_vectors(in, v_, sizes);
    // Steps taken, and moments only after some (the second moment is a mean of squares).
    const bool stepped = t_ > 0;
    if (t_ < 0 || stepped != !m_.empty() || m_.empty() != v_.empty()) in.setstate(std::ios::failbit);
    for (const auto& x : v_) {
      if ((x.array() < 0.0F).any()) in.setstate(std::ios::failbit);
    }
  }

 private:
  double lr_;
  double beta1_, beta2_;
  float epsilon_;
  long t_ = 0;
  std::vector<Eigen::VectorXf> m_, v_;
};

XBARSIM_REGISTER(OptimizerRegistry, "sgd", SgdMomentum)
XBARSIM_REGISTER(OptimizerRegistry, "adam", Adam)

}  // namespace xbarsim::workloads
