// PCM synapse: the statistical inference model of Joshi et al. 2020 (programming noise, drift
// with a per-device exponent, 1/f read noise, global drift compensation) and the SET-step
// training model of Nandakumar et al. 2020 (steps shrink as conductance grows, cycle-to-cycle
// noise, two devices per weight, refresh).
//
// Sources: V. Joshi, M. Le Gallo et al., "Accurate deep neural network inference using
// computational phase-change memory", Nat. Commun. 11, 2473 (2020), with the fits as implemented
// in IBM aihwkit (PCMLikeNoiseModel); S. R. Nandakumar et al., "Mixed-precision deep learning
// based on computational memory", Front. Neurosci. 14:406 (2020), arXiv:2001.11773, with
// aihwkit's fit (PCMPresetDevice, an ExpStepDevice). Equations: docs/devices/pcm.md.
//
// With u_T = G_T / g_max (target), u = G / g_max:
// t is the time since programming completed (aihwkit's t_inference); the fit's clock, the time
// since the last programming pulse, is t + t0 (G_prog is the conductance read t0 after it):
//   programming  G_prog = max(G_T + s N(0,1), 0), s = max(c0 + c1 u_T + c2 u_T^2, 0) uS * g_max / 25 uS
//   drift        G(t) = G_prog ((t + t0) / t0)^(-nu), nu = |N(mu, sigma)|,
//                mu = clamp(m1 ln u_T + m0, mu_lo, mu_hi), sigma = clamp(s1 ln u_T + s0, ...)
//   read noise   G_read = G(t) + |G(t)| Q sqrt(max(ln((t + t0 + t_read) / (2 t_read)), 0)) N(0,1),
//                Q = min(q0 / u_prog^q1, q_max) with u_prog = G_prog / g_max; clipped at 0
// (aihwkit src/aihwkit/inference/noise/pcm.py, PCMLikeNoiseModel; docs/validation.md compares
// the statistics with it).
//   SET pulse    du = step max(1 - A exp(gamma (2 a u + b)), 0),
//                u += du + c2c (|du| + c2c_add + c2c_slope u) N(0,1), clipped to [0, 1]
// CellState use: g = G_prog (S), u = nu, q = Q; level unused.
#pragma once

#include <array>
#include <vector>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::devices {

// Stateless statistical PCM model (inference statistics + SET-step training model).
class PcmDevice final : public Device, public PulseUpdate, public PairRefresh {
 public:
  // Reads the `device:` section (keys in docs/devices/pcm.md).
  explicit PcmDevice(const Params& p);

  std::string_view name() const override { return "pcm"; }
  int levels() const override { return 0; }
  double g_min() const override { return 0.0; }
  double g_max() const override { return g_max_; }
  // Analog device: level k of a notional 2-level grid (0 -> 0 S, 1 -> g_max).
  double level_conductance(int k) const override { return k == 0 ? 0.0 : g_max_; }
  int devices_per_weight() const override { return devices_per_weight_; }

