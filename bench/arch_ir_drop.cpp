// The cost of IR drop (arch.array.ir_drop, docs/arch/ir_drop.md): the transfer matrices of one
// array by both methods, and 10,000 images through the 784-256-128-64-10 MLP on 128 x 128 tiles
// (configs/experiments/mnist_infer_dw5.yaml) with the wires on and off. The acceptance is the
// inference within 10 x of the time without wires. Images are synthetic (uniform pixels), as in
// arch_inference.cpp: the time does not depend on the data.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "arch/ir_drop.hpp"
#include "core/params.hpp"

namespace {

using xbarsim::Params;
using xbarsim::arch::Chip;
using xbarsim::arch::ChipSpec;

constexpr int kImages = 10000;
const std::vector<int> kWidths{784, 256, 128, 64, 10};

Params experiment(bool wires) {
  Params p = Params::from_file(std::string(XBARSIM_SOURCE_DIR) + "/configs/experiments/mnist_infer_dw5.yaml");
  if (wires) p.apply_override("arch.array.ir_drop.enabled=true");
  return p;
}

// Both chips are elaborated before either simulates (SystemC takes modules only before the first
// sc_start), then programmed with the same weights and calibrated.
struct Fixture {
  Fixture()
      : root_off(experiment(false)),
        root_on(experiment(true)),
        spec_off(ChipSpec::from_params(root_off.child("arch"), root_off.child("device"), kWidths)),
        spec_on(ChipSpec::from_params(root_on.child("arch"), root_on.child("device"), kWidths)),
        chip_off(spec_off, ledger_off, 1, "chip_off"),
        chip_on(spec_on, ledger_on, 1, "chip_on") {
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
    for (Chip* c : {&chip_off, &chip_on}) {
      c->program(w, b);
      c->calibrate(images.leftCols(256), 250);
    }
  }
  Params root_off, root_on;
  ChipSpec spec_off, spec_on;
  xbarsim::Ledger ledger_off, ledger_on;
  Chip chip_off, chip_on;
  Eigen::MatrixXf images;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void inference(benchmark::State& state, bool wires) {
  Fixture& f = fixture();
  Chip& chip = wires ? f.chip_on : f.chip_off;
  for (auto _ : state) {
    auto r = chip.infer(f.images, 250, nullptr);
    benchmark::DoNotOptimize(r.logits.data());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(kImages) * state.iterations(), benchmark::Counter::kIsRate);
}

// Inference only: the arrays' transfer matrices were computed in the fixture's calibration (the
// conductances do not change between reads of a device without read noise or drift).
void BM_Inference10kWiresOff(benchmark::State& state) { inference(state, false); }
void BM_Inference10kWiresOn(benchmark::State& state) { inference(state, true); }

// Program, calibrate (which computes the transfer matrices of every tile, 34 of them) and infer
// 10,000 images: what a run pays for the wires, the one-off solve included.
void whole_run(benchmark::State& state, bool wires) {
  Fixture& f = fixture();
  Chip& chip = wires ? f.chip_on : f.chip_off;
  xbarsim::Rng rng(8);
  std::vector<Eigen::MatrixXf> w;
  std::vector<Eigen::VectorXf> b;
  for (std::size_t l = 0; l + 1 < kWidths.size(); ++l) {
    Eigen::MatrixXf m(kWidths[l + 1], kWidths[l]);
    for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(rng.normal() * 0.05);
    w.push_back(m);
    b.push_back(Eigen::VectorXf::Zero(kWidths[l + 1]));
  }
  for (auto _ : state) {
    chip.program(w, b);
    chip.calibrate(f.images.leftCols(256), 250);
    auto r = chip.infer(f.images, 250, nullptr);
    benchmark::DoNotOptimize(r.logits.data());
  }
}
void BM_ProgramCalibrateInfer10kWiresOff(benchmark::State& state) { whole_run(state, false); }
void BM_ProgramCalibrateInfer10kWiresOn(benchmark::State& state) { whole_run(state, true); }

// One array's transfer matrices, N x N cells of 5..10 uS (the DW card's range), 1.8445 Ohm per
// segment (22 nm, 40 F^2).
void transfer(benchmark::State& state, xbarsim::arch::IrDropMethod method) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  xbarsim::Rng rng(1);
  Eigen::MatrixXd g(n, n);
  for (Eigen::Index i = 0; i < g.size(); ++i) g(i) = 5e-6 + 5e-6 * rng.uniform();
  for (auto _ : state) {
    auto t = xbarsim::arch::ir_drop_transfer(g, {1.8445, 1.8445}, method);
    benchmark::DoNotOptimize(t.current.data());
  }
}
void BM_TransferFast(benchmark::State& state) { transfer(state, xbarsim::arch::IrDropMethod::kFast); }
void BM_TransferExact(benchmark::State& state) { transfer(state, xbarsim::arch::IrDropMethod::kExact); }

BENCHMARK(BM_TransferFast)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TransferExact)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);
// Process CPU time: the transfer matrices are solved on a thread of their own (ArrayWires::update).
BENCHMARK(BM_Inference10kWiresOff)->Unit(benchmark::kMillisecond)->Iterations(3)->MeasureProcessCPUTime();
BENCHMARK(BM_Inference10kWiresOn)->Unit(benchmark::kMillisecond)->Iterations(3)->MeasureProcessCPUTime();
BENCHMARK(BM_ProgramCalibrateInfer10kWiresOff)->Unit(benchmark::kMillisecond)->Iterations(1)->MeasureProcessCPUTime();
BENCHMARK(BM_ProgramCalibrateInfer10kWiresOn)->Unit(benchmark::kMillisecond)->Iterations(1)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
