#include "workloads/training_loop.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace xbarsim::workloads {

TrainingLoop::TrainingLoop(const TrainingSpec& spec, double base_learning_rate, LearningRateSchedule schedule,
                           ShuffleOrder shuffle)
    : epochs_(spec.epochs),
      batch_size_(spec.batch_size),
      base_lr_(base_learning_rate),
      decay_(spec.learning_rate_decay),
      schedule_(schedule),
      shuffle_(shuffle) {}

double TrainingLoop::learning_rate(int epoch) const {
  if (schedule_ == LearningRateSchedule::kPower) return base_lr_ * std::pow(decay_, epoch - 1);
  double lr = base_lr_;
  for (int e = 1; e < epoch; ++e) lr *= decay_;
  return lr;
}

void TrainingLoop::run(EpochTrainer& trainer, const Dataset& train, Rng& shuffle_rng, RunContext& ctx,
                       int first_epoch) const {
  if (shuffle_ == ShuffleOrder::kPrevious && first_epoch != 1) {
    throw std::logic_error("TrainingLoop: an order that continues the previous epoch's cannot resume");
  }
  const auto batch_size = static_cast<std::size_t>(batch_size_);
  std::vector<std::size_t> order(train.count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  Eigen::MatrixXf images(static_cast<Eigen::Index>(train.features), static_cast<Eigen::Index>(batch_size));
  std::vector<std::uint8_t> labels(batch_size);

  for (int epoch = first_epoch; epoch <= epochs_; ++epoch) {
    EpochSummary s;
    s.started = std::chrono::steady_clock::now();
    s.epoch = epoch;
    s.epochs = epochs_;
    s.learning_rate = learning_rate(epoch);
    trainer.begin_epoch(epoch, s.learning_rate);
    // Fisher-Yates with the run's own stream: the same seed gives the same order everywhere.
    if (shuffle_ == ShuffleOrder::kIdentity) std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle_rng.index(i)]);
    EpochTally tally;
    ctx.progress->start(trainer.epoch_label(epoch, epochs_), train.count);
    for (std::size_t start = 0; start < train.count; start += batch_size) {
      const auto n = static_cast<Eigen::Index>(std::min(batch_size, train.count - start));
      gather_batch(train, order, start, n, images, labels);
      trainer.run_batch(Batch{images, labels, n}, s.learning_rate, tally);
      ctx.progress->update(start + static_cast<std::size_t>(n));
    }
    ctx.progress->finish();
    s.train_loss = tally.loss_sum / static_cast<double>(train.count);
    s.train_accuracy_pct = 100.0 * static_cast<double>(tally.correct) / static_cast<double>(train.count);
    std::string diverged;
    if (!std::isfinite(s.train_loss)) {
      diverged = fmt::format("the training loss is {}", s.train_loss);
    } else if (const std::string where = trainer.non_finite(); !where.empty()) {
      diverged = where + " hold a NaN or an infinity";
    }
    if (!diverged.empty()) {
      throw DivergedError(
          fmt::format("training diverged in epoch {} of {}: {} (learning rate {:.6g}); lower "
                      "training.optimizer.learning_rate or check the optimizer's settings",
                      epoch, epochs_, diverged, s.learning_rate));
    }
    trainer.end_epoch(s);
    const bool saved = trainer.save_checkpoint(epoch);
    if (saved && ctx.stop_after_epoch > 0 && epoch == ctx.stop_after_epoch && epoch < epochs_) {
      ctx.interrupted = fmt::format(
          "stopped after epoch {} as asked (--stop-after-epoch); continue with "
          "xbarsim run --resume {}",
          epoch, ctx.out_dir.string());
      return;
    }
  }
}

}  // namespace xbarsim::workloads
