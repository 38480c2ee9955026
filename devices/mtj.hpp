// MTJ synapse: a binary magnetic tunnel junction (R_P / R_AP) with stochastic spin-torque
// switching; a ternary synapse {-1, 0, +1} is two of them (devices_per_weight() == 2).
//
// Sources: T. Greenberg-Toledo, B. Perach, I. Hubara, D. Soudry, S. Kvatinsky, "Training of
// Quantized Deep Neural Networks using a Magnetic Tunnel Junction-Based Synapse",
// arXiv:1912.12636 (ternary synapse from two MTJs, GXNOR training). Switching statistics: the
// textbook thermal (Neel-Brown) and precessional (Sun, PRB 62, 570 (2000)) regimes; the
// precessional switching-probability law follows from a thermally distributed initial angle
// (Butler et al., IEEE Trans. Magn. 48, 4684 (2012)). Equations: docs/devices/mtj.md.
//
// Switching probability of one pulse of current I and width t (i = I / Ic0):
//   i < 1  (thermal)       P = 1 - exp(-t / tau),  tau = tau0 exp(Delta (1 - i))
//   i >= 1 (precessional)  t_sw(theta) = tau0 ln(pi / (2 theta)) / (i - 1), theta^2 ~ Exp(mean
//                          1/Delta)  =>  P = exp(-(pi^2 Delta / 4) exp(-2 (i - 1) t / tau0))
// Energy per write pulse E = I^2 R_write t, R_write = (R_P + R_AP) / 2.
// CellState use: level 0 = AP (G = 1/R_AP = g_min), 1 = P (G = 1/R_P = g_max); g = G(level);
// u, q unused.
#pragma once

#include <array>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::devices {

// Stateless stochastic binary MTJ model (ternary synapse = a pair of cells).
class MtjDevice final : public Device, public StochasticSwitching, public TernaryPair {
 public:
  // Reads the `device:` section (keys in docs/devices/mtj.md).
  explicit MtjDevice(const Params& p);

  std::string_view name() const override { return "mtj"; }
  int levels() const override { return 2; }
  double g_min() const override { return g_ap_; }
  double g_max() const override { return g_p_; }
  double level_conductance(int k) const override { return k == 0 ? g_ap_ : g_p_; }
  int devices_per_weight() const override { return ternary_ ? 2 : 1; }

  void initialize(std::span<CellState> cells, Rng& rng) const override;
  void conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const override;
  void read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const override;
  bool has_read_noise() const override { return false; }
  // One pulse per attempt with opts' current and width (card defaults when 0). A pulse on a
  // cell already in the target state costs its energy and changes nothing.
  ProgramTally do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                          std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                          std::span<std::uint16_t> attempts) const override;

  double energy_per_pulse_J(const ProgramOptions& opts) const override;
  double energy_per_verify_read_J() const override { return verify_read_energy_J_; }
  double pulse_width_s(const ProgramOptions& opts) const override {
    return opts.pulse_width_s > 0.0 ? opts.pulse_width_s : write_pulse_width_s_;
  }
  double read_pulse_width_s() const override { return read_pulse_width_s_; }
  double read_voltage_V() const override { return read_voltage_V_; }
  // Each read switches an AP cell to P with read_disturb_probability (the read current favours
  // P); after k reads a cell in AP has flipped with probability 1 - (1 - p)^k.
  std::uint64_t read_disturb(std::span<CellState> cells, std::uint32_t reads_per_cell, Rng& rng) const override;

  // Probability that one pulse of current_A (A, > 0) and width_s (s, >= 0) switches the MTJ.
  double switching_probability(double current_A, double width_s) const;
  // Inverse: pulse width (s) at current_A that switches with probability p in [0, 1); returns 0
  // when even a zero-width pulse reaches p (precessional floor exp(-pi^2 Delta / 4)).
  double pulse_width_for_probability(double p, double current_A) const override;
  // Mean switching time at current_A, s: tau (thermal) or
  // tau0 (ln(pi / 2) + (ln Delta + gamma_Euler) / 2) / (i - 1) (precessional; the mean of t_sw
  // over the thermal initial angle, i.e. theta0 = exp(-gamma_Euler / 2) / sqrt(Delta)).
  double mean_switching_time(double current_A) const;
  // Card defaults.
  double write_current_A() const { return write_current_A_; }
  double default_write_current_A() const override { return write_current_A_; }
  double critical_current_A() const { return ic0_A_; }

  // Ternary synapse: target conductances of (plus, minus) for weight w in {-1, 0, +1}:
  // +1 = (P, AP), 0 = (AP, AP), -1 = (AP, P).
  std::array<float, 2> ternary_targets(int w) const;
  // Weight of a (plus, minus) pair: level(plus) - level(minus).
  static int ternary_weight(const CellState& plus, const CellState& minus) {
    return static_cast<int>(plus.level) - static_cast<int>(minus.level);
  }

  // Capabilities: stochastic switching always; a ternary pair when devices_per_weight() == 2.
  const StochasticSwitching* stochastic_switching() const override { return this; }
  const TernaryPair* ternary_pair() const override { return ternary_ ? this : nullptr; }
  int pair_weight(const CellState& plus, const CellState& minus) const override { return ternary_weight(plus, minus); }
  // A +1 step switches G- P -> AP if it is P, else G+ AP -> P; a -1 step the mirror image.
  bool step(int direction, std::uint32_t& plus_level, std::uint32_t& minus_level, int& device,
            std::uint32_t& to_level) const override;

 private:
  double g_p_ = 0.0;
  double g_ap_ = 0.0;
  double r_write_ = 0.0;
  double delta_ = 0.0;
  double tau0_s_ = 0.0;
  double ic0_A_ = 0.0;
  double write_current_A_ = 0.0;
  double write_pulse_width_s_ = 0.0;
  double read_voltage_V_ = 0.0;
  double read_pulse_width_s_ = 0.0;
  double read_disturb_p_ = 0.0;
  double verify_read_energy_J_ = 0.0;
  bool ternary_ = false;
};

}  // namespace xbarsim::devices
