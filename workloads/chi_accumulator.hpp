// What the two pulse rules (mixed_precision, pulse_sgd) share: the accumulated weight update chi
// of every weight (normalized weight units, one SRAM accumulator word per weight), the initial
// weights they draw, the checkpoint of chi, and their common keys.
#pragma once

#include <Eigen/Dense>
#include <istream>
#include <ostream>
#include <vector>

#include "arch/topology.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"

namespace xbarsim::workloads {

// training.update keys of both pulse rules.
struct PulseRuleKeys {
  explicit PulseRuleKeys(const Params& p);
  double learning_rate_scale = 1.0;  // chi += -learning_rate_scale x lr x dLoss/dw
  double chi_max = 1.0;              // |chi| clipped here
  int max_pulses = 100;              // pulses of one update, at most
  double init_spread = 1.0;          // initial weights uniform in [-init_spread, init_spread]
};

class ChiAccumulator {
 public:
  // Initial weights w[l] uniform in [-spread, spread] (weight_outputs x weight_inputs of each
  // layer of `topology`, drawn in column-major order from rng); chi cleared to 0 in their shapes.
  void initialize(const arch::Topology& topology, double spread, Rng& rng, std::vector<Eigen::MatrixXf>& w);
  // chi of layer l <- clip(chi + step x g, -chi_max, chi_max); returns that chi.
  Eigen::MatrixXf& accumulate(std::size_t l, const Eigen::MatrixXf& g, float step, float chi_max);
  Eigen::MatrixXf& layer(std::size_t l) { return chi_[l]; }
  // Writes / reads chi of every layer (save_vectors); load checks the shapes and leaves chi
  // untouched when the stream fails.
  void save(std::ostream& out) const;
  void load(std::istream& in);

 private:
  std::vector<Eigen::MatrixXf> chi_;
};

}  // namespace xbarsim::workloads
