// Measured-response synapse: a device programmed by identical potentiation (LTP) and depression
// (LTD) pulses - an RRAM or any other pulse-programmed synapse - described by its conductance
// against pulse number, either by the nonlinearity model of NeuroSim or by a table of measured
// points. Also reads such measurements (CSV) and fits the model to them (`xbarsim fit-device`).
//
// Sources: P.-Y. Chen, X. Peng, S. Yu, "NeuroSim: A circuit-level macro model for benchmarking
// neuro-inspired architectures in online learning", IEEE TCAD 37(12), 3067-3080 (2018),
// eqs. (8)-(10) and Table I; the nonlinearity labels (normalized A per label), the cycle-to-cycle
// noise as a fraction of the conductance range, the read noise and the piecewise-linear measured
// tables as implemented in NeuroSim's RealDevice and MeasuredDevice (MLP+NeuroSim V3.0 and
// DNN+NeuroSim, github.com/neurosim: Cell.cpp, formula.cpp). Equations, keys and sources:
// docs/devices/measured_response.md.
//
// Per direction d (LTP, LTD), with the range R = g_max - g_min and P_d pulses across it:
//   curve      G_d(P) = g_min + B_d (1 - exp(-P / A_d)),  B_d = R / (1 - exp(-P_d / A_d)),
//              P in [0, P_d] (G_d(0) = g_min, G_d(P_d) = g_max); A_d = a(NL_d) P_d from the
//              nonlinearity label NL_d in [-9, 9]: the sign of A is the label's, and label 0 is
//              the line g_min + R P / P_d. a(NL) solves max_x [phi_a(x) - x] = 0.07 sqrt(2) |NL|,
//              phi_a(x) = (1 - e^(-x/a)) / (1 - e^(-1/a)) (reproduces NeuroSim's table).
//              NeuroSim's convention: LTP > 0 and LTD < 0 both saturate toward their end.
//   one pulse  from the position of the present conductance on the direction's curve, LTP moves
//              P -> P + 1 along G_LTP, LTD moves P -> P - 1 along G_LTD: for the exponential
//              curve the affine map G' = G_inf + (G - G_inf) exp(-/+ 1 / A_d), G_inf = g_min + B_d;
//              then G' += sigma R N(0, 1) (cycle-to-cycle noise), clipped to [g_min, g_max].
//   table      G_d(P) piecewise linear through the measured points, the LTD sweep counted from its
//              start (d = 0 at g_max: P = P_LTD - d); beyond the points the end segments continue.
//   read       G (1 + sigma_read N(0, 1)), clipped at 0 (default sigma_read = 0: no read noise).
// CellState use: g = conductance (S); u, q and level unused (0).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "devices/device.hpp"

