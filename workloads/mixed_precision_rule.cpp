// Mixed-precision in-situ training of pulse-updated synapses (PCM): the weight updates
// accumulate digitally in a high-precision variable chi per weight (SRAM accumulator); when
// |chi| reaches the device granularity eps, SET pulses are applied to G+ (chi > 0) or G-
// (chi < 0) and the change they make (expected, or read back) is subtracted from chi; the pairs
// are refreshed periodically when both devices have grown.
//
// Source: S. R. Nandakumar, M. Le Gallo, C. Piveteau, V. Joshi, G. Mariani, I. Boybat,
// G. Karunaratne, R. Khaddam-Aljameh, U. Egger, A. Petropoulos, T. Antonakopoulos, B. Rajendran,
// A. Sebastian, E. Eleftheriou, "Mixed-precision deep learning based on computational memory",
// Front. Neurosci. 14:406 (2020), arXiv:2001.11773; the step model is the device's PulseUpdate
// (PCM: aihwkit's PCMPresetDevice fit); docs/training/mixed_precision.md. Any device with the
// PulseUpdate and PairRefresh capabilities in differential pairs can be trained this way.
//
// Per weight and mini-batch, in normalized weight units (a weight of 1 is G+ - G- = g_max):
//   chi += -learning_rate_scale x lr x dLoss/dw,  clipped to [-chi_max, chi_max]
//   device d = G+ if chi > 0 else G-, at conductance G;  eps = E[dG of one SET pulse at G] / g_max
//   if |chi| >= eps:  n pulses along the expected trajectory (below), n SET pulses on d,
//                     chi -= sign(chi) x (change of the n pulses)
// The expected step shrinks as G grows (PulseUpdate::mean_step_S), so the pulse count is taken
// along the expected trajectory G_0 = G, G_{j+1} = min(G_j + E[dG](G_j), g_max), m_j = (G_{j+1} -
// G_j) / g_max; pulse j + 1 is added while r_j = |chi| - sum_{i<j} m_i >= t_j:
//   pulse_rule round:     t_j = eps_j / 2 (a constant step gives n = round(chi / eps) and the
//                         remainder chi - n eps exactly: Nandakumar et al.'s rule)
//   pulse_rule min_error: t_j = m_j / 2 + s_j^2 / (2 m_j), s_j the pulse's cycle-to-cycle sd
//                         (PulseUpdate::step_std_S) / g_max: the pulse lowers the expected
//                         squared weight error, E[(r_j - dW)^2] = (r_j - m_j)^2 + s_j^2 < r_j^2;
//                         s = 0 gives the round rule
// and the first pulse needs |chi| >= eps_0 in both. chi_update says which change is subtracted:
//   expected: sum_{j<n} m_j (open loop, as the paper: the device noise stays unseen)
//   measured: (G_after - G_before) / g_max, the pulsed device read before and after (2 verify
//             reads; a device whose |chi| is below every threshold is not read): the device error
//             stays in chi and later pulses correct it; the refresh's rewrite error likewise.
// step_estimate says which step the count assumes:
//   trajectory: the device's expected step at its conductance, as above.
//   nominal:    one constant step mu_n = (g_max - g_min) / N for every pulse, N the expected
//               pulses from g_min to g_max (a linear device with the same number of levels), with
//               the spread s_n = the RMS of the card's spread over [g_min, g_max], and no
//               saturation at g_max: the count never depends on G, so nothing is read before the
//               pulses. This is the open-loop update of NeuroSim's in-situ training (P.-Y. Chen,
//               X. Peng, S. Yu, IEEE TCAD 37(12), 3067 (2018): pulses = dW / the linear step): the
//               device's nonlinearity goes unseen, each pulse moves it by its true step.
// Reads: when the step (or, with min_error, its spread) depends on G and the estimate is the
// trajectory, the count needs the device's conductance, so the device is read before its pulses
// in both chi updates (1 verify read); with a constant step (or nominal) the expected mode reads
// nothing.
// Every `refresh_every` mini-batches every pair is checked and refreshed (PairRefresh::refresh);
// chi is kept (measured: chi += w_before - w_after of the refreshed pairs).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/weight_access.hpp"
#include "workloads/chi_accumulator.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class MixedPrecisionRule final : public UpdateRule {
 public:
  MixedPrecisionRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer) : keys_(p) {
    (void)optimizer;  // the optimizer section sets the base learning rate (and the biases')
    const devices::Device& device = *spec.device;
    pulser_ = device.pulse_update();
    if (pulser_ == nullptr || device.pair_refresh() == nullptr || device.devices_per_weight() != 2) {
      p.fail("impl",
             "mixed_precision needs a device with pulse updates and pair refresh in differential pairs "
             "(e.g. device: {impl: pcm, devices_per_weight: 2})");
    }
    refresh_every_ = static_cast<int>(p.integer_or("refresh_every", 100, 0, 1000000));
    min_error_ = p.choice_or("pulse_rule", {"round", "min_error"}, "round") == "min_error";
    measured_ = p.choice_or("chi_update", {"expected", "measured"}, "expected") == "measured";
    const bool nominal = p.choice_or("step_estimate", {"trajectory", "nominal"}, "trajectory") == "nominal";
    g_max_ = device.g_max();
    unit_ = device.g_max() - device.g_min();
    if (nominal) set_nominal_step(p, device.g_min());
    // The smallest first-pulse threshold over [0, g_max] (checked on a grid, 1 % margin for what
    // falls between grid points): |chi| below it never fires, so those weights skip the per-cell
    // work (and, measured, the read).
    eps_floor_ = 1e300;
    double min_step = 1e300;
    for (int i = 0; i <= 1000; ++i) {
      eps_floor_ = std::min(eps_floor_, threshold(g_max_ * i / 1000.0, true));
      min_step = std::min(min_step, pulser_->mean_step_S(g_max_ * i / 1000.0));
    }
    eps_floor_ *= 0.99;
    if (!(min_step > 0.0)) p.fail("impl", "a pulse-step model with a positive expected step at every conductance");
    // The pulse count depends on the device's conductance when the step (or, for min_error,
    // its spread) does: then the pulsed device is read first (a verify read, charged). With a
    // constant step (Nandakumar et al.'s eps) no read is needed unless chi_update is measured.
    double max_step = 0.0, min_sd = 1e300, max_sd = 0.0;
    for (int i = 0; i < 1000; ++i) {
      const double g = g_max_ * i / 1000.0;
      max_step = std::max(max_step, pulser_->mean_step_S(g));
      min_sd = std::min(min_sd, pulser_->step_std_S(g));
      max_sd = std::max(max_sd, pulser_->step_std_S(g));
    }
    const bool step_varies = max_step - min_step > 1e-9 * max_step;
    const bool sd_varies = min_error_ && max_sd - min_sd > 1e-9 * max_sd;
    read_before_ = measured_ || (nominal_step_S_ == 0.0 && (step_varies || sd_varies));
  }

  // nominal: mu_n = (g_max - g_min) / N, N the expected pulses from g_min to g_max (the last one
  // counted by the fraction of its step that fits), and s_n the RMS spread over a 1000-point grid.
  void set_nominal_step(const Params& p, double g_min) {
    double g = g_min, pulses = 0.0;
    for (;;) {
      const double s = pulser_->mean_step_S(g);
      if (!(s > 0.0) || pulses > 1e7) p.fail("step_estimate", "a device that reaches g_max in at most 1e7 pulses");
      if (g + s >= g_max_) {
        pulses += (g_max_ - g) / s;
        break;
      }
      g += s;
      pulses += 1.0;
    }
    double sum_sq = 0.0;
    for (int i = 0; i <= 1000; ++i) {
      const double sd = pulser_->step_std_S(g_min + (g_max_ - g_min) * i / 1000.0);
      sum_sq += sd * sd;
    }
    nominal_step_S_ = (g_max_ - g_min) / pulses;
    nominal_std_S_ = std::sqrt(sum_sq / 1001.0);
  }

  void initialize(const arch::Topology& topology, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    chi_.initialize(topology, keys_.init_spread, rng, w);
    batches_done_ = 0;
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    arch::WeightAccess& weights = chip.weights();
    const auto step = static_cast<float>(-keys_.learning_rate_scale * lr);
    const auto cmax = static_cast<float>(keys_.chi_max);
    const auto floor = static_cast<float>(eps_floor_);
    pending_.clear();
    weights.clear();
    for (std::size_t l = 0; l < weights.layer_count(); ++l) {
      Eigen::MatrixXf& chi_l = chi_.accumulate(l, grads[l], step, cmax);
      weights.for_each_weight(l, [&](const arch::WeightSite& w) {
        float& chi = chi_l(w.output(), w.input());
        if (std::abs(chi) < floor) return;
        const int d = chi > 0.0F ? 0 : 1;  // G+ or G-
        const devices::CellState& cell = w.device(d);
        if (read_before_) weights.count_verify_reads(w);  // read before: its conductance sets the count
        double change = 0.0;
        const int n = pulses_for(std::abs(chi), cell.g, change);
        if (n == 0) return;
        if (measured_) {
          weights.count_verify_reads(w);  // read after the pulses
          pending_.push_back({&chi, &cell, cell.g, chi > 0.0F ? 1.0F : -1.0F});
        } else {
          chi -= static_cast<float>(chi > 0.0F ? change : -change);
        }
        weights.pulse(w, d, static_cast<std::uint16_t>(n));
      });
    }
    arch::ProgramReport report = weights.issue_pulses(arch::Phase::kUpdate);
    // Measured: subtract the change read back (the devices' states are updated in place).
    const auto inv_unit = static_cast<float>(1.0 / unit_);
    for (const Pending& q : pending_) *q.chi -= q.sign * (q.cell->g - q.g_before) * inv_unit;
    ++batches_done_;
    if (refresh_every_ > 0 && batches_done_ % refresh_every_ == 0) {
      if (measured_) snapshot(weights);
      const arch::ProgramReport r = weights.refresh_pairs(arch::Phase::kUpdate);
      if (measured_) feed_back_refresh(weights);
      report.tally += r.tally;
      report.time_s += r.time_s;
    }
    return report;
  }

  // Threshold on the remaining |chi| for one more pulse of a device at conductance g_S (S), in
  // normalized units (the header's t_j, and eps_0 for the first pulse). Infinite when the
  // device cannot grow (min_error at g_max).
  double threshold(double g_S, bool first) const {
    const double mean = nominal_step_S_ > 0.0 ? nominal_step_S_ : pulser_->mean_step_S(g_S);
    const double eps = mean / unit_;  // granularity at this conductance
    if (!min_error_) return first ? eps : 0.5 * eps;
    const double m = (nominal_step_S_ > 0.0 ? mean : std::min(mean, g_max_ - g_S)) / unit_;  // saturates at g_max
    if (!(m > 0.0)) return 1e300;
    const double sd = (nominal_step_S_ > 0.0 ? nominal_std_S_ : pulser_->step_std_S(g_S)) / unit_;
    const double t = 0.5 * m + sd * sd / (2.0 * m);
    return first ? std::max(t, eps) : t;
  }

  // Pulses for a desired change `a` = |chi| > 0 of a device at conductance g_S (S), and their
  // expected total change in normalized units (`change`). 0 when a is below the first threshold.
  int pulses_for(double a, double g_S, double& change) const {
    change = 0.0;
    double g = g_S;
    int n = 0;
    while (n < keys_.max_pulses) {
      if (a - change < threshold(g, n == 0)) break;
      const double dg = nominal_step_S_ > 0.0 ? nominal_step_S_
                                              : std::min(pulser_->mean_step_S(g), g_max_ - g);  // saturates at g_max
      change += dg / unit_;
      g += dg;
      ++n;
    }
    return n;
  }

  // Measured refresh feedback: every weight's G+ - G- before the refresh pass (the pass's check
  // reads every pair) and, after it, chi += (before - after) / unit of every weight (0 for a
  // pair the pass left alone; the rewritten device is read after each of its pulses).
  void snapshot(const arch::WeightAccess& weights) {
    before_.resize(weights.layer_count());
    for (std::size_t l = 0; l < weights.layer_count(); ++l) weights.effective_conductances(l, before_[l]);
  }
  void feed_back_refresh(const arch::WeightAccess& weights) {
    const auto inv_unit = static_cast<float>(1.0 / unit_);
    for (std::size_t l = 0; l < weights.layer_count(); ++l) {
      weights.effective_conductances(l, after_);
      const Eigen::MatrixXf& before = before_[l];
      for (Eigen::Index i = 0; i < after_.size(); ++i) {
        const float d = before(i) - after_(i);
        if (d != 0.0F) chi_.layer(l)(i) += d * inv_unit;
      }
    }
  }

  int words_per_weight() const override { return 1; }  // chi
  int ops_per_weight() const override { return 2; }    // accumulate; compare (and round when it fires)

  void save(std::ostream& out) const override {
    chi_.save(out);
    out.write(reinterpret_cast<const char*>(&batches_done_), sizeof batches_done_);
  }
  void load(std::istream& in) override {
    chi_.load(in);
    if (!in) return;
    in.read(reinterpret_cast<char*>(&batches_done_), sizeof batches_done_);
  }

 private:
  const devices::PulseUpdate* pulser_ = nullptr;
  PulseRuleKeys keys_;
  int refresh_every_ = 100;
  bool min_error_ = false;    // pulse_rule: min_error (else round)
  bool measured_ = false;     // chi_update: measured (else expected)
  bool read_before_ = false;  // the pulsed device is read before its pulses (count depends on G)
  double g_max_ = 0.0;
  double unit_ = 0.0;
  double eps_floor_ = 0.0;
  double nominal_step_S_ = 0.0;  // step_estimate nominal: mu_n, S (0: trajectory)
  double nominal_std_S_ = 0.0;   // and s_n, S
  std::int64_t batches_done_ = 0;
  ChiAccumulator chi_;
  // Measured: the fired devices of this batch, their chi and conductance before the pulses.
  struct Pending {
    float* chi;
    const devices::CellState* cell;
    float g_before;
    float sign;
  };
  std::vector<Pending> pending_;
  std::vector<Eigen::MatrixXf> before_;  // measured refresh: G+ - G- per layer before the pass
  Eigen::MatrixXf after_;                // and of one layer after it
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "mixed_precision", MixedPrecisionRule)

}  // namespace xbarsim::workloads
