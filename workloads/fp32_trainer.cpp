#include "workloads/fp32_trainer.hpp"

#include <fmt/format.h>

#include <chrono>

namespace xbarsim::workloads {

EpochResult fp32_epoch_result(const EpochSummary& s, Network& net, const Dataset& test) {
  EpochResult r;
  r.epoch = s.epoch;
  r.learning_rate = s.learning_rate;
  r.train_loss = s.train_loss;
  r.train_accuracy_pct = s.train_accuracy_pct;
  r.test_accuracy_pct = evaluate_accuracy(net, test);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
  return r;
}

double accuracy_of(const Eigen::MatrixXf& logits, const Dataset& d) {
  std::vector<int> predicted;
  Network::argmax(logits, predicted);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == d.labels[i];
  return 100.0 * static_cast<double>(correct) / static_cast<double>(d.count);
}

double evaluate_accuracy(Network& net, const Dataset& d) {
  std::size_t correct = 0;
  std::vector<int> predicted;
  for (std::size_t start = 0; start < d.count; start += 1000) {
    const auto n = static_cast<Eigen::Index>(std::min<std::size_t>(1000, d.count - start));
    const Eigen::Map<const Network::Matrix> x(d.image(start), static_cast<Eigen::Index>(d.features), n);
    Network::argmax(net.forward(x), predicted);
    for (Eigen::Index j = 0; j < n; ++j) {
      correct += predicted[static_cast<std::size_t>(j)] == d.labels[start + static_cast<std::size_t>(j)];
    }
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(d.count);
}

std::vector<ParamRef> parameter_refs(Network& net, std::vector<Network::Matrix>& weights) {
  std::vector<ParamRef> refs;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    auto& w = weights[l];
    auto& b = net.biases()[l];
    refs.push_back({Eigen::Map<Eigen::VectorXf>(w.data(), w.size()),
                    Eigen::Map<const Eigen::VectorXf>(net.weight_grads()[l].data(), w.size())});
    refs.push_back({Eigen::Map<Eigen::VectorXf>(b.data(), b.size()),
                    Eigen::Map<const Eigen::VectorXf>(net.bias_grads()[l].data(), b.size())});
  }
  return refs;
}

void fp32_batch(Network& net, const Batch& batch, Optimizer& optimizer, std::vector<ParamRef>& refs, double lr,
                std::vector<int>& predicted, EpochTally& tally) {
  Network::argmax(net.forward(batch.images), predicted);
  for (Eigen::Index j = 0; j < batch.n; ++j) {
    tally.correct += predicted[static_cast<std::size_t>(j)] == batch.labels[static_cast<std::size_t>(j)];
  }
  tally.loss_sum += static_cast<double>(net.backward(batch.labels)) * static_cast<double>(batch.n);
  optimizer.step(refs, static_cast<float>(lr));
}

namespace {

// Plain fp32 epochs: a batch is fp32_batch; after each epoch the test accuracy.
class Fp32Epochs final : public EpochTrainer {
 public:
  Fp32Epochs(Network& net, Optimizer& optimizer, const Dataset& test,
             const std::function<void(const EpochResult&)>& on_epoch)
      : net_(net), optimizer_(optimizer), refs_(parameter_refs(net, net.weights())), test_(test), on_epoch_(on_epoch) {}

  std::string epoch_label(int epoch, int epochs) const override {
    return fmt::format("fp32 epoch {}/{}", epoch, epochs);
  }
  void run_batch(const Batch& batch, double lr, EpochTally& tally) override {
    fp32_batch(net_, batch, optimizer_, refs_, lr, predicted_, tally);
  }
  std::string non_finite() const override {
    const std::string w = first_non_finite(net_.weights(), "weights");
    return w.empty() ? first_non_finite(net_.biases(), "biases") : w;
  }
  void end_epoch(const EpochSummary& s) override { on_epoch_(fp32_epoch_result(s, net_, test_)); }

 private:
  Network& net_;
  Optimizer& optimizer_;
  std::vector<ParamRef> refs_;
  const Dataset& test_;
  const std::function<void(const EpochResult&)>& on_epoch_;
  std::vector<int> predicted_;
};

}  // namespace

Fp32Trainer::Fp32Trainer(const TrainingSpec& training) : training_(training), optimizer_(training.make_optimizer()) {}

void Fp32Trainer::train(Network& net, const Dataset& train, const Dataset& test, Rng& rng, RunContext& ctx,
                        const std::function<void(const EpochResult&)>& on_epoch) {
  Fp32Epochs epochs(net, *optimizer_, test, on_epoch);
  const TrainingLoop loop(training_, optimizer_->learning_rate(), LearningRateSchedule::kCompounded,
                          ShuffleOrder::kPrevious);
  loop.run(epochs, train, rng, ctx);
}

}  // namespace xbarsim::workloads
