// Latent-weight training with a straight-through estimator onto the device levels (Hubara et
// al., "Quantized Neural Networks", JMLR 18, 2018), as used for low-resolution stochastic DW
// synapses by Al Misba et al., arXiv:2111.07284 (IEEE Access 10, 2022): the SRAM accumulator
// keeps high-precision latent weights w_r in [-1, 1]; the forward and backward passes use the
// devices (the quantized, stochastic weights); the gradient with respect to the quantized
// weight updates w_r (optimizer of training.optimizer); a device is reprogrammed only when the
// level nearest to w_r changes, with write-verify against a noise-tolerance margin (retry up
// to max_attempts, or accept the first stochastic outcome).
#include <fmt/format.h>

#include "workloads/optimizer.hpp"
#include "workloads/update_rule.hpp"

namespace xbarsim::workloads {
namespace {

class LatentSteRule final : public UpdateRule {
 public:
  LatentSteRule(const Params& p, const arch::ChipSpec& spec, const Params& optimizer)
      : optimizer_(OptimizerRegistry::instance().create(optimizer)) {
    (void)spec;
    options_.tolerance = p.real_or("margin", 0.1, 0.0, 1.0);
    const std::string miss = p.choice_or("on_miss", {"retry", "accept"}, "retry");
    options_.verify = miss == "retry";
    options_.max_attempts = static_cast<int>(p.integer_or("max_attempts", 3, 1, 100));
    if (!options_.verify) options_.max_attempts = 1;
    init_spread_ = p.real_or("init_spread", 1.0, 0.0, 1.0);
  }

  void initialize(const std::vector<int>& widths, Rng& rng, std::vector<Eigen::MatrixXf>& w) override {
    latent_.clear();
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
      Eigen::MatrixXf m(widths[l + 1], widths[l]);
      // Uniform in [-spread, spread] (column-major fill order, fixed).
      for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<float>(init_spread_ * (2.0 * rng.uniform() - 1.0));
      latent_.push_back(m);
    }
    refs_.clear();
    w = latent_;
  }

  arch::ProgramReport apply(arch::Chip& chip, const std::vector<Eigen::MatrixXf>& grads, double lr, Rng&) override {
    // Views of (latent, gradient); rebuilt only if the caller's gradient buffers moved.
    if (refs_.empty() || refs_.front().grad.data() != grads.front().data()) {
      refs_.clear();
      for (std::size_t l = 0; l < latent_.size(); ++l) {
        refs_.push_back({Eigen::Map<Eigen::VectorXf>(latent_[l].data(), latent_[l].size()),
                         Eigen::Map<const Eigen::VectorXf>(grads[l].data(), grads[l].size())});
      }
    }
    optimizer_->step(refs_, static_cast<float>(lr));
    for (auto& m : latent_) m = m.cwiseMax(-1.0F).cwiseMin(1.0F);
    return chip.write_weights(latent_, "update", true, options_);
  }

  const std::vector<Eigen::MatrixXf>& targets() const override { return latent_; }
  int words_per_weight() const override { return 3; }  // latent, and Adam's two moments (or fewer)
  int ops_per_weight() const override { return 1; }

  void save(std::ostream& out) const override {
    std::vector<Eigen::VectorXf> v;
    for (const auto& m : latent_) v.emplace_back(Eigen::Map<const Eigen::VectorXf>(m.data(), m.size()));
    save_vectors(out, v);
    optimizer_->save(out);
  }
  void load(std::istream& in) override {
    std::vector<Eigen::VectorXf> v;
    load_vectors(in, v);
    for (std::size_t l = 0; l < latent_.size(); ++l) {
      latent_[l] = Eigen::Map<const Eigen::MatrixXf>(v[l].data(), latent_[l].rows(), latent_[l].cols());
    }
    optimizer_->load(in);
  }

 private:
  std::unique_ptr<Optimizer> optimizer_;
  devices::ProgramOptions options_;
  double init_spread_ = 1.0;
  std::vector<Eigen::MatrixXf> latent_;
  std::vector<ParamRef> refs_;
};

}  // namespace

XBARSIM_REGISTER(UpdateRuleRegistry, "latent_ste", LatentSteRule)

}  // namespace xbarsim::workloads