namespace xbarsim::devices {

// NeuroSim's normalized A (A / P_max) of the nonlinearity label `nl`: the a > 0 (nl > 0) or
// a < 0 (nl < 0) whose normalized curve phi_a deviates from the diagonal by at most
// 0.07 sqrt(2) |nl|; +infinity for nl = 0 (the line). Precondition: |nl| <= 9.
double neurosim_normalized_a(double nl);
// phi_a(x) = (1 - e^(-x/a)) / (1 - e^(-1/a)) for a finite nonzero a, x for an infinite a.
double normalized_curve(double x, double a);

// One measured point of a pulse response (CSV row): direction, pulse number counted from the
// start of its sweep (LTP from g_min, LTD from g_max), conductance in S, and its line in the file.
struct PulsePoint {
  bool ltp = true;
  int pulse = 0;
  double g_S = 0.0;
  int line = 0;
};

// The points of a pulse-response CSV, in file order.
struct PulseResponseData {
  std::string file;
  std::vector<PulsePoint> points;
};

// Reads a CSV of measured pulse responses (docs/devices/measured_response.md, "Data"): a header
// `direction,pulse,conductance_<unit>` (unit S, mS, uS, nS or pS), then rows `ltp|ltd,PULSE,G`;
// blank lines and lines starting with '#' are skipped. Throws DataError with one line naming the
// file, the line, the column and what was expected.
PulseResponseData read_pulse_response_csv(const std::filesystem::path& file);

// The nonlinearity model fitted to measured points (fit_pulse_response).
struct PulseResponseFit {
  double g_min_S = 0.0;
  double g_max_S = 0.0;
  int pulses_ltp = 0;  // P_max of each direction: the last pulse number of its sweeps
  int pulses_ltd = 0;
  double nonlinearity_ltp = 0.0;
  double nonlinearity_ltd = 0.0;
  // Cycle-to-cycle noise (fraction of the range, per pulse) from the one-step residuals of
  // consecutive points of a sweep; 0 when no two points follow each other (steps == 0).
  double cycle_to_cycle = 0.0;
  std::size_t steps = 0;
  std::size_t points_ltp = 0;
  std::size_t points_ltd = 0;
  double rms_S = 0.0;         // residual RMS over all points, S
  double rms_fraction = 0.0;  // the same as a fraction of g_max - g_min
  // First-order standard errors: least squares under the model's per-pulse noise (each sweep a
  // path of the pulse map with noise cycle_to_cycle, the residuals correlated along it).
  double se_g_min_S = 0.0;
  double se_g_max_S = 0.0;
  double se_nonlinearity_ltp = 0.0;
  double se_nonlinearity_ltd = 0.0;
};

// Least-squares fit of the nonlinearity model to the points: P_max of each direction from the
// data, the labels by a grid over [-9, 9] refined by golden-section search, g_min and g_max in
// closed form for each pair of labels. Throws DataError (one line, naming the file) when a
// direction has fewer than two pulse numbers or the data do not rise with LTP pulses.
PulseResponseFit fit_pulse_response(const PulseResponseData& data);

// Stateless pulse-programmed synapse model (see the header comment).
class MeasuredResponseDevice final : public Device, public PulseUpdate, public PulseDepression, public PairRefresh {
 public:
  // Reads the `device:` section (keys in docs/devices/measured_response.md).
  explicit MeasuredResponseDevice(const Params& p);

  std::string_view name() const override { return "measured_response"; }
  // Analog: the pulse grid of the curves plus cycle-to-cycle noise, reached through program().
  int levels() const override { return 0; }
  double g_min() const override { return g_min_; }
  double g_max() const override { return g_max_; }
  double level_conductance(int k) const override { return k == 0 ? g_min_ : g_max_; }
  int devices_per_weight() const override { return devices_per_weight_; }

  // Fresh devices sit at g_min.
  void initialize(std::span<CellState> cells, Rng& rng) const override;
  void conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const override;
  void read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const override;
  bool has_read_noise() const override { return read_sigma_ > 0.0; }
  // Write-verify through pulses: each attempt applies the LTP (target above) or LTD (below)
  // pulses that bring the expected conductance nearest the target (clipped to [g_min, g_max]),
  // then, with opts.verify, reads back; it retries while outside the tolerance, at most
  // opts.max_attempts attempts, and stops when no pulse brings the expected value nearer.
  ProgramTally do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                          std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                          std::span<std::uint16_t> attempts) const override;

  double energy_per_pulse_J(const ProgramOptions&) const override { return energy_per_pulse_J_; }
  double energy_per_verify_read_J() const override { return energy_per_read_J_; }
  double pulse_width_s(const ProgramOptions&) const override { return pulse_width_s_; }
  double read_pulse_width_s() const override { return read_pulse_width_s_; }
  double read_voltage_V() const override { return read_voltage_V_; }

  const PulseUpdate* pulse_update() const override { return this; }
  const PairRefresh* pair_refresh() const override { return this; }
  const PulseDepression* pulse_depression() const override { return this; }

