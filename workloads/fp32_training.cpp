// fp32 reference training of an MLP on MNIST or Fashion-MNIST: the software baseline every
// hardware result is compared with.
#include <algorithm>
#include <chrono>
#include <numeric>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/report.hpp"
#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/mlp.hpp"
#include "workloads/network_spec.hpp"
#include "workloads/optimizer.hpp"

namespace xbarsim::workloads {
namespace {

// Trains the network described by `network:` with `training:` on `data:`; reports per-epoch
// loss and accuracy and the final test accuracy.
class Fp32Training final : public Experiment {
 public:
  Fp32Training(const Params& experiment, const Params& root)
      : name_(experiment.string("name")),
        seed_(static_cast<std::uint64_t>(experiment.integer_or("seed", 1, 0))),
        data_(DataSpec::from_params(root.child("data"))),
        network_(NetworkSpec::from_params(root.child("network"))),
        training_(root.child("training")),
        epochs_(static_cast<int>(training_.integer("epochs", 1, 1000))),
        batch_size_(static_cast<int>(training_.integer("batch_size", 1, 60000))),
        lr_decay_(training_.real_or("learning_rate_decay", 1.0, 0.0, 1.0)),
        optimizer_(OptimizerRegistry::instance().create(training_.child("optimizer"))) {}

  nlohmann::json run(RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset train = data_.load("train");
    const Dataset test = data_.load("t10k");
    network_.check_matches(train);

    Mlp net(network_.widths);
    Rng init_rng(seed_, 0);
    Rng shuffle_rng(seed_, 1);
    net.init_he(init_rng);
    std::vector<ParamRef> refs;
    for (std::size_t l = 0; l < net.layers(); ++l) {
      auto& w = net.weights()[l];
      auto& b = net.biases()[l];
      refs.push_back({Eigen::Map<Eigen::VectorXf>(w.data(), w.size()),
                      Eigen::Map<const Eigen::VectorXf>(net.weight_grads()[l].data(), w.size())});
      refs.push_back({Eigen::Map<Eigen::VectorXf>(b.data(), b.size()),
                      Eigen::Map<const Eigen::VectorXf>(net.bias_grads()[l].data(), b.size())});
    }

    CsvTable table(ctx.out_dir / "epochs.csv",
                   {"epoch", "learning_rate", "train_loss", "train_accuracy_pct",
                    "test_accuracy_pct", "wall_time_s"});
    nlohmann::json epochs = nlohmann::json::array();
    std::vector<std::size_t> order(train.count);
    std::iota(order.begin(), order.end(), std::size_t{0});
    Mlp::Matrix batch(static_cast<Eigen::Index>(train.features), batch_size_);
    std::vector<std::uint8_t> labels(static_cast<std::size_t>(batch_size_));
    std::vector<int> predicted;
    double test_accuracy = 0.0;
    double lr = optimizer_->learning_rate();

    for (int epoch = 1; epoch <= epochs_; ++epoch) {
      const auto te = std::chrono::steady_clock::now();
      // Fisher-Yates with the run's own stream: the same seed gives the same order everywhere.
      for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle_rng.index(i)]);
      double loss_sum = 0.0;
      std::size_t correct = 0;
      ctx.progress->start(fmt::format("epoch {}/{} train", epoch, epochs_), train.count);
      for (std::size_t start = 0; start < train.count; start += static_cast<std::size_t>(batch_size_)) {
        const auto n = static_cast<Eigen::Index>(
            std::min<std::size_t>(static_cast<std::size_t>(batch_size_), train.count - start));
        if (n != batch.cols()) batch.resize(batch.rows(), n);
        labels.resize(static_cast<std::size_t>(n));
        for (Eigen::Index j = 0; j < n; ++j) {
          const std::size_t idx = order[start + static_cast<std::size_t>(j)];
          batch.col(j) = Eigen::Map<const Eigen::VectorXf>(train.image(idx),
                                                           static_cast<Eigen::Index>(train.features));
          labels[static_cast<std::size_t>(j)] = train.labels[idx];
        }
        Mlp::argmax(net.forward(batch), predicted);
        for (Eigen::Index j = 0; j < n; ++j) {
          correct += predicted[static_cast<std::size_t>(j)] == labels[static_cast<std::size_t>(j)];
        }
        loss_sum += static_cast<double>(net.backward(labels)) * static_cast<double>(n);
        optimizer_->step(refs, static_cast<float>(lr));
        ctx.progress->update(start + static_cast<std::size_t>(n));
      }
      ctx.progress->finish();
      test_accuracy = evaluate(net, test);
      const double train_loss = loss_sum / static_cast<double>(train.count);
      const double train_accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(train.count);
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - te).count();
      table.row({std::to_string(epoch), fmt::format("{:.6g}", lr), fmt::format("{:.6f}", train_loss),
                 fmt::format("{:.3f}", train_accuracy), fmt::format("{:.3f}", test_accuracy),
                 fmt::format("{:.3f}", wall)});
      epochs.push_back({{"epoch", epoch},
                        {"learning_rate", lr},
                        {"train_loss", train_loss},
                        {"train_accuracy_pct", train_accuracy},
                        {"test_accuracy_pct", test_accuracy}});
      ctx.wallclock["epochs_s"].push_back(wall);
      if (ctx.log != nullptr) {
        fmt::print(ctx.log, "epoch {:>3}/{}: train loss {:.4f}, train accuracy {:.2f} %, test accuracy {:.2f} %, {:.1f} s\n",
                   epoch, epochs_, train_loss, train_accuracy, test_accuracy, wall);
        std::fflush(ctx.log);
      }
      lr *= lr_decay_;
    }
    table.close();
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.wallclock["total_s"] = total;
    if (ctx.log != nullptr) {
      fmt::print(ctx.log, "fp32 {}: final test accuracy {:.2f} % on {} images; wall time {:.1f} s\n",
                 fmt::join(network_.widths, "-"), test_accuracy, test.count, total);
    }
    return {{"network", {{"layers", network_.widths}, {"parameters", net.parameter_count()}}},
            {"data", {{"dataset", data_.dataset}, {"train_images", train.count}, {"test_images", test.count}}},
            {"epochs", epochs},
            {"final", {{"test_accuracy_pct", test_accuracy}}}};
  }

 private:
  // Test accuracy in percent, in chunks of 1000 images (columns of the row-major image array).
  static double evaluate(Mlp& net, const Dataset& d) {
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

  std::string name_;
  std::uint64_t seed_;
  DataSpec data_;
  NetworkSpec network_;
  Params training_;
  int epochs_;
  int batch_size_;
  double lr_decay_;
  std::unique_ptr<Optimizer> optimizer_;
};

}  // namespace

XBARSIM_REGISTER(ExperimentRegistry, "fp32_training", Fp32Training)

}  // namespace xbarsim::workloads
