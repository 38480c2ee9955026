// fp32 evaluation of a trained network in software (network.weights or network.onnx): its test
// accuracy, and the logits of the first test images in logits.csv, to check an imported model
// against the framework that exported it (docs/onnx.md). No chip, no training.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/report.hpp"
#include "workloads/dataset.hpp"
#include "workloads/experiment.hpp"
#include "workloads/fp32_trainer.hpp"
#include "workloads/network_spec.hpp"

namespace xbarsim::workloads {
namespace {

class Fp32Inference final : public Experiment {
 public:
  Fp32Inference(const Params& /*experiment*/, const ExperimentSpec& /*spec*/, const Params& root)
      : data_(DataSpec::from_params(root.child("data"))),
        network_(NetworkSpec::from_params(root.child("network"), NetworkSpec::kMayGiveWeights)),
        logits_images_(
            static_cast<std::size_t>(root.child_or_empty("evaluation").integer_or("logits_images", 100, 0, 10000))) {
    if (!network_.has_trained_weights()) {
      root.child("network").fail("weights", "a trained network: network.weights or network.onnx",
                                 "fp32_inference evaluates one, it does not train");
    }
  }

  void check_inputs() const override {
    data_.check_files(static_cast<std::size_t>(network_.topology.features()));
    Network probe(network_.topology);
    network_.load_trained(probe);
  }

  nlohmann::json run(RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset train = data_.load("train");
    const Dataset test = data_.load("t10k");
    network_.check_matches(test);
    ctx.data = data_.record(train, test);
    Network net(network_.topology);
    network_.load_trained(net);

    // Logits of the first images, one row each: image index, label, logit_0..logit_{C-1} (%.9g:
    // a float's exact decimal round trip).
    const std::size_t keep = std::min(logits_images_, test.count);
    std::vector<std::string> columns{"image", "label"};
    for (int c = 0; c < test.classes; ++c) columns.push_back(fmt::format("logit_{}", c));
    CsvTable table(ctx.out_dir / "logits.csv", columns, kLogitsCsvSchemaVersion);
    std::size_t correct = 0;
    std::vector<int> predicted;
    constexpr std::size_t kBatch = 500;
    ctx.progress->start("fp32 inference", test.count);
    for (std::size_t start = 0; start < test.count; start += kBatch) {
      const auto n = static_cast<Eigen::Index>(std::min(kBatch, test.count - start));
      const Eigen::Map<const Network::Matrix> x(test.image(start), static_cast<Eigen::Index>(test.features), n);
      const Network::Matrix& logits = net.forward(x);
      Network::argmax(logits, predicted);
      for (Eigen::Index j = 0; j < n; ++j) {
        const std::size_t i = start + static_cast<std::size_t>(j);
        correct += predicted[static_cast<std::size_t>(j)] == test.labels[i];
        if (i >= keep) continue;
        std::vector<std::string> row{std::to_string(i), std::to_string(test.labels[i])};
        for (Eigen::Index c = 0; c < logits.rows(); ++c) row.push_back(fmt::format("{:.9g}", logits(c, j)));
        table.row(row);
      }
      ctx.progress->update(start + static_cast<std::size_t>(n));
    }
    ctx.progress->finish();
    table.close();
    const double accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(test.count);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.wallclock["total_s"] = total;
    if (ctx.log != nullptr) {
      fmt::print(ctx.log, "fp32 {}: test accuracy {:.2f} % on {} images; logits of the first {} in logits.csv\n",
                 network_.summary(), accuracy, test.count, keep);
    }
    nlohmann::json network = network_.record();
    if (network.is_null()) network = {{"layers", network_.layers_record()}};
    network["parameters"] = net.parameter_count();
    return {{"summary", {{"test_accuracy_pct", accuracy}}},
            {"network", network},
            {"data", {{"dataset", data_.dataset}, {"test_images", test.count}, {"logits_images", keep}}},
            {"final", {{"test_accuracy_pct", accuracy}}}};
  }

 private:
  DataSpec data_;
  NetworkSpec network_;
  std::size_t logits_images_;
};

}  // namespace

XBARSIM_REGISTER(ExperimentRegistry, "fp32_inference", Fp32Inference)

}  // namespace xbarsim::workloads
