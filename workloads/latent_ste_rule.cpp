// Latent-weight training with a straight-through estimator onto the device levels (Hubara et
// al., "Quantized Neural Networks", JMLR 18, 2018), as used for low-resolution stochastic DW
// synapses by Al Misba et al., arXiv:2111.07284 (IEEE Access 10, 2022): the SRAM accumulator
// keeps high-precision latent weights w_r in [-1, 1]; the forward and backward passes use the
// devices (the quantized, stochastic weights); the gradient with respect to the quantized
// weight updates w_r (optimizer of training.optimizer); a device is reprogrammed only when the
// level nearest to w_r changes, with write-verify against a noise-tolerance margin (retry up
// to max_attempts, or accept the first stochastic outcome).
// With `scale: least_squares` the latent weights are unbounded and each layer's scale follows
// the least-squares fit of the latent weights onto the device levels (the rule of the ex-situ
// trainer, docs/training/exsitu.md), a digital factor that costs no reprogramming by itself;
// with `scale: fixed` the latent weights are clipped to [-1, 1] at a fixed scale (Hubara).
#include <fmt/format.h>

#include <cmath>

#include "workloads/device_aware_trainer.hpp"
#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class LatentSteRule final : public UpdateRule {
 public:
  LatentSteRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer)
      : optimizer_(OptimizerRegistry::instance().create(optimizer)), levels_(*spec.device, spec.geometry.encoding) {
    least_squares_ = p.choice_or("scale", {"fixed", "least_squares"}, "fixed") == "least_squares";
    options_.tolerance = p.real_or("margin", 0.1, 0.0, 1.0);
    const std::string miss = p.choice_or("on_miss", {"retry", "accept"}, "retry");
    options_.verify = miss == "retry";
    options_.max_attempts = static_cast<int>(p.integer_or("max_attempts", 3, 1, 100));
    if (!options_.verify) options_.max_attempts = 1;
    init_spread_ = p.real_or("init_spread", 1.0, 0.0, 1.0);
  }

  void initialize(const arch::Topology& topology, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    latent_.clear();
    for (const arch::LayerShape& s : topology.layers) {
      Eigen::MatrixXf m(s.weight_outputs(), s.weight_inputs());
      // Uniform in [-spread, spread] (column-major fill order, fixed).
      for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(init_spread_ * (2.0 * rng.uniform() - 1.0));
      latent_.push_back(m);
    }
    refs_.clear();
    factor_.assign(latent_.size(), 1.0);
    if (least_squares_ && !levels_.continuous()) {
      for (std::size_t l = 0; l < latent_.size(); ++l) fit(l);
    }
    targets_ = latent_;
    make_targets();
    w = targets_;
  }

  void update_scales(std::vector<float>& scales) override {
    if (reference_.empty()) reference_ = scales;
    for (std::size_t l = 0; l < scales.size(); ++l) scales[l] = static_cast<float>(reference_[l] * factor_[l]);
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    // The trainer's gradients are per normalized weight at the scale in force (reference x
    // factor); per latent unit (reference-normalized) they are divided by the factor.
    scaled_grads_.resize(latent_.size());
    for (std::size_t l = 0; l < latent_.size(); ++l) scaled_grads_[l] = grads[l] / static_cast<float>(factor_[l]);
    if (refs_.empty()) {
      for (std::size_t l = 0; l < latent_.size(); ++l) {
        refs_.push_back({Eigen::Map<Eigen::VectorXf>(latent_[l].data(), latent_[l].size()),
                         Eigen::Map<const Eigen::VectorXf>(scaled_grads_[l].data(), scaled_grads_[l].size())});
      }
    }
    optimizer_->step(refs_, static_cast<float>(lr));
    if (!least_squares_ || levels_.continuous()) {
      for (auto& m : latent_) m = m.cwiseMax(-1.0F).cwiseMin(1.0F);
    } else {
      for (std::size_t l = 0; l < latent_.size(); ++l) fit(l);
    }
    make_targets();
    return chip.write_weights(targets_, arch::Phase::kUpdate, true, options_);
  }

  int words_per_weight() const override { return 3; }  // latent, and Adam's two moments (or fewer)
  int ops_per_weight() const override { return 1; }

  void save(std::ostream& out) const override {
    std::vector<Eigen::VectorXf> v;
    for (const auto& m : latent_) v.emplace_back(Eigen::Map<const Eigen::VectorXf>(m.data(), m.size()));
    save_vectors(out, v);
    out.write(reinterpret_cast<const char*>(factor_.data()),
              static_cast<std::streamsize>(factor_.size() * sizeof(double)));
    optimizer_->save(out);
  }
  void load(std::istream& in) override {
    std::vector<Eigen::VectorXf> v;  // shaped as the latent weights: load_vectors checks them
    for (const auto& m : latent_) v.emplace_back(m.size());
    load_vectors(in, v);
    if (!in) return;
    for (std::size_t l = 0; l < latent_.size(); ++l) {
      latent_[l] = Eigen::Map<const Eigen::MatrixXf>(v[l].data(), latent_[l].rows(), latent_[l].cols());
    }
    in.read(reinterpret_cast<char*>(factor_.data()), static_cast<std::streamsize>(factor_.size() * sizeof(double)));
    for (const double f : factor_) {
      if (!std::isfinite(f) || f <= 0.0) in.setstate(std::ios::failbit);  // a layer scale: positive
    }
    std::vector<Eigen::Index> sizes;
    for (const auto& m : latent_) sizes.push_back(m.size());
    optimizer_->load(in, sizes);
    make_targets();
  }

 private:
  // Least-squares factor of layer l: two Lloyd iterations from the previous factor.
  void fit(std::size_t l) {
    const Eigen::MatrixXf& m = latent_[l];
    factor_[l] = least_squares_scale(m.data(), static_cast<std::size_t>(m.size()), levels_, factor_[l], 2);
  }
  // Targets = latent / factor, clipped to [-1, 1] (the array snaps them to the nearest level).
  void make_targets() {
    targets_.resize(latent_.size());
    for (std::size_t l = 0; l < latent_.size(); ++l) {
      targets_[l] = (latent_[l] / static_cast<float>(factor_[l])).cwiseMax(-1.0F).cwiseMin(1.0F);
    }
  }

  std::unique_ptr<Optimizer> optimizer_;
  RepresentableWeights levels_;
  bool least_squares_ = true;
  std::vector<double> factor_;    // per layer: scale in force / reference scale
  std::vector<float> reference_;  // the experiment's reference scales
  std::vector<Eigen::MatrixXf> targets_;
  std::vector<Eigen::MatrixXf> scaled_grads_;
  devices::ProgramOptions options_;
  double init_spread_ = 1.0;
  std::vector<Eigen::MatrixXf> latent_;
  std::vector<ParamRef> refs_;
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "latent_ste", LatentSteRule)

}  // namespace xbarsim::workloads
