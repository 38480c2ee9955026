// Ideal (exact) synapse model.
#include "devices/ideal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "devices/program_loop.hpp"

namespace xbarsim::devices {

using units::Dimension;

IdealDevice::IdealDevice(const Params& p) {
  g_min_ = p.quantity_or("g_min", Dimension::kConductance, "0 S", 0.0);
  g_max_ = p.quantity_or("g_max", Dimension::kConductance, "25 uS", 0.0);
  if (!(g_min_ < g_max_)) {
    p.fail("g_max", fmt::format("a conductance greater than g_min ({:g} S)", g_min_));
  }
  levels_ = static_cast<int>(p.integer_or("levels", 0, 0, 1 << 24));
  if (levels_ == 1) p.fail("levels", "0 (continuous) or an integer >= 2");
  devices_per_weight_ = static_cast<int>(p.integer_or("devices_per_weight", 1, 1, 2));
  energy_per_pulse_J_ = p.quantity_or("energy_per_pulse", Dimension::kEnergy, "0 J", 0.0);
  pulse_width_s_ = p.quantity_or("pulse_width", Dimension::kTime, "0 s", 0.0);
  read_voltage_V_ = p.quantity_or("read_voltage", Dimension::kVoltage, "0.1 V", 0.0);
  read_pulse_width_s_ = p.quantity_or("read_pulse_width", Dimension::kTime, "10 ns", 0.0);
  verify_read_energy_J_ = read_voltage_V_ * read_voltage_V_ * 0.5 * (g_min_ + g_max_) * read_pulse_width_s_;
}

void IdealDevice::initialize(std::span<CellState> cells, Rng& /*rng*/) const {
  const CellState fresh{static_cast<float>(g_min_), 0.0F, 0.0F, 0U};
  std::fill(cells.begin(), cells.end(), fresh);
}

void IdealDevice::conductance(std::span<const CellState> cells, std::span<float> g_out, double /*time_s*/) const {
  const std::size_t n = cells.size();
  const CellState* c = cells.data();
  float* out = g_out.data();
  for (std::size_t i = 0; i < n; ++i) out[i] = c[i].g;
}

void IdealDevice::read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& /*rng*/) const {
  conductance(cells, g_out, time_s);
}

ProgramTally IdealDevice::do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                     std::span<const float> target_S, const ProgramOptions& opts, Rng& /*rng*/,
                                     std::span<std::uint16_t> attempts) const {
  const detail::AttemptCost cost{energy_per_pulse_J_, 1, pulse_width_s_, verify_read_energy_J_, read_pulse_width_s_};
  const double step = levels_ > 1 ? (g_max_ - g_min_) / (levels_ - 1) : 0.0;
  struct Goal {
    float g;
    std::uint32_t level;
  };
  return detail::program_loop(
      cells, cell_index, target_S, opts, attempts, opts.tolerance * (g_max_ - g_min_), cost,
      [&](float target) {
        const double g = std::clamp(static_cast<double>(target), g_min_, g_max_);
        if (levels_ == 0) return Goal{static_cast<float>(g), 0U};
        const auto k = static_cast<std::uint32_t>(std::lround((g - g_min_) / step));
        return Goal{static_cast<float>(g_min_ + step * k), k};
      },
      [](CellState& c, const Goal& goal) {
        c.g = goal.g;
        c.level = goal.level;
      },
      [](const CellState& c, const Goal& goal) {
        return std::abs(static_cast<double>(c.g) - static_cast<double>(goal.g));
      });
}

XBARSIM_REGISTER(DeviceRegistry, "ideal", IdealDevice)

}  // namespace xbarsim::devices
