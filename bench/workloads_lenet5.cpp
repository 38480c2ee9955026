// Speed of the LeNet-5-style network (configs/networks/lenet5.yaml) on the chip of
// configs/experiments/mnist_lenet5_insitu_dw5.yaml (128 x 128 tiles of 5-state DW synapses,
// 8-bit bit-serial DACs, 8-bit SAR ADCs shared by 8 columns): one in-situ training batch of 32
// images forward and backward through the tiles (no update: the update rules' cost is in the
// in-situ runs), and inference of 1,000 images in batches of 250. Images and errors are synthetic
// (speed does not depend on the data). Issue 16 asks for 10 epochs of in-situ training in 15
// minutes: 600,000 training images plus 10 x 10,000 test inferences.
#include <benchmark/benchmark.h>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "workloads/network.hpp"
#include "workloads/network_spec.hpp"

namespace {

using xbarsim::Params;
using xbarsim::arch::Chip;
using xbarsim::arch::ChipSpec;

struct Fixture {
  Fixture()
      : root(Params::from_file(std::string(XBARSIM_SOURCE_DIR) + "/configs/experiments/mnist_lenet5_insitu_dw5.yaml")),
        network(xbarsim::workloads::NetworkSpec::from_params(root.child("network"))),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), network.topology)),
        chip(spec, ledger, 1) {
    xbarsim::Rng rng(5);
    xbarsim::workloads::Network net(network.topology);
    net.init_he(rng);
    std::vector<Eigen::MatrixXf> w;
    std::vector<float> scales;
    for (const auto& m : net.weights()) {
      scales.push_back(m.cwiseAbs().maxCoeff());
      w.push_back(m / scales.back());
    }
    chip.set_scales_and_biases(scales, net.biases());
    chip.write_weights(w, xbarsim::arch::Phase::kProgramming, false, xbarsim::devices::ProgramOptions{});
    images.resize(784, 1000);
    for (Eigen::Index i = 0; i < images.size(); ++i) images(i) = static_cast<float>(rng.uniform());
    batch = images.leftCols(32);
    error = Eigen::MatrixXf::Random(10, 32) * 0.03F;
    chip.calibrate(images.leftCols(256), 250);
  }
  Params root;
  xbarsim::workloads::NetworkSpec network;
  ChipSpec spec;
  xbarsim::Ledger ledger;
  Chip chip;
  Eigen::MatrixXf images, batch, error;
  std::vector<Eigen::MatrixXf> inputs, errors;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_Lenet5TrainingBatch32(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    const Eigen::MatrixXf logits = f.chip.forward(f.batch, f.inputs);
    f.chip.backward(f.error, f.inputs, f.errors);
    benchmark::DoNotOptimize(logits.data());
  }
  state.counters["images_per_s"] = benchmark::Counter(32.0 * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_Lenet5Inference1k(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    auto r = f.chip.infer(f.images, 250, nullptr);
    benchmark::DoNotOptimize(r.logits.data());
  }
  state.counters["images_per_s"] = benchmark::Counter(1000.0 * state.iterations(), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_Lenet5TrainingBatch32)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lenet5Inference1k)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
