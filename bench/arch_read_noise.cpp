// Cost of arch.read_noise: per_image against per_operation (docs/devices/defects.md): 2,000
// images through the 784-256-128-64-10 MLP on 128 x 128 tiles of PCM devices with read noise
// (configs/experiments/mnist_infer_pcm.yaml), 250 images per tile operation. per_operation
// draws every tile's read noise once per operation, per_image once per image (250 times as
// many draws). Both chips are elaborated before the first simulation (SystemC). Synthetic
// images (uniform pixels): speed does not depend on the data.
#include <benchmark/benchmark.h>

#include <memory>

#include "arch/chip.hpp"
#include "core/params.hpp"

namespace {

using xbarsim::Params;
using xbarsim::arch::Chip;
using xbarsim::arch::ChipSpec;

constexpr int kImages = 2000;
const std::vector<int> kWidths{784, 256, 128, 64, 10};

struct Run {
  explicit Run(bool per_image, const char* name)
      : root(Params::from_file(std::string(XBARSIM_SOURCE_DIR) + "/configs/experiments/mnist_infer_pcm.yaml")) {
    if (per_image) root.apply_override("arch.read_noise=per_image");
    spec = std::make_unique<ChipSpec>(ChipSpec::from_params(root.child("arch"), root.child("device"), kWidths));
    chip = std::make_unique<Chip>(*spec, ledger, 1, name);
  }
  Params root;
  std::unique_ptr<ChipSpec> spec;
  xbarsim::Ledger ledger;
  std::unique_ptr<Chip> chip;
};

struct Fixture {
  Fixture() : per_operation(false, "per_operation"), per_image(true, "per_image") {
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
    for (Run* r : {&per_operation, &per_image}) {
      r->chip->program(w, b);
      r->chip->calibrate(images.leftCols(256), 250);
    }
  }
  Run per_operation;
  Run per_image;
  Eigen::MatrixXf images;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void run(benchmark::State& state, Chip& chip) {
  for (auto _ : state) {
    auto r = chip.infer(fixture().images, 250, nullptr);
    benchmark::DoNotOptimize(r.logits.data());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(kImages) * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_PcmReadNoisePerOperation2k(benchmark::State& state) { run(state, *fixture().per_operation.chip); }
void BM_PcmReadNoisePerImage2k(benchmark::State& state) { run(state, *fixture().per_image.chip); }

BENCHMARK(BM_PcmReadNoisePerOperation2k)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_PcmReadNoisePerImage2k)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
