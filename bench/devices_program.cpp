// Programming and reading 1e6 cells of each device model (one core). items_per_second in the
// output is cells per second. Targets (issue 3): >= 20 M cells/s programming, >= 200 M cells/s
// reading.
#include <benchmark/benchmark.h>

#include <numeric>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace {

using namespace xbarsim;
using namespace xbarsim::devices;

constexpr std::size_t kCells = 1000000;

const char* card(int model) {
  switch (model) {
    case 0:
      return "device: {impl: domain_wall, states: 5}";
    case 1:
      return "device: {impl: mtj, synapse: ternary}";
    case 2:
      return "device: {impl: pcm}";
    default:
      return "device: {impl: ideal}";
  }
}

std::unique_ptr<Device> make(int model) {
  const Params root = Params::from_string(card(model), "bench");
  return DeviceRegistry::instance().create(root.child("device"));
}

struct Fixture {
  std::unique_ptr<Device> dev;
  std::vector<CellState> cells;
  std::vector<std::uint32_t> index;
  std::vector<float> target;
  std::vector<float> flipped;  // g_min + g_max - target: alternating forces every cell to change
  Rng rng{1, 0};

  explicit Fixture(int model) : dev(make(model)), cells(kCells), index(kCells), target(kCells) {
    std::iota(index.begin(), index.end(), 0U);
    dev->initialize(cells, rng);
    for (auto& t : target) {
      t = static_cast<float>(dev->g_min() + (dev->g_max() - dev->g_min()) * rng.uniform());
    }
    flipped.resize(kCells);
    for (std::size_t i = 0; i < kCells; ++i) {
      flipped[i] = static_cast<float>(dev->g_min() + dev->g_max()) - target[i];
    }
  }
  const std::vector<float>& next_target(std::size_t iteration) const { return iteration % 2 == 0 ? flipped : target; }
};

void BM_Program(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  state.SetLabel(std::string(f.dev->name()));
  std::size_t it = 0;
  for (auto _ : state) {
    const auto t = f.dev->program(f.cells, f.index, f.next_target(it++), {}, f.rng);
    benchmark::DoNotOptimize(t);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCells));
}

void BM_ProgramVerify(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  state.SetLabel(std::string(f.dev->name()) + " verify tol 0.05, 5 attempts");
  ProgramOptions opts;
  opts.verify = true;
  opts.tolerance = 0.05;
  opts.max_attempts = 5;
  std::size_t it = 0;
  for (auto _ : state) {
    const auto t = f.dev->program(f.cells, f.index, f.next_target(it++), opts, f.rng);
    benchmark::DoNotOptimize(t);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCells));
}

void BM_Read(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  f.dev->program(f.cells, f.index, f.target, {}, f.rng);
  std::vector<float> g(kCells);
  state.SetLabel(std::string(f.dev->name()) + " at t = 1 h");
  for (auto _ : state) {
    f.dev->read(f.cells, g, 3600.0, f.rng);
    benchmark::DoNotOptimize(g.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCells));
}

void BM_Conductance(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  f.dev->program(f.cells, f.index, f.target, {}, f.rng);
  std::vector<float> g(kCells);
  state.SetLabel(std::string(f.dev->name()) + " drift only, t = 1 h");
  for (auto _ : state) {
    f.dev->conductance(f.cells, g, 3600.0);
    benchmark::DoNotOptimize(g.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCells));
}

// 0 = domain_wall (5 states), 1 = mtj, 2 = pcm, 3 = ideal.
BENCHMARK(BM_Program)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProgramVerify)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Read)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conductance)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
