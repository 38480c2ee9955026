#include "workloads/insitu_step.hpp"

#include <fmt/format.h>

#include <cmath>

#include "workloads/network.hpp"

namespace xbarsim::workloads {

InsituStep::InsituStep(arch::Chip& chip, Ledger& ledger, const arch::ChipSpec& spec, const InsituTrainingSpec& costs,
                       UpdateRule& rule, Optimizer& bias_optimizer, std::vector<float>& scales,
                       std::vector<Eigen::VectorXf>& biases)
    : chip_(chip),
      ledger_(ledger),
      clock_(spec.clock),
      verify_read_s_(spec.device->read_pulse_width_s()),
      rule_(rule),
      bias_optimizer_(bias_optimizer),
      scales_(scales),
      biases_(biases) {
  const std::size_t n_layers = spec.topology.layers.size();
  for (const arch::LayerShape& s : spec.topology.layers) {
    bias_grads_.push_back(Eigen::VectorXf::Zero(s.weight_outputs()));
    grads_.push_back(Eigen::MatrixXf::Zero(s.weight_outputs(), s.weight_inputs()));
  }
  for (std::size_t l = 0; l < n_layers; ++l) {
    bias_refs_.push_back({Eigen::Map<Eigen::VectorXf>(biases_[l].data(), biases_[l].size()),
                          Eigen::Map<const Eigen::VectorXf>(bias_grads_[l].data(), bias_grads_[l].size())});
  }
  for (std::size_t l = 0; l < n_layers; ++l) {
    const std::string base = fmt::format("update/layer{}/digital", l);
    gradient_mac_.push_back(
        ledger.declare(base, "gradient_mac", costs.energy_per_mac, "training.digital.energy_per_mac"));
    weight_update_.push_back(ledger.declare(base, "weight_update", costs.energy_per_weight_update,
                                            "training.digital.energy_per_weight_update"));
  }
  softmax_error_ = ledger.declare(fmt::format("backward/layer{}/digital", n_layers - 1), "softmax_error",
                                  costs.energy_per_mac, "training.digital.energy_per_mac (one per logit)");
  chip_.accumulator().set_phase(arch::Phase::kUpdate);
}

arch::ProgramReport InsituStep::run(const Batch& batch, double lr, Rng& rule_rng, EpochTally& tally,
                                    TrainingTime& time) {
  const Eigen::Index n = batch.n;
  // Forward through the tiles; softmax cross-entropy error at the logits (digital).
  const Eigen::MatrixXf logits = chip_.forward(batch.images, inputs_);
  time.forward_s += static_cast<double>(chip_.last_job_cycles()) / clock_;
  chip_.controller().timeline().add_busy(time.busy);
  Eigen::MatrixXf delta = Network::softmax(logits);
  for (Eigen::Index j = 0; j < n; ++j) {
    Eigen::Index best = 0;
    logits.col(j).maxCoeff(&best);
    const auto y = static_cast<Eigen::Index>(batch.labels[static_cast<std::size_t>(j)]);
    tally.correct += best == y;
    tally.loss_sum -= std::log(std::max(static_cast<double>(delta(y, j)), 1e-30));
    delta(y, j) -= 1.0F;
  }
  delta /= static_cast<float>(n);
  ledger_.add(softmax_error_, static_cast<std::uint64_t>(delta.size()));
  // Backward through the transposed arrays.
  chip_.backward(delta, inputs_, errors_);
  time.backward_s += static_cast<double>(chip_.last_job_cycles()) / clock_;
  chip_.controller().timeline().add_busy(time.busy);
  // Digital gradients with respect to the normalized weights: alpha_l x e_l x_l^T.
  for (std::size_t l = 0; l < grads_.size(); ++l) {
    grads_[l].noalias() = errors_[l] * inputs_[l].transpose();
    grads_[l] *= scales_[l];
    bias_grads_[l] = errors_[l].rowwise().sum();
    ledger_.add(gradient_mac_[l],
                static_cast<std::uint64_t>(grads_[l].size()) * static_cast<std::uint64_t>(inputs_[l].cols()));
    ledger_.add(weight_update_[l], static_cast<std::uint64_t>(grads_[l].size()) * rule_.ops_per_weight() +
                                       static_cast<std::uint64_t>(biases_[l].size()));
    const auto words = static_cast<std::uint64_t>(grads_[l].size() + biases_[l].size()) *
                       static_cast<std::uint64_t>(rule_.words_per_weight());
    chip_.accumulator().count_words(words, words);
    // The words are read, then written back, through one port of the accumulator.
    const auto bits = words * static_cast<std::uint64_t>(chip_.accumulator().sram().word_bits());
    time.accumulator_s += 2.0 * static_cast<double>(chip_.accumulator().cycles_for(bits)) / clock_;
  }
  const arch::ProgramReport r = rule_.apply(chip_, grads_, lr, rule_rng);
  bias_optimizer_.step(bias_refs_, static_cast<float>(lr));
  rule_.update_scales(scales_);
  chip_.set_scales_and_biases(scales_, biases_);
  // The update's programming time (the slowest tile's), split by the devices' serial time: the
  // verify reads' share (reads x read pulse) and the pulses' (the rest).
  const double serial = r.tally.time_s;
  const double verify_serial = static_cast<double>(r.tally.verify_reads) * verify_read_s_;
  const double verify = serial > 0.0 ? r.time_s * std::min(verify_serial / serial, 1.0) : 0.0;
  time.verify_s += verify;
  time.programming_s += r.time_s - verify;
  return r;
}

}  // namespace xbarsim::workloads
