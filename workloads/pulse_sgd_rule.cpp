// In-situ training by potentiation and depression pulses on one device per weight, open loop:
// the online learning of NeuroSim (P.-Y. Chen, X. Peng, S. Yu, "NeuroSim: A circuit-level macro
// model for benchmarking neuro-inspired architectures in online learning", IEEE TCAD 37(12),
// 3067-3080 (2018), Sec. IV and Fig. 10; MLP+NeuroSim V3.0, AnalogNVM::Write in Cell.cpp,
// github.com/neurosim): a weight is one device against the reference (offset encoding), a
// positive update is a number of LTP pulses and a negative one of LTD pulses, the number from a
// linear device's step, so the device's nonlinearity and the asymmetry of its two directions go
// unseen by the rule and show in the accuracy. docs/training/pulse_sgd.md.
//
// Per weight and mini-batch, in normalized weight units (offset encoding: a weight of 1 is
// G - G_ref = (g_max - g_min) / 2):
//   chi += -learning_rate_scale x lr x dLoss/dw,  clipped to [-chi_max, chi_max]
//   eps_+ = 2 / N_LTP, eps_- = 2 / N_LTD: the nominal steps, N the expected pulses across
//           [g_min, g_max] of each direction (the device's mean steps walked from one end to the
//           other; a linear device with N levels)
//   n = min(round(|chi| / eps), max_pulses) with eps = eps_+ for chi > 0, eps_- for chi < 0;
//   n LTP (chi > 0) or LTD (chi < 0) pulses on the device; chi -= sign(chi) n eps.
// NeuroSim drops the part of an update below half a step; here it stays in chi (the SRAM
// accumulator the chip has anyway), so a small learning rate still moves the weights. No read
// before or after the pulses: nothing is verified, nothing refreshed.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/weight_access.hpp"
#include "workloads/chi_accumulator.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class PulseSgdRule final : public UpdateRule {
 public:
  PulseSgdRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer) : keys_(p) {
    (void)optimizer;  // the optimizer section sets the base learning rate (and the biases')
    const devices::Device& device = *spec.device;
    up_ = device.pulse_update();
    down_ = device.pulse_depression();
    if (up_ == nullptr || down_ == nullptr || device.devices_per_weight() != 1) {
      p.fail("impl",
             "pulse_sgd needs a device with potentiation and depression pulses, one per weight "
             "(e.g. device: {impl: measured_response, devices_per_weight: 1})");
    }
    const double g_min = device.g_min(), g_max = device.g_max();
    // Normalized step of one nominal pulse: (g_max - g_min) / N over the unit (g_max - g_min) / 2.
    eps_up_ = 2.0 / pulses_across(p, g_min, g_max, true);
    eps_down_ = 2.0 / pulses_across(p, g_min, g_max, false);
  }

  void initialize(const arch::Topology& topology, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    chi_.initialize(topology, keys_.init_spread, rng, w);
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    arch::WeightAccess& weights = chip.weights();
    const auto step = static_cast<float>(-keys_.learning_rate_scale * lr);
    const auto cmax = static_cast<float>(keys_.chi_max);
    const auto eps_up = static_cast<float>(eps_up_);
    const auto eps_down = static_cast<float>(eps_down_);
    const auto n_max = static_cast<float>(keys_.max_pulses);
    weights.clear();
    for (std::size_t l = 0; l < weights.layer_count(); ++l) {
      Eigen::MatrixXf& chi_l = chi_.accumulate(l, grads[l], step, cmax);
      weights.for_each_weight(l, [&](const arch::WeightSite& w) {
        float& chi = chi_l(w.output(), w.input());
        const bool up = chi > 0.0F;
        const float eps = up ? eps_up : eps_down;
        const float n = std::min(std::round(std::abs(chi) / eps), n_max);
        if (n < 1.0F) return;
        chi -= (up ? n : -n) * eps;
        if (up) {
          weights.pulse(w, 0, static_cast<std::uint16_t>(n));
        } else {
          weights.depress(w, 0, static_cast<std::uint16_t>(n));
        }
      });
    }
    return weights.issue_pulses(arch::Phase::kUpdate);
  }

  int words_per_weight() const override { return 1; }  // chi
  int ops_per_weight() const override { return 2; }    // accumulate; compare (and round when it fires)

  void save(std::ostream& out) const override { chi_.save(out); }
  void load(std::istream& in) override { chi_.load(in); }

 private:
  // Expected pulses of one direction across [g_min, g_max]: whole mean steps from the start,
  // the last one counted by the fraction of it that fits.
  double pulses_across(const Params& p, double g_min, double g_max, bool ltp) const {
    double g = ltp ? g_min : g_max, pulses = 0.0;
    for (;;) {
      const double s = ltp ? up_->mean_step_S(g) : down_->mean_depression_step_S(g);
      if (!(s > 0.0) || pulses > 1e7) {
        p.fail("impl", fmt::format("a device whose {} pulses cross [g_min, g_max] in at most 1e7 pulses",
                                   ltp ? "potentiation" : "depression"));
      }
      const double left = ltp ? g_max - g : g - g_min;
      if (s >= left) return pulses + left / s;
      g += ltp ? s : -s;
      pulses += 1.0;
    }
  }

  const devices::PulseUpdate* up_ = nullptr;
  const devices::PulseDepression* down_ = nullptr;
  PulseRuleKeys keys_;
  double eps_up_ = 0.0;    // normalized nominal step of one LTP pulse
  double eps_down_ = 0.0;  // and of one LTD pulse
  ChiAccumulator chi_;
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "pulse_sgd", PulseSgdRule)

}  // namespace xbarsim::workloads
