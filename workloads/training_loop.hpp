// The epoch and mini-batch loop every trainer shares (fp32, device-aware, in situ): the
// learning-rate schedule, the shuffled order of each epoch, the batches, progress, and the
// checkpoint hook with --stop-after-epoch. What a trainer does with a batch, and after an epoch,
// is its own (EpochTrainer).
#pragma once

#include <Eigen/Dense>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/specs.hpp"

namespace xbarsim::workloads {

// One mini-batch, in the epoch's shuffled order (views into the loop's buffers).
struct Batch {
  const Eigen::MatrixXf& images;            // features x n, one image per column
  const std::vector<std::uint8_t>& labels;  // n labels
  Eigen::Index n;                           // images in this batch (the last may be short)
};

// What the batches of one epoch add up to; each trainer accumulates in its own order of
// operations (the loss of a batch or of each image), which the reports depend on bit for bit.
struct EpochTally {
  double loss_sum = 0.0;  // sum over the epoch's images of the cross-entropy loss (nats)
  std::size_t correct = 0;
};

// One finished epoch's training figures.
struct EpochSummary {
  int epoch = 0;  // 1-based
  int epochs = 0;
  double learning_rate = 0.0;
  double train_loss = 0.0;                        // mean over the training images
  double train_accuracy_pct = 0.0;                // of the forward passes during training
  std::chrono::steady_clock::time_point started;  // when the epoch began (wall time)
};

// What a trainer does inside the loop.
class EpochTrainer {
 public:
  virtual ~EpochTrainer() = default;
  // Progress label of epoch `epoch` of `epochs`.
  virtual std::string epoch_label(int epoch, int epochs) const = 0;
  // Before the epoch's shuffle and first batch.
  virtual void begin_epoch(int epoch, double learning_rate) {
    (void)epoch;
    (void)learning_rate;
  }
  // Trains on one batch at `learning_rate`, adding its loss and correct predictions to `tally`.
  // The hot path: no strings, no allocations once the buffers have their size.
  virtual void run_batch(const Batch& batch, double learning_rate, EpochTally& tally) = 0;
  // What holds a NaN or an infinity after the epoch ("layer 1 weights"), or empty: checked
  // with the loss after every epoch, before it is recorded or checkpointed.
  virtual std::string non_finite() const = 0;
  // After the epoch's last batch: evaluate, record and print it.
  virtual void end_epoch(const EpochSummary& summary) = 0;
  // Writes a checkpoint of everything the epochs so far produced; returns whether it did (a run
  // stops after an epoch, --stop-after-epoch, only when it can resume from there).
  virtual bool save_checkpoint(int epoch) {
    (void)epoch;
    return false;
  }
};

// How the learning rate of epoch e follows from the base rate lr0 and the decay d per epoch.
// Both are lr0 d^(e-1) but round differently; each trainer keeps the one its reports were made
// with, so that they stay byte-identical.
enum class LearningRateSchedule {
  kCompounded,  // lr_1 = lr0, lr_e = lr_(e-1) x d (fp32 and device-aware training)
  kPower,       // lr_e = lr0 x std::pow(d, e - 1) (in situ)
};

// Where each epoch's Fisher-Yates shuffle starts.
enum class ShuffleOrder {
  kPrevious,  // the previous epoch's order (fp32 and device-aware training; no resume)
  kIdentity,  // 0..N-1 afresh (in situ: a resumed run needs only the random stream)
};

// "layer L NAME" of the first matrix (or vector) of `layers` that holds a NaN or an infinity,
// or empty.
template <class Array>
std::string first_non_finite(const std::vector<Array>& layers, std::string_view name) {
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (!layers[l].allFinite()) return "layer " + std::to_string(l) + " " + std::string(name);
  }
  return {};
}

class TrainingLoop {
 public:
  // `spec` gives epochs, batch_size and the decay; `base_learning_rate` is lr0.
  TrainingLoop(const TrainingSpec& spec, double base_learning_rate, LearningRateSchedule schedule,
               ShuffleOrder shuffle);

  // The learning rate of epoch `epoch` (1-based).
  double learning_rate(int epoch) const;
  int epochs() const { return epochs_; }

  // Runs epochs first_epoch..epochs over `train`, shuffled with `shuffle_rng`. After each
  // epoch: a loss or trainer.non_finite() that is not finite throws DivergedError (nothing of
  // the epoch is recorded); then trainer.end_epoch, then trainer.save_checkpoint; when that epoch is
  // ctx.stop_after_epoch (and not the last) and was checkpointed, sets ctx.interrupted and
  // returns early. Precondition: first_epoch == 1 with ShuffleOrder::kPrevious.
  void run(EpochTrainer& trainer, const Dataset& train, Rng& shuffle_rng, RunContext& ctx, int first_epoch = 1) const;

 private:
  int epochs_;
  int batch_size_;
  double base_lr_;
  double decay_;
  LearningRateSchedule schedule_;
  ShuffleOrder shuffle_;
};

}  // namespace xbarsim::workloads