  // LTP pulses (PulseUpdate): n_pulses[i] potentiation pulses on cells[cell_index[i]].
  ProgramTally apply_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                            std::span<const std::uint16_t> n_pulses, Rng& rng) const override;
  // LTD pulses (PulseDepression): n_pulses[i] depression pulses on cells[cell_index[i]].
  ProgramTally apply_depression_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                       std::span<const std::uint16_t> n_pulses, Rng& rng) const override;
  // Expected decrease of one LTD pulse at conductance g_S (clipped to [g_min, g_max] first), S:
  // the LTD curve continued below g_min, so it is > 0 everywhere (a device at g_min clips).
  double mean_depression_step_S(double g_S) const override;
  // Expected change of one LTP pulse at conductance g_S (clipped to [g_min, g_max] first), S:
  // the curve continued beyond g_max, so it is > 0 everywhere (a device at g_max clips).
  double mean_step_S(double g_S) const override;
  // Its standard deviation, sigma R (the same at every conductance), S.
  double step_std_S(double g_S) const override;
  // Refresh of differential pairs (plus[i], minus[i]) for i in pair_index whose larger device is
  // above g_min + refresh_upper R and smaller above g_min + refresh_lower R: both read, both
  // depressed to g_min (the LTD pulses the expected curve needs from the value read), the
  // depressed reference device read, and the difference rewritten on one device with LTP pulses
  // each followed by a read until it is within half a step (at most refresh_max_pulses).
  ProgramTally refresh(std::span<CellState> plus, std::span<CellState> minus, std::span<const std::uint32_t> pair_index,
                       Rng& rng) const override;

  // Pulses across the range per direction (P_LTP, P_LTD) and whether the curves are tables.
  int pulses_ltp() const { return pulses_ltp_; }
  int pulses_ltd() const { return pulses_ltd_; }
  bool from_table() const { return !ltp_.table.empty(); }
  // Expected conductance after one LTP (ltp) or LTD pulse from g_S, before the clip, S.
  double expected_after_pulse(bool ltp, double g_S) const { return ltp ? ltp_.next(g_S) : ltd_.next(g_S); }

 private:
  // One direction's pulse map: G' = alpha G + beta (model), or a table G(P), P = 0 .. n,
  // increasing, walked by `step` (+1 LTP, -1 LTD) pulse positions per pulse.
  struct Curve {
    double alpha = 1.0;
    double beta = 0.0;
    std::vector<double> table;
    int step = 1;
    double next(double g) const;
    double position(double g) const;  // table: P of conductance g (piecewise-linear inverse)
    double value(double x) const;     // table: G at position x
  };

  ProgramTally pulse_cells(const Curve& c, std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                           std::span<const std::uint16_t> n_pulses, Rng& rng) const;
  // One pulse of curve c on a device at g (S), noise and clip included; returns the new g.
  double pulse(const Curve& c, double g, Rng& rng) const;
  // The pulses of one direction that bring the expected conductance from g nearest `target`
  // (0 when none brings it nearer); `ltp` receives the direction.
  int pulses_toward(double g, double target, bool& ltp) const;
  void read_table(const Params& p);

  Curve ltp_;
  Curve ltd_;
  double g_min_ = 0.0;
  double g_max_ = 0.0;
  int pulses_ltp_ = 0;
  int pulses_ltd_ = 0;
  double sigma_S_ = 0.0;  // cycle-to-cycle sd per pulse, S
  double read_sigma_ = 0.0;
  int devices_per_weight_ = 2;
  double energy_per_pulse_J_ = 0.0;
  double pulse_width_s_ = 0.0;
  double read_voltage_V_ = 0.0;
  double read_pulse_width_s_ = 0.0;
  double energy_per_read_J_ = 0.0;
  double refresh_upper_ = 0.0;
  double refresh_lower_ = 0.0;
  int refresh_max_pulses_ = 0;
};

}  // namespace xbarsim::devices
