// Mini-batch training of the fp32 MLP (shuffled epochs, optimizer, learning-rate decay), shared
// by the fp32 reference experiment and by every experiment that starts from fp32 weights.
#pragma once

#include <functional>
#include <memory>

#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/network.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/specs.hpp"
#include "workloads/training_loop.hpp"

namespace xbarsim::workloads {

struct EpochResult {
  int epoch = 0;
  double learning_rate = 0.0;
  double train_loss = 0.0;
  double train_accuracy_pct = 0.0;
  double test_accuracy_pct = 0.0;
  double wall_s = 0.0;
};

// The largest mini-batch of fp32 (and device-aware) training: the whole MNIST training set.
inline constexpr std::int64_t kMaxFp32BatchSize = 60000;

class Fp32Trainer {
 public:
  // `training`: epochs, batch_size, learning_rate_decay, optimizer.
  explicit Fp32Trainer(const TrainingSpec& training);

  // Trains `net` (already initialized) for the configured epochs with shuffling from `rng`;
  // calls `on_epoch` after each epoch (test accuracy on `test`).
  void train(Network& net, const Dataset& train, const Dataset& test, Rng& rng, RunContext& ctx,
             const std::function<void(const EpochResult&)>& on_epoch);

  int epochs() const { return training_.epochs; }

 private:
  TrainingSpec training_;
  std::unique_ptr<Optimizer> optimizer_;
};

// Test accuracy in percent of `net` on `d` (batches of 1000 images).
double evaluate_accuracy(Network& net, const Dataset& d);

// Accuracy in percent of `logits` (classes x images, as the chip returns them) on the labels
// of `d`. Precondition: logits.cols() == d.count.
double accuracy_of(const Eigen::MatrixXf& logits, const Dataset& d);

// The result of an fp32 (or device-aware) epoch: the loop's summary plus `net`'s test accuracy
// on `test` and the wall time since the epoch started.
EpochResult fp32_epoch_result(const EpochSummary& s, Network& net, const Dataset& test);

// The parameter views (weights then biases of each layer) an optimizer steps for `net`, with
// `weights[l]` standing for the weights of layer l (the network's own, or latent weights).
std::vector<ParamRef> parameter_refs(Network& net, std::vector<Network::Matrix>& weights);

// One fp32 training batch of `net` (forward, loss, backward, optimizer step): adds the batch's
// loss x n and its correct predictions to `tally`. `predicted` is scratch.
void fp32_batch(Network& net, const Batch& batch, Optimizer& optimizer, std::vector<ParamRef>& refs, double lr,
                std::vector<int>& predicted, EpochTally& tally);

}  // namespace xbarsim::workloads
