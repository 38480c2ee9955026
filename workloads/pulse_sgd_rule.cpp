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
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class PulseSgdRule final : public UpdateRule {
 public:
  PulseSgdRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer) {
    (void)optimizer;  // the optimizer section sets the base learning rate (and the biases')
    const devices::Device& device = *spec.device;
    up_ = device.pulse_update();
    down_ = device.pulse_depression();
    if (up_ == nullptr || down_ == nullptr || device.devices_per_weight() != 1) {
      p.fail("impl",
             "pulse_sgd needs a device with potentiation and depression pulses, one per weight "
             "(e.g. device: {impl: measured_response, devices_per_weight: 1})");
    }
    scale_ = p.real_or("learning_rate_scale", 1.0, 0.0, 1e9);
    chi_max_ = p.real_or("chi_max", 1.0, 1e-6, 1e6);
    max_pulses_ = static_cast<int>(p.integer_or("max_pulses", 100, 1, 65535));
    init_spread_ = p.real_or("init_spread", 1.0, 0.0, 1.0);
    const double g_min = device.g_min(), g_max = device.g_max();
    // Normalized step of one nominal pulse: (g_max - g_min) / N over the unit (g_max - g_min) / 2.
    eps_up_ = 2.0 / pulses_across(p, g_min, g_max, true);
    eps_down_ = 2.0 / pulses_across(p, g_min, g_max, false);
  }

  void initialize(const arch::Topology& topology, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    w.clear();
    chi_.clear();
    for (const arch::LayerShape& s : topology.layers) {
      Eigen::MatrixXf m(s.weight_outputs(), s.weight_inputs());
      for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(init_spread_ * (2.0 * rng.uniform() - 1.0));
      w.push_back(m);
      chi_.push_back(Eigen::MatrixXf::Zero(m.rows(), m.cols()));
    }
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    arch::WeightAccess& weights = chip.weights();
    const auto step = static_cast<float>(-scale_ * lr);
    const auto cmax = static_cast<float>(chi_max_);
    const auto eps_up = static_cast<float>(eps_up_);
    const auto eps_down = static_cast<float>(eps_down_);
    const auto n_max = static_cast<float>(max_pulses_);
    weights.clear();
    for (std::size_t l = 0; l < weights.layer_count(); ++l) {
      chi_[l] = (chi_[l] + step * grads[l]).cwiseMax(-cmax).cwiseMin(cmax);
      Eigen::MatrixXf& chi_l = chi_[l];
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

  void save(std::ostream& out) const override {
    std::vector<Eigen::VectorXf> v;
    for (const auto& m : chi_) v.emplace_back(Eigen::Map<const Eigen::VectorXf>(m.data(), m.size()));
    save_vectors(out, v);
  }
  void load(std::istream& in) override {
    std::vector<Eigen::VectorXf> v;  // shaped as chi: load_vectors checks them
    for (const auto& m : chi_) v.emplace_back(m.size());
    load_vectors(in, v);
    if (!in) return;
    for (std::size_t l = 0; l < chi_.size(); ++l) {
      chi_[l] = Eigen::Map<const Eigen::MatrixXf>(v[l].data(), chi_[l].rows(), chi_[l].cols());
    }
  }

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
  double scale_ = 1.0;
  double chi_max_ = 1.0;
  int max_pulses_ = 100;
  double init_spread_ = 1.0;
  double eps_up_ = 0.0;    // normalized nominal step of one LTP pulse
  double eps_down_ = 0.0;  // and of one LTD pulse
  std::vector<Eigen::MatrixXf> chi_;
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "pulse_sgd", PulseSgdRule)

}  // namespace xbarsim::workloads
