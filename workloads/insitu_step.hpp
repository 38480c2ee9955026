// One mini-batch of in-situ training on the chip (docs/training/insitu.md): forward through the
// tiles, softmax cross-entropy at the logits (digital), backward through the transposed arrays,
// digital weight gradients, the update rule's programming and the biases' optimizer step. Charges
// the digital work it does (softmax error, gradient MACs, weight updates, accumulator words) to
// the ledger; the chip charges its own.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "arch/chip.hpp"
#include "core/ledger.hpp"
#include "core/rng.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/specs.hpp"
#include "workloads/training_loop.hpp"
#include "workloads/training_time.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {

class InsituStep {
 public:
  // Declares the digital actions in `ledger` (call where their rows belong: after the chip's
  // phases). Every reference must outlive the step; `scales` and `biases` are the run's (the
  // rule rescales, the optimizer updates them in place); the layer widths are `widths`.
  InsituStep(arch::Chip& chip, Ledger& ledger, const arch::ChipSpec& spec, const InsituTrainingSpec& costs,
             UpdateRule& rule, Optimizer& bias_optimizer, std::vector<float>& scales,
             std::vector<Eigen::VectorXf>& biases);

  // Trains on `batch` at learning rate `lr` (the rule draws from `rule_rng`): adds its loss and
  // correct predictions to `tally`, its simulated time to `time` (forward, backward, accumulator
  // traffic, programming and verify); returns the programming it did.
  arch::ProgramReport run(const Batch& batch, double lr, Rng& rule_rng, EpochTally& tally, TrainingTime& time);

 private:
  arch::Chip& chip_;
  Ledger& ledger_;
  double clock_;          // Hz
  double verify_read_s_;  // one verify read of the device
  UpdateRule& rule_;
  Optimizer& bias_optimizer_;
  std::vector<float>& scales_;
  std::vector<Eigen::VectorXf>& biases_;
  std::vector<Eigen::VectorXf> bias_grads_;
  std::vector<ParamRef> bias_refs_;
  std::vector<Eigen::MatrixXf> grads_;            // dLoss/d(normalized weight), per layer
  std::vector<Eigen::MatrixXf> inputs_, errors_;  // each layer's input and error of the batch
  std::vector<Ledger::Counter> gradient_mac_, weight_update_;
  Ledger::Counter softmax_error_{};
};

}  // namespace xbarsim::workloads
