// Stochastic binary MTJ model; equations from the sources in the header.
#include "devices/mtj.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "devices/program_loop.hpp"

namespace xbarsim::devices {

using units::Dimension;

MtjDevice::MtjDevice(const Params& p) {
  ternary_ = p.choice_or("synapse", {"binary", "ternary"}, "binary") == "ternary";
  const double r_p = p.quantity_or("r_p", Dimension::kResistance, "10 kOhm", 1e-3);
  const double tmr = p.real_or("tmr", 1.0, 1e-6);
  delta_ = p.real_or("delta", 40.0, 1e-3);
  tau0_s_ = p.quantity_or("tau0", Dimension::kTime, "1 ns", 1e-18);
  ic0_A_ = p.quantity_or("ic0", Dimension::kCurrent, "50 uA", 1e-12);
  write_current_A_ = p.quantity_or("write_current", Dimension::kCurrent, "100 uA", 1e-12);
  write_pulse_width_s_ = p.quantity_or("write_pulse_width", Dimension::kTime, "5 ns", 0.0);
  read_voltage_V_ = p.quantity_or("read_voltage", Dimension::kVoltage, "0.1 V", 0.0);
  read_pulse_width_s_ = p.quantity_or("read_pulse_width", Dimension::kTime, "10 ns", 0.0);
  read_disturb_p_ = p.real_or("read_disturb_probability", 0.0, 0.0, 1.0);
  g_p_ = 1.0 / r_p;
  g_ap_ = 1.0 / (r_p * (1.0 + tmr));
  r_write_ = 0.5 * (r_p + r_p * (1.0 + tmr));
  verify_read_energy_J_ = read_voltage_V_ * read_voltage_V_ * 0.5 * (g_p_ + g_ap_) * read_pulse_width_s_;
}

double MtjDevice::switching_probability(double current_A, double width_s) const {
  if (current_A <= 0.0 || width_s <= 0.0) return 0.0;
  const double i = current_A / ic0_A_;
  if (i < 1.0) {
    const double tau = tau0_s_ * std::exp(delta_ * (1.0 - i));
    return -std::expm1(-width_s / tau);
  }
  const double a = std::numbers::pi * std::numbers::pi * delta_ / 4.0;
  return std::exp(-a * std::exp(-2.0 * (i - 1.0) * width_s / tau0_s_));
}

double MtjDevice::pulse_width_for_probability(double p, double current_A) const {
  if (p <= 0.0 || current_A <= 0.0) return 0.0;
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  const double i = current_A / ic0_A_;
  if (i < 1.0) {
    const double tau = tau0_s_ * std::exp(delta_ * (1.0 - i));
    return -tau * std::log1p(-p);
  }
  const double a = std::numbers::pi * std::numbers::pi * delta_ / 4.0;
  const double ratio = a / -std::log(p);
  if (ratio <= 1.0) return 0.0;
  return tau0_s_ / (2.0 * (i - 1.0)) * std::log(ratio);
}

double MtjDevice::mean_switching_time(double current_A) const {
  const double i = current_A / ic0_A_;
  if (i < 1.0) return tau0_s_ * std::exp(delta_ * (1.0 - i));
  return tau0_s_ * (std::log(std::numbers::pi / 2.0) + 0.5 * (std::log(delta_) + std::numbers::egamma)) / (i - 1.0);
}

double MtjDevice::energy_per_pulse_J(const ProgramOptions& opts) const {
  const double current = opts.pulse_current_A > 0.0 ? opts.pulse_current_A : write_current_A_;
  return current * current * r_write_ * pulse_width_s(opts);
}

std::array<float, 2> MtjDevice::ternary_targets(int w) const {
  const auto p = static_cast<float>(g_p_);
  const auto ap = static_cast<float>(g_ap_);
  if (w > 0) return {p, ap};
  if (w < 0) return {ap, p};
  return {ap, ap};
}

bool MtjDevice::step(int direction, std::uint32_t& plus_level, std::uint32_t& minus_level, int& device,
                     std::uint32_t& to_level) const {
  std::uint32_t& toward = direction > 0 ? minus_level : plus_level;  // leaves P first
  std::uint32_t& away = direction > 0 ? plus_level : minus_level;    // then goes to P
  if (toward == 1U) {
    toward = 0U;
    device = direction > 0 ? 1 : 0;
    to_level = 0U;
    return true;
  }
  if (away == 0U) {
    away = 1U;
    device = direction > 0 ? 0 : 1;
    to_level = 1U;
    return true;
  }
  return false;  // at the bound
}

void MtjDevice::initialize(std::span<CellState> cells, Rng& /*rng*/) const {
  const CellState fresh{static_cast<float>(g_ap_), 0.0F, 0.0F, 0U};
  std::fill(cells.begin(), cells.end(), fresh);
}

void MtjDevice::conductance(std::span<const CellState> cells, std::span<float> g_out, double /*time_s*/) const {
  const std::size_t n = cells.size();
  const CellState* c = cells.data();
  float* out = g_out.data();
  for (std::size_t i = 0; i < n; ++i) out[i] = c[i].g;
}

void MtjDevice::read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& /*rng*/) const {
  conductance(cells, g_out, time_s);
}

ProgramTally MtjDevice::do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                   std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                                   std::span<std::uint16_t> attempts) const {
  const double current = opts.pulse_current_A > 0.0 ? opts.pulse_current_A : write_current_A_;
  const double width = pulse_width_s(opts);
  const double p_switch = switching_probability(current, width);
  const detail::AttemptCost cost{energy_per_pulse_J(opts), 1, width, verify_read_energy_J_, read_pulse_width_s_};
  const double threshold = 0.5 * (g_p_ + g_ap_);
  const auto gp = static_cast<float>(g_p_);
  const auto gap = static_cast<float>(g_ap_);
  return detail::program_loop(
      cells, cell_index, target_S, opts, attempts, opts.tolerance * (g_p_ - g_ap_), cost,
      [threshold](float target) { return target >= threshold ? 1U : 0U; },
      [&](CellState& c, std::uint32_t s) {
        if (c.level != s && rng.uniform() < p_switch) {
          c.level = s;
          c.g = s == 1U ? gp : gap;
        }
      },
      [](const CellState& c, std::uint32_t s) { return c.level == s ? 0.0 : 1e300; });
}

std::uint64_t MtjDevice::read_disturb(std::span<CellState> cells, std::uint32_t reads_per_cell, Rng& rng) const {
  if (read_disturb_p_ <= 0.0 || reads_per_cell == 0) return 0;
  const double p = -std::expm1(static_cast<double>(reads_per_cell) * std::log1p(-read_disturb_p_));
  std::uint64_t flipped = 0;
  const auto gp = static_cast<float>(g_p_);
  for (CellState& c : cells) {
    if (c.level == 0U && rng.uniform() < p) {
      c.level = 1U;
      c.g = gp;
      ++flipped;
    }
  }
  return flipped;
}

XBARSIM_REGISTER(DeviceRegistry, "mtj", MtjDevice)

}  // namespace xbarsim::devices
