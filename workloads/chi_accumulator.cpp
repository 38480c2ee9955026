#include "workloads/chi_accumulator.hpp"

#include "workloads/optimizer.hpp"

namespace xbarsim::workloads {

PulseRuleKeys::PulseRuleKeys(const Params& p)
    : learning_rate_scale(p.real_or("learning_rate_scale", 1.0, 0.0, 1e9)),
      chi_max(p.real_or("chi_max", 1.0, 1e-6, 1e6)),
      max_pulses(static_cast<int>(p.integer_or("max_pulses", 100, 1, 65535))),
      init_spread(p.real_or("init_spread", 1.0, 0.0, 1.0)) {}

void ChiAccumulator::initialize(const arch::Topology& topology, double spread, Rng& rng,
                                std::vector<Eigen::MatrixXf>& w) {
  w.clear();
  chi_.clear();
  for (const arch::LayerShape& s : topology.layers) {
    Eigen::MatrixXf m(s.weight_outputs(), s.weight_inputs());
    for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(spread * (2.0 * rng.uniform() - 1.0));
    w.push_back(m);
    chi_.push_back(Eigen::MatrixXf::Zero(m.rows(), m.cols()));
  }
}

Eigen::MatrixXf& ChiAccumulator::accumulate(std::size_t l, const Eigen::MatrixXf& g, float step, float chi_max) {
  chi_[l] = (chi_[l] + step * g).cwiseMax(-chi_max).cwiseMin(chi_max);
  return chi_[l];
}

void ChiAccumulator::save(std::ostream& out) const {
  std::vector<Eigen::VectorXf> v;
  for (const auto& m : chi_) v.emplace_back(Eigen::Map<const Eigen::VectorXf>(m.data(), m.size()));
  save_vectors(out, v);
}

void ChiAccumulator::load(std::istream& in) {
  std::vector<Eigen::VectorXf> v;  // shaped as chi: load_vectors checks them
  for (const auto& m : chi_) v.emplace_back(m.size());
  load_vectors(in, v);
  if (!in) return;
  for (std::size_t l = 0; l < chi_.size(); ++l) {
    chi_[l] = Eigen::Map<const Eigen::MatrixXf>(v[l].data(), chi_[l].rows(), chi_[l].cols());
  }
}

}  // namespace xbarsim::workloads
