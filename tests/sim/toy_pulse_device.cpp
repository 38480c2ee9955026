// A device defined entirely in this file trains in situ with the mixed-precision rule: the rule
// and the chip ask for capabilities (PulseUpdate, PairRefresh; devices/capabilities.hpp), never
// for a concrete model, so a new device offering them needs no edit in arch/ or workloads/.
//
// The toy device: an analog cell in [0, 10 uS], programmed exactly; each potentiation pulse adds
// a fixed 0.02 g_max (saturating at g_max); a pair whose devices both exceed g_max / 2 is
// refreshed by rewriting the difference on one device and resetting the other. The experiment:
// a 784 -> 16 -> 10 network on 200 synthetic images whose class (0 or 1) is whether the top half
// of the image is the brighter one, 3 epochs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/params.hpp"
#include "core/progress.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "devices/device.hpp"
#include "workloads/idx.hpp"
#include "workloads/run.hpp"

namespace xbarsim {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace toy_pulse_device_sim {
namespace {

class ToyPulseDevice final : public devices::Device, public devices::PulseUpdate, public devices::PairRefresh {
 public:
  explicit ToyPulseDevice(const Params&) {}

  std::string_view name() const override { return "toy_pulse"; }
  int levels() const override { return 0; }
  double g_min() const override { return 0.0; }
  double g_max() const override { return kGmax; }
  double level_conductance(int k) const override { return k == 0 ? 0.0 : kGmax; }
  int devices_per_weight() const override { return 2; }

  void initialize(std::span<devices::CellState> cells, Rng&) const override {
    std::fill(cells.begin(), cells.end(), devices::CellState{});
  }
  void conductance(std::span<const devices::CellState> cells, std::span<float> g_out, double) const override {
    for (std::size_t i = 0; i < cells.size(); ++i) g_out[i] = cells[i].g;
  }
  void read(std::span<const devices::CellState> cells, std::span<float> g_out, double time_s, Rng&) const override {
    conductance(cells, g_out, time_s);
  }
  bool has_read_noise() const override { return false; }
  // Exact programming: one pulse per cell.
  devices::ProgramTally do_program(std::span<devices::CellState> cells, std::span<const std::uint32_t> index,
                                   std::span<const float> target_S, const devices::ProgramOptions& opts, Rng&,
                                   std::span<std::uint16_t> attempts) const override {
    for (std::size_t i = 0; i < index.size(); ++i) {
      cells[index[i]].g = std::clamp(target_S[i], 0.0F, static_cast<float>(kGmax));
    }
    std::fill(attempts.begin(), attempts.end(), std::uint16_t{1});
    return tally(index.size(), index.size(), opts);
  }
  double energy_per_pulse_J(const devices::ProgramOptions&) const override { return kPulseJ; }
  double energy_per_verify_read_J() const override { return kReadJ; }
  double pulse_width_s(const devices::ProgramOptions&) const override { return kPulseS; }
  double read_pulse_width_s() const override { return kReadS; }
  double read_voltage_V() const override { return 0.5; }

  const devices::PulseUpdate* pulse_update() const override { return this; }
  const devices::PairRefresh* pair_refresh() const override { return this; }

  devices::ProgramTally apply_pulses(std::span<devices::CellState> cells, std::span<const std::uint32_t> index,
                                     std::span<const std::uint16_t> n_pulses, Rng&) const override {
    std::uint64_t pulses = 0;
    for (std::size_t i = 0; i < index.size(); ++i) {
      devices::CellState& c = cells[index[i]];
      for (std::uint16_t k = 0; k < n_pulses[i]; ++k)
        c.g = std::min(c.g + static_cast<float>(kStep), static_cast<float>(kGmax));
      pulses += n_pulses[i];
    }
    return tally(index.size(), pulses, devices::ProgramOptions{});
  }
  double mean_step_S(double) const override { return kStep; }
  double step_std_S(double) const override { return 0.0; }

  devices::ProgramTally refresh(std::span<devices::CellState> plus, std::span<devices::CellState> minus,
                                std::span<const std::uint32_t> pairs, Rng&) const override {
    std::uint64_t refreshed = 0;
    for (const std::uint32_t p : pairs) {
      devices::CellState& a = plus[p];
      devices::CellState& b = minus[p];
      if (a.g <= 0.5 * kGmax || b.g <= 0.5 * kGmax) continue;
      const float d = a.g - b.g;
      a.g = std::max(d, 0.0F);
      b.g = std::max(-d, 0.0F);
      ++refreshed;
    }
    return tally(refreshed, 2 * refreshed, devices::ProgramOptions{});
  }

