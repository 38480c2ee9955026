// How in-situ training turns a mini-batch's gradients into device programming. Implementations:
// latent weights with a straight-through estimator (Hubara et al.; any discrete device, the DW
// synapse of Al Misba et al.), GXNOR stochastic discrete steps (MTJ), mixed-precision
// accumulation (PCM). Each owns its digital state (kept in the SRAM accumulator) and programs
// the chip only where a device must change.
#pragma once

#include <Eigen/Dense>
#include <istream>
#include <memory>
#include <ostream>
#include <vector>

#include "arch/chip.hpp"
#include "arch/topology.hpp"
#include "core/params.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"

namespace xbarsim::workloads {

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;

  // Initial normalized weights w[l] (weight_outputs x weight_inputs of layer l, in [-1, 1]).
  virtual void initialize(const arch::Topology& topology, Rng& rng, std::vector<Eigen::MatrixXf>& w) = 0;
  // The same for the MLP of `widths` (arch::Topology::mlp).
  void initialize(const std::vector<int>& widths, Rng& rng, std::vector<Eigen::MatrixXf>& w) {
    initialize(arch::Topology::mlp(widths), rng, w);
  }

  // One mini-batch: `grads[l]` is dLoss/d(normalized weight) of layer l (mean over the batch).
  // Updates the digital state and programs the chip (phase "update"). Returns the tally.
  virtual arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr,
                                    Rng& rng) = 0;

  // Lets the rule set each layer's weight scale (the value of a normalized weight of 1, a
  // digital multiplier after the ADCs). Called after initialize() and after every apply() with
  // the scales in force; the first call's values are the experiment's reference scales.
  // Default: the scales stay as they are.
  virtual void update_scales(std::vector<float>& scales) { (void)scales; }

  // SRAM accumulator words read (and written) per weight per update: latent value and
  // optimizer state.
  virtual int words_per_weight() const = 0;

  // Digital operations per weight per update (optimizer arithmetic), charged at
  // training.digital.energy_per_weight_update.
  virtual int ops_per_weight() const = 0;

  virtual void save(std::ostream& out) const = 0;
  virtual void load(std::istream& in) = 0;
};

// Factories take (training.update section, the chip spec, the training.optimizer section).
using UpdateRuleRegistry = Registry<UpdateRule, const arch::ChipSpec&, const Params&>;

}  // namespace xbarsim::workloads
