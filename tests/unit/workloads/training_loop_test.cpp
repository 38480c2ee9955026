// The shared epoch loop: learning-rate schedules, batches, shuffles, and stopping after an epoch
// only where a checkpoint was written.
#include "workloads/training_loop.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace xbarsim::workloads {
namespace {

// `n` one-pixel images whose value is their index, so a batch shows which images it holds.
Dataset indexed_data(std::size_t n) {
  Dataset d;
  d.name = "indexed";
  d.count = n;
  d.features = 1;
  for (std::size_t i = 0; i < n; ++i) {
    d.images.push_back(static_cast<float>(i));
    d.labels.push_back(static_cast<std::uint8_t>(i % 10));
  }
  return d;
}

TrainingSpec spec(int epochs, int batch_size, double decay) {
  const Params root = Params::from_string("training: {optimizer: {impl: sgd}}\n", "loop.yaml");
  return TrainingSpec{.epochs = epochs,
                      .batch_size = batch_size,
                      .learning_rate_decay = decay,
                      .optimizer = root.child("training").child("optimizer")};
}

// Records what the loop hands over.
class Recorder final : public EpochTrainer {
 public:
  explicit Recorder(bool checkpoints) : checkpoints_(checkpoints) {}
  std::string epoch_label(int epoch, int epochs) const override {
    return std::to_string(epoch) + "/" + std::to_string(epochs);
  }
  void run_batch(const Batch& b, double lr, EpochTally& tally) override {
    sizes.push_back(b.n);
    rates.push_back(lr);
    for (Eigen::Index j = 0; j < b.n; ++j) seen.push_back(static_cast<std::size_t>(b.images(0, j)));
    tally.loss_sum += loss_per_image * static_cast<double>(b.n);
    tally.correct += static_cast<std::size_t>(b.n) / 2;
  }
  std::string non_finite() const override {
    return broken_from_epoch > 0 && static_cast<int>(summaries.size()) + 1 >= broken_from_epoch ? "layer 1 weights"
                                                                                                : "";
  }
  void end_epoch(const EpochSummary& s) override { summaries.push_back(s); }
  bool save_checkpoint(int epoch) override {
    saved.push_back(epoch);
    return checkpoints_;
  }

  std::vector<Eigen::Index> sizes;
  std::vector<double> rates;
  std::vector<std::size_t> seen;
  std::vector<EpochSummary> summaries;
  std::vector<int> saved;
  double loss_per_image = 1.0;
  int broken_from_epoch = 0;  // > 0: non_finite() reports weights from this epoch on