 private:
  static constexpr double kGmax = 10e-6;
  static constexpr double kStep = 0.02 * kGmax;
  static constexpr double kPulseJ = 1e-12;
  static constexpr double kReadJ = 1e-15;
  static constexpr double kPulseS = 10e-9;
  static constexpr double kReadS = 1e-9;
  devices::ProgramTally tally(std::uint64_t events, std::uint64_t pulses, const devices::ProgramOptions& opts) const {
    devices::ProgramTally t;
    t.program_events = events;
    t.attempts = events;
    t.pulses = pulses;
    t.energy_J = static_cast<double>(pulses) * energy_per_pulse_J(opts);
    t.time_s = static_cast<double>(pulses) * pulse_width_s(opts);
    return t;
  }
};

XBARSIM_REGISTER(devices::DeviceRegistry, "toy_pulse", ToyPulseDevice)

// Class y in {0, 1}: the top half of the image is the brighter one when y == 1.
void write_split(const std::filesystem::path& dir, const std::string& split, std::uint32_t n) {
  workloads::IdxTensor img{{n, 28, 28}, std::vector<std::uint8_t>(std::size_t{n} * 784)};
  workloads::IdxTensor lab{{n}, std::vector<std::uint8_t>(n)};
  Rng rng(11, n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto y = static_cast<std::uint8_t>(rng.index(2));
    lab.data[i] = y;
    for (std::size_t p = 0; p < 784; ++p) {
      const double base = ((p < 392) == (y == 1)) ? 160 : 60;
      img.data[i * 784 + p] = static_cast<std::uint8_t>(base + 60 * rng.uniform());
    }
  }
  workloads::write_idx(dir / (split + "-images-idx3-ubyte"), img);
  workloads::write_idx(dir / (split + "-labels-idx1-ubyte"), lab);
}

TEST(ToyPulseDevice, TrainsInSituWithTheMixedPrecisionRule) {
  const auto dir = std::filesystem::temp_directory_path() / "xbarsim_toy_pulse_device";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "data");
  write_split(dir / "data", "train", 200);
  write_split(dir / "data", "t10k", 100);
  const Params root = Params::from_string(
      "experiment: {name: toy, impl: insitu_training, seed: 3}\n"
      "data: {dataset: mnist, dir: '" +
          (dir / "data").string() +
          "'}\n"
          "network: {layers: [784, 16, 10]}\n"
          "device: {impl: toy_pulse}\n"
          "arch:\n"
          "  clock: 1 GHz\n"
          "  tech: {node: 22nm}\n"
          "  array: {rows: 128, cols: 128, cell_area_F2: 40}\n"
          "  dac: {impl: bit_serial, bits: 8, signed: false, read_pulse: 10 ns}\n"
          "  backward_dac: {impl: bit_serial, bits: 8, signed: true, read_pulse: 10 ns}\n"
          "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
          "  adc: {impl: sar, bits: 8, mux_ratio: 8, signed: true}\n"
          "  shift_add: {impl: digital, bits: 24}\n"
          "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
          "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
          "  calibration_images: 32\n"
          "training:\n"
          "  epochs: 3\n"
          "  batch_size: 20\n"
          "  optimizer: {impl: adam, learning_rate: 0.01}\n"
          "  update: {impl: mixed_precision, learning_rate_scale: 200, refresh_every: 5, init_spread: 0.5}\n"
          "simulation: {batch_images: 50}\n",
      "toy.yaml");
  workloads::PreparedExperiment p = workloads::prepare_experiment(root);
  Progress progress(nullptr, true);
  workloads::execute(p, root, dir / "run", progress, nullptr);

  std::ifstream in(dir / "run" / "report.json");
  const nlohmann::json r = nlohmann::json::parse(in);
  const auto& epochs = r["results"]["epochs"];
  ASSERT_EQ(epochs.size(), 3u);
  for (const auto& e : epochs) EXPECT_GT(e["program_events"].get<std::uint64_t>(), 0u);  // pulses change weights
  // The classes are separable by brightness: the loss falls and the network beats chance.
  EXPECT_LT(epochs.back()["train_loss"].get<double>(), epochs.front()["train_loss"].get<double>());
  EXPECT_GT(epochs.back()["test_accuracy_pct"].get<double>(), 75.0);
}

}  // namespace
}  // namespace toy_pulse_device_sim
}  // namespace xbarsim
