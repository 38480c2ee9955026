// fp32 reference training of an MLP on MNIST or Fashion-MNIST: the software baseline every
// hardware result is compared with. Writes weights.bin for experiments that start from it and
// the same network as model.onnx (workloads/onnx_export.hpp) for other tools and network.onnx.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

#include "core/report.hpp"
#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/fp32_trainer.hpp"
#include "workloads/network_spec.hpp"
#include "workloads/onnx_export.hpp"
#include "workloads/weights_io.hpp"

namespace xbarsim::workloads {
namespace {

class Fp32Training final : public Experiment {
 public:
  Fp32Training(const Params& /*experiment*/, const ExperimentSpec& spec, const Params& root)
      : seed_(spec.seed),
        data_(DataSpec::from_params(root.child("data"))),
        network_(NetworkSpec::from_params(root.child("network"))),
        trainer_(TrainingSpec::from_params(root.child("training"), kMaxFp32BatchSize)) {}

  void check_inputs() const override { data_.check_files(static_cast<std::size_t>(network_.topology.features())); }

  nlohmann::json run(RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset train = data_.load("train");
    const Dataset test = data_.load("t10k");
    network_.check_matches(train);
    network_.check_matches(test);
    ctx.data = data_.record(train, test);

    Network net(network_.topology);
    Rng init_rng(seed_, 0);
    Rng shuffle_rng(seed_, 1);
    net.init_he(init_rng);

    CsvTable table(ctx.out_dir / "epochs.csv",
                   {"epoch", "learning_rate", "train_loss", "train_accuracy_pct", "test_accuracy_pct", "wall_time_s"},
                   kEpochsCsvSchemaVersion);
    nlohmann::json epochs = nlohmann::json::array();
    double test_accuracy = 0.0;
    trainer_.train(net, train, test, shuffle_rng, ctx, [&](const EpochResult& r) {
      table.row({std::to_string(r.epoch), fmt::format("{:.6g}", r.learning_rate), fmt::format("{:.6f}", r.train_loss),
                 fmt::format("{:.3f}", r.train_accuracy_pct), fmt::format("{:.3f}", r.test_accuracy_pct),
                 fmt::format("{:.3f}", r.wall_s)});
      epochs.push_back({{"epoch", r.epoch},
                        {"learning_rate", r.learning_rate},
                        {"train_loss", r.train_loss},
                        {"train_accuracy_pct", r.train_accuracy_pct},
                        {"test_accuracy_pct", r.test_accuracy_pct}});
      ctx.wallclock["epochs_s"].push_back(r.wall_s);
      test_accuracy = r.test_accuracy_pct;
      if (ctx.log != nullptr) {
        fmt::print(ctx.log,
                   "epoch {:>3}/{}: train loss {:.4f}, train accuracy {:.2f} %, test accuracy {:.2f} %, {:.1f} s\n",
                   r.epoch, trainer_.epochs(), r.train_loss, r.train_accuracy_pct, r.test_accuracy_pct, r.wall_s);
        std::fflush(ctx.log);
      }
    });
    table.close();
    save_weights(ctx.out_dir / "weights.bin", net);
    export_onnx(net, ctx.out_dir / "model.onnx");
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.wallclock["total_s"] = total;
    if (ctx.log != nullptr) {
      fmt::print(ctx.log, "fp32 {}: final test accuracy {:.2f} % on {} images; wall time {:.1f} s\n",
                 network_.summary(), test_accuracy, test.count, total);
    }
    return {{"summary", {{"test_accuracy_pct", test_accuracy}}},
            {"network", {{"layers", network_.layers_record()}, {"parameters", net.parameter_count()}}},
            {"data", {{"dataset", data_.dataset}, {"train_images", train.count}, {"test_images", test.count}}},
            {"epochs", epochs},
            {"final", {{"test_accuracy_pct", test_accuracy}}}};
  }

 private:
  std::uint64_t seed_;
  DataSpec data_;
  NetworkSpec network_;
  Fp32Trainer trainer_;
};

}  // namespace

XBARSIM_REGISTER(ExperimentRegistry, "fp32_training", Fp32Training)

}  // namespace xbarsim::workloads