 private:
  bool checkpoints_;
};

RunContext context(Progress& progress, int stop_after_epoch) {
  RunContext ctx;
  ctx.out_dir = "/tmp/loop_test_run";
  ctx.progress = &progress;
  ctx.stop_after_epoch = stop_after_epoch;
  return ctx;
}

TEST(TrainingLoop, LearningRateSchedulesFollowTheirFormulas) {
  const TrainingLoop compounded(spec(5, 10, 0.8), 0.01, LearningRateSchedule::kCompounded, ShuffleOrder::kPrevious);
  const TrainingLoop power(spec(5, 10, 0.8), 0.01, LearningRateSchedule::kPower, ShuffleOrder::kIdentity);
  double lr = 0.01;
  for (int e = 1; e <= 5; ++e) {
    EXPECT_EQ(compounded.learning_rate(e), lr);  // bit for bit: lr *= decay each epoch
    EXPECT_EQ(power.learning_rate(e), 0.01 * std::pow(0.8, e - 1));
    lr *= 0.8;
  }
}

TEST(TrainingLoop, EveryEpochVisitsEveryImageOnceInBatchesOfTheConfiguredSize) {
  const Dataset d = indexed_data(25);
  const TrainingLoop loop(spec(2, 10, 0.5), 1.0, LearningRateSchedule::kCompounded, ShuffleOrder::kPrevious);
  Progress progress(stderr, true);
  RunContext ctx = context(progress, 0);
  Recorder r(false);
  Rng rng(3, 1);
  loop.run(r, d, rng, ctx);
  EXPECT_EQ(r.sizes, (std::vector<Eigen::Index>{10, 10, 5, 10, 10, 5}));
  EXPECT_EQ(r.rates, (std::vector<double>{1.0, 1.0, 1.0, 0.5, 0.5, 0.5}));
  for (int e = 0; e < 2; ++e) {
    std::vector<std::size_t> epoch(r.seen.begin() + e * 25, r.seen.begin() + (e + 1) * 25);
    std::sort(epoch.begin(), epoch.end());
    std::vector<std::size_t> all(25);
    std::iota(all.begin(), all.end(), std::size_t{0});
    EXPECT_EQ(epoch, all);
  }
  ASSERT_EQ(r.summaries.size(), 2U);
  EXPECT_DOUBLE_EQ(r.summaries[1].train_loss, 1.0);
  EXPECT_DOUBLE_EQ(r.summaries[1].train_accuracy_pct, 100.0 * 12 / 25);
  EXPECT_EQ(r.saved, (std::vector<int>{1, 2}));
}

// A loss or a weight that is not finite stops the run in that epoch, naming it, before the
// epoch is recorded or checkpointed.
TEST(TrainingLoop, DivergenceStopsTheRunBeforeTheEpochIsRecorded) {
  const Dataset d = indexed_data(20);
  const TrainingLoop loop(spec(3, 10, 1.0), 0.5, LearningRateSchedule::kPower, ShuffleOrder::kIdentity);
  Progress progress(stderr, true);
  RunContext ctx = context(progress, 0);
  Recorder weights(true);
  weights.broken_from_epoch = 2;
  Rng rng(3, 1);
  try {
    loop.run(weights, d, rng, ctx);
    FAIL() << "no DivergedError";
  } catch (const DivergedError& e) {
    EXPECT_STREQ(e.what(),
                 "training diverged in epoch 2 of 3: layer 1 weights hold a NaN or an infinity (learning rate 0.5); "
                 "lower training.optimizer.learning_rate or check the optimizer's settings");
  }
  EXPECT_EQ(weights.summaries.size(), 1u);
  EXPECT_EQ(weights.saved, (std::vector<int>{1}));

  Recorder loss(true);
  loss.loss_per_image = std::numeric_limits<double>::quiet_NaN();
  try {
    loop.run(loss, d, rng, ctx);
    FAIL() << "no DivergedError";
  } catch (const DivergedError& e) {
    EXPECT_NE(std::string(e.what()).find("in epoch 1 of 3: the training loss is nan"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(loss.summaries.empty());
  EXPECT_TRUE(loss.saved.empty());
}

TEST(TrainingLoop, StopsAfterAnEpochOnlyWhenItWasCheckpointed) {
  const Dataset d = indexed_data(20);
  const TrainingLoop loop(spec(3, 10, 1.0), 1.0, LearningRateSchedule::kPower, ShuffleOrder::kIdentity);
  Progress progress(stderr, true);
  for (const bool checkpoints : {false, true}) {
    RunContext ctx = context(progress, 2);
    Recorder r(checkpoints);
    Rng rng(3, 1);
    loop.run(r, d, rng, ctx);
    EXPECT_EQ(r.summaries.size(), checkpoints ? 2U : 3U);
    EXPECT_EQ(ctx.interrupted.empty(), !checkpoints);
  }
}

// With ShuffleOrder::kIdentity a run resumed at epoch 2 from the shuffle stream's state after
// epoch 1 sees the very batches of an uninterrupted run.
TEST(TrainingLoop, IdentityShuffleResumesFromTheStreamAlone) {
  const Dataset d = indexed_data(30);
  const TrainingLoop loop(spec(2, 7, 1.0), 1.0, LearningRateSchedule::kPower, ShuffleOrder::kIdentity);
  Progress progress(stderr, true);
  RunContext ctx = context(progress, 1);
  Recorder first(true);
  Rng rng(9, 1);
  loop.run(first, d, rng, ctx);  // stops after epoch 1
  ASSERT_FALSE(ctx.interrupted.empty());
  RunContext resumed_ctx = context(progress, 0);
  Recorder second(true);
  loop.run(second, d, rng, resumed_ctx, 2);

  RunContext full_ctx = context(progress, 0);
  Recorder full(true);
  Rng full_rng(9, 1);
  loop.run(full, d, full_rng, full_ctx);
  std::vector<std::size_t> joined = first.seen;
  joined.insert(joined.end(), second.seen.begin(), second.seen.end());
  EXPECT_EQ(joined, full.seen);
  EXPECT_THROW(TrainingLoop(spec(2, 7, 1.0), 1.0, LearningRateSchedule::kPower, ShuffleOrder::kPrevious)
                   .run(second, d, rng, resumed_ctx, 2),
               std::logic_error);
}

}  // namespace
}  // namespace xbarsim::workloads