  void initialize(std::span<CellState> cells, Rng& rng) const override;
  // time_s: time since the cells' programming completed, s (aihwkit's t_inference; all cells of
  // the call programmed together, as in Joshi et al. and aihwkit). The drift and 1/f laws see
  // time_s + t0.
  void conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const override;
  void read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const override;
  bool has_read_noise() const override { return read_noise_scale_ > 0.0; }
  // Programs to target_S (clipped to [0, g_max]) with the programming-noise statistics; draws
  // the cell's drift exponent (from the target) and sets its read-noise factor Q from the
  // programmed conductance G_prog (as aihwkit). One attempt costs pulses_per_program pulses.
  ProgramTally do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                          std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                          std::span<std::uint16_t> attempts) const override;

  double energy_per_pulse_J(const ProgramOptions&) const override { return energy_per_pulse_J_; }
  double energy_per_verify_read_J() const override { return verify_read_energy_J_; }
  double pulse_width_s(const ProgramOptions&) const override { return pulse_width_s_; }
  double read_pulse_width_s() const override { return read_pulse_width_s_; }
  double read_voltage_V() const override { return read_voltage_V_; }

  // --- statistics of the inference model (exposed for tests and docs), u_T = G_T / g_max ---
  double programming_sigma_S(double g_target_S) const;
  double drift_mu(double g_target_S) const;
  double drift_sigma(double g_target_S) const;
  // Q of a device whose (programmed) conductance is g_S.
  double read_noise_q(double g_S) const;
  // sqrt(max(ln((t + t0 + t_read) / (2 t_read)), 0)): the time factor of the 1/f read noise.
  double read_noise_time_factor(double time_s) const;
  double t0_s() const { return t0_s_; }

  // Capabilities: SET-pulse updates, pair refresh, and the global drift compensation readout
  // (Joshi et al.; aihwkit GlobalDriftCompensation: r = sum |y|, alpha = r_ref / r_now).
  const PulseUpdate* pulse_update() const override { return this; }
  const PairRefresh* pair_refresh() const override { return this; }
  const DriftReadout* drift_readout() const override { return &drift_readout_; }

  // --- SET-step training model (Nandakumar et al. 2020) ---
  // Applies n_pulses[i] SET pulses to cells[cell_index[i]] (one-directional: conductance only
  // grows). Sets nu = 0 (no drift during training) and Q from the new conductance.
  ProgramTally apply_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                            std::span<const std::uint16_t> n_pulses, Rng& rng) const override;
  // Mean conductance increase of one SET pulse at conductance g_S, S.
  double mean_step_S(double g_S) const override;
  // Standard deviation of that increase (cycle-to-cycle noise), S:
  // c2c_std (du + c2c_add + c2c_slope u) g_max with du the mean step, both in units of g_max
  // (before the clip to [0, g_max]).
  double step_std_S(double g_S) const override;
  // Refresh of differential pairs (plus[i], minus[i]) for i in pair_index: when the larger
  // device exceeds refresh_upper * g_max and the smaller exceeds refresh_lower * g_max, both are
  // read, RESET, and the difference is rewritten on one device with SET pulses, each followed by
  // a read, until it reaches the difference (at most refresh_max_pulses). Returns the tally;
  // program_events counts the pairs refreshed.
  ProgramTally refresh(std::span<CellState> plus, std::span<CellState> minus, std::span<const std::uint32_t> pair_index,
                       Rng& rng) const override;

 private:
  void set_pulse(CellState& c, Rng& rng) const;
  void reset(CellState& c, Rng& rng) const;

  GlobalDriftReadout drift_readout_;
  double g_max_ = 0.0;
  int devices_per_weight_ = 2;
  std::vector<double> prog_coeff_;  // c0, c1, c2 ... (uS at g_max = 25 uS)
  double prog_noise_scale_ = 1.0;
  std::array<double, 4> drift_mu_{};     // m1 (slope on ln u), m0, lo, hi
  std::array<double, 4> drift_sigma_{};  // s1, s0, lo, hi
  double drift_scale_ = 1.0;
  std::array<double, 3> q_{};  // q0, q1 (exponent), q_max
  double read_noise_scale_ = 1.0;
  double t0_s_ = 0.0;
  double t_read_s_ = 0.0;
  double energy_per_pulse_J_ = 0.0;
  std::uint32_t pulses_per_program_ = 1;
  double pulse_width_s_ = 0.0;
  double read_voltage_V_ = 0.0;
  double read_pulse_width_s_ = 0.0;
  double verify_read_energy_J_ = 0.0;
  // SET-step model, in units of g_max.
  double set_step_ = 0.0;
  double set_a_ = 0.0;
  double set_b_ = 0.0;
  double set_A_ = 0.0;
  double set_gamma_ = 0.0;
  double c2c_std_ = 0.0;
  double c2c_add_ = 0.0;
  double c2c_slope_ = 0.0;
  double reset_u_ = 0.0;
  double reset_std_u_ = 0.0;
  double refresh_upper_ = 0.0;
  double refresh_lower_ = 0.0;
  int refresh_max_pulses_ = 0;
};

}  // namespace xbarsim::devices
