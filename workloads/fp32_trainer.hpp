// Mini-batch training of the fp32 MLP (shuffled epochs, optimizer, learning-rate decay), shared
// by the fp32 reference experiment and by every experiment that starts from fp32 weights.
#pragma once

#include <functional>
#include <memory>

#include "core/params.hpp"
#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/mlp.hpp"
#include "workloads/optimizer.hpp"

namespace xbarsim::workloads {

struct EpochResult {
  int epoch = 0;
  double learning_rate = 0.0;
  double train_loss = 0.0;
  double train_accuracy_pct = 0.0;
  double test_accuracy_pct = 0.0;
  double wall_s = 0.0;
};

class Fp32Trainer {
 public:
  // Reads the `training:` section: epochs, batch_size, learning_rate_decay, optimizer.
  explicit Fp32Trainer(const Params& training);

  // Trains `net` (already initialized) for the configured epochs with shuffling from `rng`;
  // calls `on_epoch` after each epoch (test accuracy on `test`).
  void train(Mlp& net, const Dataset& train, const Dataset& test, Rng& rng, RunContext& ctx,
             const std::function<void(const EpochResult&)>& on_epoch);

  int epochs() const { return epochs_; }

 private:
  int epochs_;
  int batch_size_;
  double lr_decay_;
  std::unique_ptr<Optimizer> optimizer_;
};

// Test accuracy in percent of `net` on `d` (batches of 1000 images).
double evaluate_accuracy(Mlp& net, const Dataset& d);

}  // namespace xbarsim::workloads
