#include "workloads/fp32_trainer.hpp"

#include <chrono>
#include <numeric>

#include <fmt/format.h>

namespace xbarsim::workloads {

Fp32Trainer::Fp32Trainer(const Params& training)
    : epochs_(static_cast<int>(training.integer("epochs", 1, 1000))),
      batch_size_(static_cast<int>(training.integer("batch_size", 1, 60000))),
      lr_decay_(training.real_or("learning_rate_decay", 1.0, 0.0, 1.0)),
      optimizer_(OptimizerRegistry::instance().create(training.child("optimizer"))) {}

double evaluate_accuracy(Mlp& net, const Dataset& d) {
  std::size_t correct = 0;
  std::vector<int> predicted;
  for (std::size_t start = 0; start < d.count; start += 1000) {
    const auto n = static_cast<Eigen::Index>(std::min<std::size_t>(1000, d.count - start));
    const Eigen::Map<const Mlp::Matrix> x(d.image(start), static_cast<Eigen::Index>(d.features), n);
    Mlp::argmax(net.forward(x), predicted);
    for (Eigen::Index j = 0; j < n; ++j) {
      correct += predicted[static_cast<std::size_t>(j)] == d.labels[start + static_cast<std::size_t>(j)];
    }
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(d.count);
}

void Fp32Trainer::train(Mlp& net, const Dataset& train, const Dataset& test, Rng& rng,
                        RunContext& ctx, const std::function<void(const EpochResult&)>& on_epoch) {
  std::vector<ParamRef> refs;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    auto& w = net.weights()[l];
    auto& b = net.biases()[l];
    refs.push_back({Eigen::Map<Eigen::VectorXf>(w.data(), w.size()),
                    Eigen::Map<const Eigen::VectorXf>(net.weight_grads()[l].data(), w.size())});
    refs.push_back({Eigen::Map<Eigen::VectorXf>(b.data(), b.size()),
                    Eigen::Map<const Eigen::VectorXf>(net.bias_grads()[l].data(), b.size())});
  }
  std::vector<std::size_t> order(train.count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  Mlp::Matrix batch(static_cast<Eigen::Index>(train.features), batch_size_);
  std::vector<std::uint8_t> labels(static_cast<std::size_t>(batch_size_));
  std::vector<int> predicted;
  double lr = optimizer_->learning_rate();

  for (int epoch = 1; epoch <= epochs_; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    // Fisher-Yates with the run's own stream: the same seed gives the same order everywhere.
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
    double loss_sum = 0.0;
    std::size_t correct = 0;
    ctx.progress->start(fmt::format("fp32 epoch {}/{}", epoch, epochs_), train.count);
    for (std::size_t start = 0; start < train.count; start += static_cast<std::size_t>(batch_size_)) {
      const auto n = static_cast<Eigen::Index>(
          std::min<std::size_t>(static_cast<std::size_t>(batch_size_), train.count - start));
      gather_batch(train, order, start, n, batch, labels);
      Mlp::argmax(net.forward(batch), predicted);
      for (Eigen::Index j = 0; j < n; ++j) {
        correct += predicted[static_cast<std::size_t>(j)] == labels[static_cast<std::size_t>(j)];
      }
      loss_sum += static_cast<double>(net.backward(labels)) * static_cast<double>(n);
      optimizer_->step(refs, static_cast<float>(lr));
      ctx.progress->update(start + static_cast<std::size_t>(n));
    }
    ctx.progress->finish();
    EpochResult r;
    r.epoch = epoch;
    r.learning_rate = lr;
    r.train_loss = loss_sum / static_cast<double>(train.count);
    r.train_accuracy_pct = 100.0 * static_cast<double>(correct) / static_cast<double>(train.count);
    r.test_accuracy_pct = evaluate_accuracy(net, test);
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    on_epoch(r);
    lr *= lr_decay_;
  }
}

}  // namespace xbarsim::workloads
