// Domain-wall synapse: N pinning sites along a track, stochastic final wall position per
// programming event, conductance from the wall position.
//
// Source: W. Al Misba, M. Lozano, D. Querlioz, J. Atulasimha, "Energy Efficient Learning with Low
// Resolution Stochastic Domain Wall Synapse Based Deep Neural Networks", arXiv:2111.07284 (IEEE
// Access 10, 2022); energy per event from W. Al Misba et al., arXiv:2010.10076 (IEEE TED 2021).
// Equations and parameter table: docs/devices/domain_wall.md.
//
// Model (per cell, u = wall position / track length in [0, 1]):
//   sites        x_k = k / (N - 1), k = 0..N-1 (site 0 at the low-conductance end)
//   conductance  G(u) = piecewise-linear through (x_k, G_k); by default G_k is linear between
//                G_min = 1 / (R_P (1 + TMR)) and G_max = 1 / R_P (parallel P and AP regions)
//   programming  with probability p_stuck the wall does not move; otherwise
//                u = clip(x_k + N(0, sigma_k / L), 0, 1)
// CellState use: g = G(u), u = wall position fraction, level = site of the last programming
// event that moved the wall (a stuck event leaves it); q unused.
#pragma once

#include <vector>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::devices {

// Stateless N-state stochastic domain-wall synapse model (Al Misba et al. 2022).
class DomainWallDevice final : public Device {
 public:
  // Reads the `device:` section (keys in docs/devices/domain_wall.md).
  explicit DomainWallDevice(const Params& p);

  std::string_view name() const override { return "domain_wall"; }
  int levels() const override { return static_cast<int>(site_g_.size()); }
  double g_min() const override { return site_g_.front(); }
  double g_max() const override { return site_g_.back(); }
  double level_conductance(int k) const override { return site_g_[static_cast<std::size_t>(k)]; }
  int devices_per_weight() const override { return devices_per_weight_; }

  void initialize(std::span<CellState> cells, Rng& rng) const override;
  void conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const override;
  void read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const override;
  bool has_read_noise() const override { return false; }
  ProgramTally do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                          std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                          std::span<std::uint16_t> attempts) const override;

  double energy_per_pulse_J(const ProgramOptions&) const override { return energy_per_event_J_; }
  double energy_per_verify_read_J() const override { return verify_read_energy_J_; }
  double pulse_width_s(const ProgramOptions&) const override { return pulse_width_s_; }
  double read_pulse_width_s() const override { return read_pulse_width_s_; }
  double read_voltage_V() const override { return read_voltage_V_; }

  // Site position of level k as a fraction of the track (x_k). Precondition: 0 <= k < levels().
  double site_position(int k) const { return site_u_[static_cast<std::size_t>(k)]; }
  // Spread of the achieved position at level k, as a fraction of the track (sigma_k / L).
  double site_sigma(int k) const { return site_sigma_u_[static_cast<std::size_t>(k)]; }
  // Track length, m.
  double track_length_m() const { return track_length_m_; }
  // Conductance at wall position u (fraction of the track, clipped to [0, 1]), S.
  double conductance_at(double u) const;
  // Index of the site whose nominal conductance is nearest to g_S (S).
  int nearest_site(double g_S) const;
  // Probability that a programming event leaves the wall where it was.
  double stuck_probability() const { return stuck_probability_; }

 private:
  std::vector<double> site_u_;        // x_k, fraction of the track
  std::vector<double> site_sigma_u_;  // sigma_k / L
  std::vector<double> site_g_;        // G_k, S (strictly increasing)
  std::vector<double> slope_;         // (G_{k+1} - G_k) per unit u, S
  double track_length_m_ = 0.0;
  double stuck_probability_ = 0.0;
  double energy_per_event_J_ = 0.0;
  double pulse_width_s_ = 0.0;
  double read_voltage_V_ = 0.0;
  double read_pulse_width_s_ = 0.0;
  double verify_read_energy_J_ = 0.0;
  int devices_per_weight_ = 1;
};

}  // namespace xbarsim::devices
