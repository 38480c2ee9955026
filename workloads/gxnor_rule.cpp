// GXNOR discrete-state training of ternary MTJ synapses: the weight is the state of the device
// pair, no latent float weight is kept, and the stochastic part of every discrete step is
// realized by the MTJ's own stochastic switching (the pulse width is chosen so that the
// switching probability equals the update probability).
//
// Sources: L. Deng, P. Jiao, J. Pei, Z. Wu, G. Li, "GXNOR-Net: Training deep neural networks
// with ternary weights and activations without full-precision memory under a unified
// discretization framework", arXiv:1705.09283 (Neural Networks 100, 2018) - the discrete state
// transition; T. Greenberg-Toledo, B. Perach, I. Hubara, D. Soudry, S. Kvatinsky, "Training of
// Quantized Deep Neural Networks using a Magnetic Tunnel Junction-Based Synapse",
// arXiv:1912.12636 - its realization by MTJ switching. Equations and
// parameters in docs/training/gxnor.md.
//
// Per weight and mini-batch, in normalized units (L = 1, H = 1 for ternary):
//   dW = -learning_rate_scale x lr x dLoss/dw
//   k  = sign(dW) floor(|dW| / L),  v = dW - k L,  p = tanh(th |v| / L)
//   jump = (k + sign(dW) Bernoulli(p)) L,  w <- clip(w + jump, -H, H)
// The k deterministic steps get a pulse of switching probability `deterministic_probability`;
// the Bernoulli(p) step gets a pulse of width t with P_sw(I, t) = p_q, p_q the nearest of Q
// geometric levels p_min^((Q - q) / (Q - 1)), q = 1..Q (p < p_min / 2 rounds to no pulse), so
// cells group into at most Q pulse widths (ledger actions).
// A ternary step moves one device of the pair: +1 switches G- P -> AP if it is P, else G+
// AP -> P; -1 the mirror image (the device's TernaryPair::step). Any device with the
// StochasticSwitching and TernaryPair capabilities can be trained this way.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/weight_access.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class GxnorRule final : public UpdateRule {
 public:
  GxnorRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer) {
    // direction: "gradient" (Deng et al.: dW = -scale lr g) or "optimizer" (dW = scale x the
    // step of training.optimizer, e.g. Adam, whose moments are kept in the SRAM accumulator).
    if (p.choice_or("direction", {"gradient", "optimizer"}, "gradient") == "optimizer") {
      optimizer_ = OptimizerRegistry::instance().create(optimizer);
    }
    const devices::Device& device = *spec.device;
    switching_ = device.stochastic_switching();
    ternary_ = device.ternary_pair();
    if (switching_ == nullptr || ternary_ == nullptr || device.devices_per_weight() != 2) {
      p.fail("impl",
             "gxnor needs a ternary pair of stochastically switching devices (device: {impl: mtj, synapse: ternary})");
    }
    scale_ = p.real_or("learning_rate_scale", 1.0, 0.0, 1e9);
    th_ = p.real_or("th", 3.0, 1e-6, 1e6);
    normalize_ = p.choice_or("normalize", {"none", "layer_rms"}, "none") == "layer_rms";
    levels_ = static_cast<int>(p.integer_or("probability_levels", 64, 2, 4096));
    p_min_ = p.real_or("probability_min", 1e-4, 1e-9, 0.5);
    const double p_det = p.real_or("deterministic_probability", 0.9999, 0.5, 1.0 - 1e-12);
    current_ = p.quantity_or("pulse_current", units::Dimension::kCurrent, "0 A", 0.0, 1.0);
    if (current_ <= 0.0) current_ = switching_->default_write_current_A();
    init_nonzero_ = p.real_or("init_nonzero", 2.0 / 3.0, 0.0, 1.0);
    // Probability levels p_q = p_min^((Q - q) / (Q - 1)), q = 1..Q (geometric from p_min to 1),
    // each with the pulse width that switches with that probability; p_Q = 1 and any level at or
    // above the deterministic probability use the deterministic pulse.
    det_.pulse_current_A = current_;
    det_.pulse_width_s = switching_->pulse_width_for_probability(p_det, current_);
    if (!(det_.pulse_width_s > 0.0))
      p.fail("deterministic_probability", "a probability a pulse of finite width reaches");
    level_options_.resize(static_cast<std::size_t>(levels_) + 1);
    level_p_.assign(static_cast<std::size_t>(levels_) + 2, 0.0);
    for (int q = 1; q <= levels_; ++q) {
      const double pq = level_probability(q);
      level_p_[static_cast<std::size_t>(q)] = pq;
      devices::ProgramOptions o = det_;
      if (pq < p_det) o.pulse_width_s = switching_->pulse_width_for_probability(pq, current_);
      if (!(o.pulse_width_s > 0.0)) {
        p.fail("pulse_current", fmt::format("a current at which a pulse reaches switching probability {:.4g} only "
                                            "with a nonzero width (precessional floor)",
                                            pq));
      }
      level_options_[static_cast<std::size_t>(q)] = o;
    }
    level_p_[static_cast<std::size_t>(levels_) + 1] = 2.0;  // sentinel
    // |v| below v_skip rounds to probability 0 (p < p_min / 2).
    v_skip_ = static_cast<float>(std::atanh(0.5 * p_min_) / th_);
    level_g_[0] = static_cast<float>(device.level_conductance(0));
    level_g_[1] = static_cast<float>(device.level_conductance(1));
  }

  void initialize(const arch::Topology& topology, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    w.clear();
    for (const arch::LayerShape& s : topology.layers) {
      Eigen::MatrixXf m(s.weight_outputs(), s.weight_inputs());
      // 0 with probability 1 - init_nonzero, else +-1 with equal probability.
      for (Eigen::Index i = 0; i < m.size(); ++i) {
        const double u = rng.uniform();
        m(i) = u < init_nonzero_ ? (u < 0.5 * init_nonzero_ ? -1.0F : 1.0F) : 0.0F;
      }
      w.push_back(std::move(m));
    }
    held_ = w;
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    const std::vector<Eigen::MatrixXf>* dir = &grads;
    float base_scale = static_cast<float>(-scale_ * lr);
    if (optimizer_) {
      // The optimizer's step from zero: steps_[l] = its update of a weight, dW = scale x step.
      if (steps_.size() != grads.size()) {
        steps_.clear();
        for (const auto& g : grads) steps_.emplace_back(Eigen::MatrixXf::Zero(g.rows(), g.cols()));
      }
      if (refs_.empty() || refs_.front().grad.data() != grads.front().data()) {
        refs_.clear();
        for (std::size_t l = 0; l < grads.size(); ++l) {
          refs_.push_back({Eigen::Map<Eigen::VectorXf>(steps_[l].data(), steps_[l].size()),
                           Eigen::Map<const Eigen::VectorXf>(grads[l].data(), grads[l].size())});
        }
      }
      for (auto& m : steps_) m.setZero();
      optimizer_->step(refs_, static_cast<float>(lr));
      dir = &steps_;
      base_scale = static_cast<float>(scale_);
    }
    const auto th = static_cast<float>(th_);
    const float v_skip = v_skip_;
    arch::WeightAccess& weights = chip.weights();
    weights.clear();
    for (std::size_t l = 0; l < weights.layer_count(); ++l) {
      const Eigen::MatrixXf& g = (*dir)[l];
      float step_scale = base_scale;
      if (normalize_) {
        // dW = -scale lr g / rms(g over the layer): the layer's mean |dW| follows lr alone.
        const float rms = std::sqrt(g.squaredNorm() / static_cast<float>(std::max<Eigen::Index>(g.size(), 1)));
        step_scale = rms > 0.0F ? base_scale / rms : 0.0F;
      }
      weights.for_each_weight(l, [&](const arch::WeightSite& w) {
        const float dw = step_scale * g(w.output(), w.input());
        if (dw == 0.0F) return;
        const int sign = dw > 0.0F ? 1 : -1;
        const float a = std::abs(dw);
        const float kf = std::floor(a);
        const float v = a - kf;
        const int kdet = kf >= 2.0F ? 2 : static_cast<int>(kf);  // two steps span [-1, 1]
        if (kdet == 0 && v < v_skip) return;
        const int q = v < v_skip ? 0 : nearest_level(std::tanh(th * v));
        if (kdet == 0 && q == 0) return;
        std::uint32_t lp = w.device(0).level;
        std::uint32_t lm = w.device(1).level;
        // Deterministic steps, then the stochastic one, on the pair's actual state.
        for (int step = 0; step < kdet + (q > 0 ? 1 : 0); ++step) {
          int device = 0;
          std::uint32_t to = 0;
          if (!ternary_->step(sign, lp, lm, device, to)) break;  // at +-H
          weights.program(w, device, level_g_[to], static_cast<std::uint16_t>(step < kdet ? levels_ : q));
        }
      });
    }
    // One pulse setting per probability level q = 1..Q (level Q and the deterministic steps
    // share the deterministic pulse).
    const arch::ProgramReport report = weights.issue_programs(level_options_, arch::Phase::kUpdate);
    read_back(weights);
    return report;
  }

  // The batch gradient, accumulated in one word per weight; no latent weight (the state is the
  // device pair).
  int words_per_weight() const override { return optimizer_ ? 3 : 1; }
  // Scale, floor/remainder decomposition, probability lookup.
  int ops_per_weight() const override { return 3; }

  // The state is the devices (saved with the chip); the optimizer's moments, if used.
  void save(std::ostream& out) const override {
    if (optimizer_) optimizer_->save(out);
  }
  void load(std::istream& in) override {
    if (!optimizer_) return;
    std::vector<Eigen::Index> sizes;  // the optimizer steps one tensor per layer's weights
    for (const auto& w : held_) sizes.push_back(w.size());
    optimizer_->load(in, sizes);
  }

 private:
  // Level q's probability p_min^((Q - q) / (Q - 1)).
  double level_probability(int q) const {
    return std::pow(p_min_, static_cast<double>(levels_ - q) / static_cast<double>(levels_ - 1));
  }
  // The level whose probability is nearest to p (linear distance; 0 below p_min / 2).
  int nearest_level(double p) const {
    if (p < 0.5 * p_min_) return 0;
    if (p <= p_min_) return 1;
    // Geometric position: q_real = 1 + (Q - 1) (1 - ln p / ln p_min), between q and q + 1.
    const double pos = 1.0 + static_cast<double>(levels_ - 1) * (1.0 - std::log(p) / std::log(p_min_));
    int q = std::clamp(static_cast<int>(pos), 1, levels_);
    while (q < levels_ && level_p_[static_cast<std::size_t>(q) + 1] <= p) ++q;  // guard rounding
    while (q > 1 && level_p_[static_cast<std::size_t>(q)] > p) --q;
    if (q == levels_) return q;
    return p - level_p_[static_cast<std::size_t>(q)] <= level_p_[static_cast<std::size_t>(q) + 1] - p ? q : q + 1;
  }

  // held_ = the ternary state of every pair, level(G+) - level(G-).
  void read_back(const arch::WeightAccess& weights) {
    for (std::size_t l = 0; l < weights.layer_count(); ++l) {
      Eigen::MatrixXf& held = held_[l];
      weights.for_each_weight(l, [&](const arch::WeightSite& w) {
        held(w.output(), w.input()) = static_cast<float>(ternary_->pair_weight(w.device(0), w.device(1)));
      });
    }
  }

  const devices::StochasticSwitching* switching_ = nullptr;
  const devices::TernaryPair* ternary_ = nullptr;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<Eigen::MatrixXf> steps_;
  std::vector<ParamRef> refs_;
  double scale_ = 1.0;
  double th_ = 3.0;
  bool normalize_ = false;
  int levels_ = 64;
  double p_min_ = 1e-4;
  float v_skip_ = 0.0F;
  std::vector<double> level_p_;  // index q = 1..Q, and a sentinel
  double current_ = 0.0;
  double init_nonzero_ = 2.0 / 3.0;
  devices::ProgramOptions det_;
  std::vector<devices::ProgramOptions> level_options_;  // index q = 1..Q
  float level_g_[2] = {0.0F, 0.0F};                     // conductance of level 0 (AP) and 1 (P), S
  std::vector<Eigen::MatrixXf> held_;
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "gxnor", GxnorRule)

}  // namespace xbarsim::workloads
