// Ideal synapse: programs exactly the requested conductance (optionally snapped to N evenly
// spaced levels), never drifts and reads without noise; the baseline of every comparison.
// Source: none needed (exact arithmetic); docs/devices/ideal.md.
// CellState use: g = programmed conductance (S); level = level index when quantized; u, q unused.
#pragma once

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::devices {

// Stateless exact-value device model.
class IdealDevice final : public Device {
 public:
  // Reads the `device:` section (keys in docs/devices/ideal.md).
  explicit IdealDevice(const Params& p);

  std::string_view name() const override { return "ideal"; }
  int levels() const override { return levels_; }
  double g_min() const override { return g_min_; }
  double g_max() const override { return g_max_; }
  double level_conductance(int k) const override {
    return levels_ > 1 ? g_min_ + (g_max_ - g_min_) * k / (levels_ - 1) : g_min_;
  }
  int devices_per_weight() const override { return devices_per_weight_; }

  void initialize(std::span<CellState> cells, Rng& rng) const override;
  void conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const override;
  void read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const override;
  bool has_read_noise() const override { return false; }
  // Sets G = clip(target, g_min, g_max) (snapped to the nearest level when levels > 0).
  ProgramTally do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                          std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                          std::span<std::uint16_t> attempts) const override;

  double energy_per_pulse_J(const ProgramOptions&) const override { return energy_per_pulse_J_; }
  double energy_per_verify_read_J() const override { return verify_read_energy_J_; }
  double pulse_width_s(const ProgramOptions&) const override { return pulse_width_s_; }
  double read_pulse_width_s() const override { return read_pulse_width_s_; }
  double read_voltage_V() const override { return read_voltage_V_; }

 private:
  double g_min_ = 0.0;
  double g_max_ = 0.0;
  int levels_ = 0;
  int devices_per_weight_ = 1;
  double energy_per_pulse_J_ = 0.0;
  double pulse_width_s_ = 0.0;
  double read_pulse_width_s_ = 0.0;
  double read_voltage_V_ = 0.0;
  double verify_read_energy_J_ = 0.0;
};

}  // namespace xbarsim::devices
