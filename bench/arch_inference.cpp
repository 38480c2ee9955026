// End-to-end speed of the SystemC model: 10,000 images through the 784-256-128-64-10 MLP on
// 128 x 128 tiles (configs/experiments/mnist_infer_dw5.yaml: 5-state DW, 8-bit bit-serial DAC,
// 8-bit SAR ADCs shared by 8 columns), against a bare batched computation of the same
// bit-serial, reference-subtracted matrix products (same GEMM sizes, no SystemC, no converters,
// no accounting). Images are synthetic (uniform pixels): speed does not depend on the data.
#include <benchmark/benchmark.h>

#include <cmath>

#include "arch/chip.hpp"
#include "core/params.hpp"

namespace {

using xbarsim::Params;
using xbarsim::arch::Chip;
using xbarsim::arch::ChipSpec;

constexpr int kImages = 10000;
const std::vector<int> kWidths{784, 256, 128, 64, 10};

struct Fixture {
  Fixture()
      : root(Params::from_file(std::string(XBARSIM_SOURCE_DIR) + "/configs/experiments/mnist_infer_dw5.yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), kWidths)),
        chip(spec, ledger, 1) {
    xbarsim::Rng rng(5);
    std::vector<Eigen::MatrixXf> w;
    std::vector<Eigen::VectorXf> b;
    for (std::size_t l = 0; l + 1 < kWidths.size(); ++l) {
      Eigen::MatrixXf m(kWidths[l + 1], kWidths[l]);
      for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(rng.normal() * 0.05);
      w.push_back(m);
      b.push_back(Eigen::VectorXf::Zero(kWidths[l + 1]));
    }
    images.resize(784, kImages);
    for (Eigen::Index i = 0; i < images.size(); ++i) images(i) = static_cast<float>(rng.uniform());
    chip.program(w, b);
    chip.calibrate(images.leftCols(256), 250);
    for (std::size_t l = 0; l < chip.layers().size(); ++l) {
      // The bare computation's matrices: the same padded tile shapes, as one GEMM per layer.
      weights.push_back(w[l].transpose());
    }
  }
  Params root;
  ChipSpec spec;
  xbarsim::Ledger ledger;
  Chip chip;
  Eigen::MatrixXf images;
  std::vector<Eigen::MatrixXf> weights;  // inputs x outputs
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_SystemCInference10k(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    auto r = f.chip.infer(f.images, 250, nullptr);
    benchmark::DoNotOptimize(r.logits.data());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(kImages) * state.iterations(), benchmark::Counter::kIsRate);
}

// The same arithmetic without the simulator: per layer, 8-bit input codes split into 8 bit
// planes (one column per image and plane), one GEMM against the weights, planes recombined.
void BM_BareBitSerialProducts10k(benchmark::State& state) {
  Fixture& f = fixture();
  constexpr int kPlanes = 8;
  for (auto _ : state) {
    Eigen::MatrixXf act = f.images;
    for (std::size_t l = 0; l < f.weights.size(); ++l) {
      const Eigen::Index in = act.rows();
      const float fs = std::max(act.maxCoeff(), 1e-12F);
      Eigen::MatrixXf planes(in, act.cols() * kPlanes);
      for (Eigen::Index b = 0; b < act.cols(); ++b) {
        for (Eigen::Index i = 0; i < in; ++i) {
          const int code = static_cast<int>(std::lround(std::min(act(i, b) / fs, 1.0F) * 255.0F));
          for (int p = 0; p < kPlanes; ++p) planes(i, b * kPlanes + p) = static_cast<float>((code >> p) & 1);
        }
      }
      const Eigen::MatrixXf out = f.weights[l].transpose() * planes;
      Eigen::MatrixXf next = Eigen::MatrixXf::Zero(out.rows(), act.cols());
      for (int p = 0; p < kPlanes; ++p) {
        const Eigen::Map<const Eigen::MatrixXf, 0, Eigen::OuterStride<>> po(
            out.data() + p * out.rows(), out.rows(), act.cols(), Eigen::OuterStride<>(out.rows() * kPlanes));
        next += std::ldexp(1.0F, p) / 255.0F * fs * po;
      }
      act = next.cwiseMax(0.0F);
    }
    benchmark::DoNotOptimize(act.data());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(kImages) * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_SystemCInference10k)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_BareBitSerialProducts10k)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
